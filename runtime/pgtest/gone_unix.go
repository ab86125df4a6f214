//go:build unix

package pgtest

import "syscall"

// processGone reports whether no process has id pid.
func processGone(pid int) bool { return syscall.Kill(pid, 0) == syscall.ESRCH }
