package runtime

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/prog-lang/prog/runtime/pgtest"
)

// TestSecondServerRefuses: a second server on a database a server is
// running on refuses to start, with a message that names the database
// (without its password) and says what to do, and it changes nothing: the
// first server's rows and run number stay, and its sends still arrive.
// Once the first has closed, a new server starts.
func TestSecondServerRefuses(t *testing.T) {
	bothDBs(t, func(t *testing.T, db string) {
		second := db // how the second server names the database
		if db == "sqlite" {
			db = filepath.Join(t.TempDir(), "two.db")
			second = filepath.Join(filepath.Dir(db), "link.db") // made once the file is there
		} else {
			// The test server trusts every login: a password is accepted
			// and must not show in the message.
			second = strings.Replace(db, "postgres@", "postgres:hunter2@", 1)
		}
		f := newFixture(t, Config{DB: db, PollTimeout: 100 * time.Millisecond})
		if !isPostgres(db) {
			if err := os.Symlink(db, second); err != nil {
				t.Fatal(err)
			}
		}
		a, b := f.open(t), f.open(t)
		a.call(t, "subscribe")
		run := func() (n int64) {
			t.Helper()
			if err := f.srv.db.QueryRow(`SELECT "value" FROM "_prog_meta" WHERE "key" = 'run'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		runBefore := run()

		srv, err := NewServer(context.Background(), f.srv.prog, Config{DB: second, Log: slog.New(slog.DiscardHandler)})
		want := "another server is running on " + redact(second) + "; stop it or use another --db"
		if isPostgres(db) {
			want = "another server is running on " + redact(second) + "; stop it, use another --db, or start every server with --cluster"
		}
		if err == nil {
			srv.Close()
			t.Errorf("a second server on %s started", second)
		} else if err.Error() != want || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("the second server failed with %q, want %q", err, want)
		}

		var subs, chans int
		f.srv.db.QueryRow(`SELECT count(*) FROM "subscribers"`).Scan(&subs)
		f.srv.db.QueryRow(`SELECT count("ch") FROM "watch"`).Scan(&chans)
		if subs != 1 || chans != 1 || run() != runBefore {
			t.Errorf("after the second server: %d subscriber rows, %d channels in watch, run %d; want 1, 1, run %d", subs, chans, run(), runBefore)
		}
		b.call(t, "post", "still here", false)
		if got := a.push(t, 0); !strings.Contains(got, `"v":"still here"`) {
			t.Errorf("the first server's send after the second server: %s", got)
		}

		f.srv.Halt()
		f.http.Close()
		if err := f.srv.Close(); err != nil {
			t.Fatal(err)
		}
		g := newFixture(t, Config{DB: second})
		if g.srv.base == f.srv.base {
			t.Errorf("the server after the first has the first's run")
		}
	})
}

// logWatch is a slog.Handler that keeps the messages logged, so that a
// test can wait for one.
type logWatch struct {
	mu      sync.Mutex
	lines   []string
	changed chan struct{} // closed and replaced at each line
}

func newLogWatch() *logWatch { return &logWatch{changed: make(chan struct{})} }

func (w *logWatch) Enabled(context.Context, slog.Level) bool { return true }
func (w *logWatch) WithAttrs([]slog.Attr) slog.Handler       { return w }
func (w *logWatch) WithGroup(string) slog.Handler            { return w }

func (w *logWatch) Handle(_ context.Context, r slog.Record) error {
	line := r.Level.String() + " " + r.Message
	r.Attrs(func(a slog.Attr) bool {
		line += " " + a.String()
		return true
	})
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lines = append(w.lines, line)
	close(w.changed)
	w.changed = make(chan struct{})
	return nil
}

// wait waits for a line that holds each of parts, skipping the first
// from lines; it returns the number of lines up to the one found.
func (w *logWatch) wait(t *testing.T, from int, parts ...string) int {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		w.mu.Lock()
		lines, changed := w.lines, w.changed
		w.mu.Unlock()
		for i := from; i < len(lines); i++ {
			found := true
			for _, p := range parts {
				found = found && strings.Contains(lines[i], p)
			}
			if found {
				return i + 1
			}
		}
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("no log line with %q; the lines since %d:\n%s", parts, from, strings.Join(lines[min(from, len(lines)):], "\n"))
		}
	}
}

// TestPostgresLockTakenAgain: when the connection that holds a server's
// lock on PostgreSQL dies (here it is terminated, as a restart of
// PostgreSQL would), the server takes the lock again when the database
// answers; if another server took it meanwhile, it says so in its log, and
// takes the lock once that server has gone.
func TestPostgresLockTakenAgain(t *testing.T) {
	ctx := context.Background()
	db := pgtestDB(t)
	logs := newLogWatch()
	f := newFixture(t, Config{DB: db, Log: slog.New(logs)})
	name := db[strings.LastIndex(db, "/")+1 : strings.Index(db, "?")]
	admin, err := pgx.Connect(ctx, pgtest.Shared(t).URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	other, err := pgx.Connect(ctx, db) // the other server's connection
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	holder := func() (pid int) {
		t.Helper()
		err := other.QueryRow(ctx, `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
			AND classid = $1 AND objid = $2 AND objsubid = 2`, lockClass, lockServer).Scan(&pid)
		if err != nil {
			t.Fatalf("the server's lock is not held: %v", err)
		}
		return pid
	}
	allow := func(yes bool) {
		t.Helper()
		if _, err := admin.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s ALLOW_CONNECTIONS %t", name, yes)); err != nil {
			t.Fatal(err)
		}
	}

	// The lock's connection dies; the server takes the lock again.
	first := holder()
	if _, err := other.Exec(ctx, "SELECT pg_terminate_backend($1)", first); err != nil {
		t.Fatal(err)
	}
	n := logs.wait(t, 0, "INFO", "took the database lock again")
	if pid := holder(); pid == first {
		t.Errorf("the lock is held by the terminated connection %d", pid)
	}

	// It dies again, and before the server can reconnect (the database
	// takes no new connections) another server takes the lock.
	allow(false)
	defer allow(true)
	if _, err := other.Exec(ctx, "SELECT pg_terminate_backend($1)", holder()); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Exec(ctx, "SELECT pg_advisory_lock($1, $2)", lockClass, lockServer); err != nil {
		t.Fatal(err)
	}
	n = logs.wait(t, n, "WARN", "cannot reach the database")
	allow(true)
	n = logs.wait(t, n, "ERROR", "another server is running on this database", "db="+redact(db))
	if _, err := other.Exec(ctx, "SELECT pg_advisory_unlock($1, $2)", lockClass, lockServer); err != nil {
		t.Fatal(err)
	}
	logs.wait(t, n, "INFO", "took the database lock again")
	holder()

	// And it holds it: a second server refuses to start.
	srv, err := NewServer(ctx, f.srv.prog, Config{DB: db, Log: slog.New(slog.DiscardHandler)})
	if err == nil {
		srv.Close()
		t.Fatal("a second server started after the first took its lock again")
	}
}
