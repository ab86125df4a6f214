package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// A server locks its database before it writes anything, and holds the
// lock until Close: at start it numbers its run and forgets the clients
// of earlier runs, and a second server doing that on a live server's
// database would delete that server's rows (its next sends would reach no
// one). So a second server refuses to start instead. On SQLite the lock
// is a flock (lock_unix.go); on PostgreSQL, a session-level advisory lock
// on a connection of its own (pgLock), until scale-out lets several
// servers share one database.

// errHeld says that another server holds the database's lock.
var errHeld = errors.New("the database is locked by another server")

// anotherServer is the error of a server that finds its database locked.
// A node of a cluster (--cluster) finds it locked only by a server
// without --cluster; a server without it, by any server.
func anotherServer(spec string, cluster bool) error {
	if cluster {
		return fmt.Errorf("a server without --cluster is running on %s; stop it, or use another --db", redact(spec))
	}
	if isPostgres(spec) {
		return fmt.Errorf("another server is running on %s; stop it, use another --db, or start every server with --cluster", redact(spec))
	}
	return fmt.Errorf("another server is running on %s; stop it or use another --db", redact(spec))
}

// lockDB takes the lock of the database spec names, or fails with errHeld.
// The nodes of a cluster share the lock (a PostgreSQL shared advisory
// lock), so they keep out a server without --cluster, which would forget
// their clients when it starts, and it keeps them out.
func lockDB(ctx context.Context, spec string, cluster bool, log *slog.Logger) (io.Closer, error) {
	if isPostgres(spec) {
		l, err := lockPostgres(ctx, spec, cluster, log)
		if err != nil {
			return nil, err // not a nil *pgLock in an io.Closer
		}
		return l, nil
	}
	return lockFile(spec)
}

// The key of the advisory lock, in PostgreSQL's space of two-int4 keys
// (pg_locks shows them as classid and objid): "prog", and 1 for the one
// server of a database. Advisory locks are per database, so servers of
// other databases on the same PostgreSQL never meet it; locks a program
// takes on a bigint key live in another space.
const (
	lockClass  = 0x70726f67
	lockServer = 1
)

// lockWait is how long taking the lock waits for its holder to let go: a
// backend releases a session's locks only as it exits, after the client
// has closed the connection or been told it ends, so a server that starts
// right after another one was killed, or whose own lock connection just
// died, may find the lock held for a moment by a session already over.
// lockRetry is how often a server whose lock connection died tries to
// take the lock again.
const (
	lockWait  = time.Second
	lockRetry = time.Second
)

// pgLock holds a PostgreSQL database's advisory lock on a connection of
// its own, opened with pgx rather than taken from the database/sql pool
// (which would hand it to calls, and might close it). A session-level
// lock lives as long as its connection: when that dies (PostgreSQL
// restarts, the network fails), the lock is gone, and hold takes it again
// once the database answers, logging what it finds.
type pgLock struct {
	spec   string
	shared bool // a cluster node's: shared with the other nodes
	log    *slog.Logger
	cancel context.CancelFunc // stops hold
	done   chan struct{}      // closed when hold has returned
}

// lockPostgres takes the lock and starts holding it until Close.
func lockPostgres(ctx context.Context, spec string, shared bool, log *slog.Logger) (*pgLock, error) {
	conn, err := takePGLock(ctx, spec, shared)
	if err != nil {
		return nil, err
	}
	// The lock outlives ctx (NewServer's): Close ends it.
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l := &pgLock{spec: spec, shared: shared, log: log, cancel: cancel, done: make(chan struct{})}
	go l.hold(ctx, conn)
	return l, nil
}

// Close releases the lock; a server that starts after it returns finds
// the database free.
func (l *pgLock) Close() error {
	l.cancel()
	<-l.done
	return nil
}

// takePGLock connects and takes the lock on the connection, or fails with
// errHeld when it is still held after lockWait.
func takePGLock(ctx context.Context, spec string, shared bool) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, spec)
	if err != nil {
		return nil, err
	}
	_, err = conn.Exec(ctx, "SET lock_timeout = "+strconv.FormatInt(lockWait.Milliseconds(), 10))
	if err == nil {
		_, err = conn.Exec(ctx, "SELECT "+lockFunc("pg_advisory_lock", shared)+"($1, $2)", lockClass, lockServer)
	}
	if pg := (*pgconn.PgError)(nil); errors.As(err, &pg) && pg.Code == "55P03" { // lock_not_available
		err = errHeld
	}
	if err != nil {
		closeConn(conn)
		return nil, err
	}
	return conn, nil
}

// lockFunc names the shared form of an advisory lock function when shared
// is set.
func lockFunc(name string, shared bool) string {
	if shared {
		return name + "_shared"
	}
	return name
}

// closeConn closes a connection, whatever the context of its caller.
func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn.Close(ctx)
}

// hold keeps the lock until ctx ends, then releases it. Nothing is sent on
// the connection meanwhile: waiting for a notification that never comes
// returns when the connection dies or ctx ends.
func (l *pgLock) hold(ctx context.Context, conn *pgx.Conn) {
	defer close(l.done)
	for conn != nil {
		err := conn.PgConn().WaitForNotification(ctx)
		switch {
		case ctx.Err() != nil:
			// Unlock before closing: a closed connection's lock lasts
			// until its backend has exited, after Close has returned.
			unlock, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			conn.Exec(unlock, "SELECT "+lockFunc("pg_advisory_unlock", l.shared)+"($1, $2)", lockClass, lockServer)
			cancel()
			closeConn(conn)
			return
		case err == nil:
			continue // a notification: nobody listens here, but it is not an end
		}
		closeConn(conn)
		l.log.Warn("lost the connection that holds this server's lock on its database; taking the lock again",
			"db", redact(l.spec), "err", err)
		conn = l.retake(ctx)
	}
}

// retake takes the lock again, trying every lockRetry until it does or ctx
// ends (then it returns nil). It logs what keeps it from the lock once,
// not at every try.
func (l *pgLock) retake(ctx context.Context) *pgx.Conn {
	tick := time.NewTicker(lockRetry)
	defer tick.Stop()
	var last error // the failure logged last
	for {
		conn, err := takePGLock(ctx, l.spec, l.shared)
		switch {
		case err == nil: // even if ctx has just ended: hold releases it
			l.log.Info("took the database lock again", "db", redact(l.spec))
			return conn
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, errHeld):
			if !errors.Is(last, errHeld) {
				l.log.Error("another server is running on this database: it took the lock while this server's connection was down, and forgot this server's clients when it started; stop one of the two",
					"db", redact(l.spec))
			}
		case last == nil || errors.Is(last, errHeld):
			l.log.Warn("cannot reach the database to take its lock again; still trying", "db", redact(l.spec), "err", err)
		}
		last = err
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
