//go:build !unix

package pgtest

// processGone reports whether no process has id pid; elsewhere than on
// Unix it cannot tell, and says no.
func processGone(int) bool { return false }
