//go:build unix

package runtime

import "syscall"

// openFileLimit is the process's limit on open files. Go raises the soft
// limit to the hard one at start, so this is what the server may use.
func openFileLimit() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur > 1<<24 {
		return 1 << 16 // unknown or unlimited: bound by memory, not files
	}
	return int(lim.Cur)
}
