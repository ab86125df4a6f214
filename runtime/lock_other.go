//go:build !unix || aix

package runtime

import "io"

// lockFile takes no lock where there is no flock (Windows, AIX): there a
// second server on one SQLite file is not stopped. Windows would need
// LockFileEx on the lock file that lock_unix.go uses.
func lockFile(string) (io.Closer, error) { return nil, nil }
