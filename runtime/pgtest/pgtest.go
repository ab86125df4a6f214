// Package pgtest starts a throwaway PostgreSQL server for tests: initdb
// and pg_ctl on a temporary folder and a free loopback port, run as the
// postgres user when the tests run as root (PostgreSQL refuses root).
//
// Tests call Shared, which starts one server per test binary, and Stop it
// from TestMain. Without PostgreSQL installed, Shared skips the test,
// unless CI is set: then a missing PostgreSQL is a failure.
//
// A test binary that is killed (go test -timeout panics, and TestMain's
// Stop never runs) leaves its server running; each folder names the
// process that made it (the file "owner"), and Start stops the servers of
// processes that are gone and removes their folders.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// Server is a running PostgreSQL server.
type Server struct {
	dir, bin string
	port     int
	asUser   []string // the runuser prefix, as root
	admin    *sql.DB
	dbs      atomic.Int64
}

var (
	shared    *Server
	sharedErr error
	once      sync.Once
)

// Shared returns the test binary's server, starting it on first use.
func Shared(tb testing.TB) *Server {
	tb.Helper()
	once.Do(func() { shared, sharedErr = Start() })
	if sharedErr != nil {
		if errors.Is(sharedErr, errMissing) && os.Getenv("CI") == "" {
			tb.Skipf("%v (make test installs it)", sharedErr)
		}
		tb.Fatal(sharedErr)
	}
	return shared
}

// StopShared stops the shared server, if one started. TestMain calls it.
func StopShared() {
	if shared != nil {
		shared.Stop()
	}
}

var errMissing = errors.New("PostgreSQL is not installed (initdb and pg_ctl not found)")

// binDir finds PostgreSQL's programs: on PATH, or where Debian puts them.
func binDir() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if _, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i], nil
		}
	}
	return "", errMissing
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start initialises and starts a new server.
func Start() (*Server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	var asUser []string
	var uid, gid int
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root, and there is no postgres user to run PostgreSQL as: %v", err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
		asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	stopStale(bin, asUser)
	dir, err := os.MkdirTemp("", "prog-pg-")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "owner"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return nil, err
	}
	s := &Server{dir: dir, bin: bin, asUser: asUser}
	if asUser != nil {
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
	}
	if s.port, err = freePort(); err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if err := s.cmd("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"); err != nil {
		return nil, err
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", s.port, dir)
	if err := s.cmd("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		return nil, fmt.Errorf("%v\n%s", err, log)
	}
	s.admin, err = sql.Open("pgx", s.URL("postgres"))
	if err != nil {
		s.Stop()
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.admin.PingContext(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// stopStale stops the servers that test binaries now gone left running,
// and removes their folders. A folder without an owner file, or whose
// owner still runs, is left alone.
func stopStale(bin string, asUser []string) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "prog-pg-*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "owner"))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(string(b))
		if err != nil || pid <= 0 || !processGone(pid) {
			continue
		}
		stale := &Server{dir: dir, bin: bin, asUser: asUser}
		stale.Stop()
	}
}

func (s *Server) cmd(name string, args ...string) error {
	argv := append(append([]string{}, s.asUser...), filepath.Join(s.bin, name))
	argv = append(argv, args...)
	c := exec.Command(argv[0], argv[1:]...)
	c.Dir = s.dir
	if out, err := c.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v\n%s", name, err, out)
	}
	return nil
}

// URL returns the address of database name on the server.
func (s *Server) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, name)
}

// NewDatabase creates an empty database and returns its URL.
func (s *Server) NewDatabase(tb testing.TB) string {
	tb.Helper()
	url, err := s.CreateDatabase()
	if err != nil {
		tb.Fatal(err)
	}
	return url
}

// CreateDatabase creates an empty database and returns its URL.
func (s *Server) CreateDatabase() (string, error) {
	name := fmt.Sprintf("test_%d", s.dbs.Add(1))
	if _, err := s.admin.Exec("CREATE DATABASE " + name); err != nil {
		return "", err
	}
	return s.URL(name), nil
}

// Stop stops the server and removes its folder.
func (s *Server) Stop() {
	if s.admin != nil {
		s.admin.Close()
	}
	s.cmd("pg_ctl", "-D", filepath.Join(s.dir, "data"), "-m", "immediate", "-w", "stop")
	os.RemoveAll(s.dir)
}
