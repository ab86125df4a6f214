//go:build unix && !aix

package runtime

import (
	"errors"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// lockFile takes the lock of a SQLite database: flock(LOCK_EX|LOCK_NB) on
// a file beside it, the database's path with "-lock" added, which it
// holds open until Close. The kernel drops the lock when the process
// ends, however it ends, so a crashed server leaves nothing to clear.
//
// The lock is on a file of its own, not on the database, because closing
// any descriptor of a file drops every POSIX lock the process holds on it,
// and SQLite's locks are POSIX locks: a second server in the same process
// (tests start many) that found the database locked and closed its
// descriptor would silently unlock the first one's SQLite. The lock file
// is never removed, like SQLite's own -wal and -shm files: a server that
// removed it on exit could let two servers lock two different files of
// one name. A symbolic link to the database leads to the same lock file.
func lockFile(path string) (io.Closer, error) {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	f, err := os.OpenFile(path+"-lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, errHeld
		}
		return nil, err
	}
	return f, nil
}
