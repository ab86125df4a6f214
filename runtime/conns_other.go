//go:build !unix

package runtime

// openFileLimit is a guess where there is no RLIMIT_NOFILE to read.
func openFileLimit() int { return 1 << 13 }
