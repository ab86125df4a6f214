package runtime

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// pipeline opens PostgreSQL connections whose statements can be held
// back, to go out with the connection's next statement, or with COMMIT,
// in one round trip (pgx sends a batch as one pipeline). On a loaded
// server a call's round trips, each a wait for two processes to be
// scheduled, are most of the time it holds a connection: a call in
// cluster mode sends its BEGIN with the lock on its session, and its last
// write with its COMMIT.
type pipeline struct{ driver.Connector }

// holdKey marks a context whose statements wait (held).
type holdKey struct{}

// held returns ctx marked so that BEGIN, or a statement that returns no
// rows, run with it on PostgreSQL waits for the connection's next
// statement or COMMIT. What it does is not known until then: its error is
// the error of that statement or of Commit, and its RowsAffected is an
// error. A query with it runs at once. Elsewhere the mark does nothing.
func held(ctx context.Context) context.Context { return context.WithValue(ctx, holdKey{}, true) }

func isHeld(ctx context.Context) bool { return ctx.Value(holdKey{}) != nil }

func (p pipeline) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := p.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(*stdlib.Conn)
	if !ok {
		return conn, nil // another pgx version: nothing is held
	}
	return &pipeConn{Conn: sc}, nil
}

// pipeConn is a connection with the statements it holds. database/sql
// uses a connection from one goroutine at a time, so held needs no lock.
type pipeConn struct {
	*stdlib.Conn
	held pgx.Batch
}

// errHeldResult is what RowsAffected of a held statement returns.
var errHeldResult = errors.New("the statement is held: what it did is not known yet")

type heldResult struct{}

func (heldResult) LastInsertId() (int64, error) { return 0, errHeldResult }
func (heldResult) RowsAffected() (int64, error) { return 0, errHeldResult }

func (c *pipeConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// BeginTx holds BEGIN when ctx says so, else sends it at once.
func (c *pipeConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if c.Conn.Conn().IsClosed() {
		return nil, driver.ErrBadConn
	}
	begin, err := beginSQL(opts)
	if err != nil {
		return nil, err
	}
	c.held = pgx.Batch{}
	c.held.Queue(begin)
	if !isHeld(ctx) {
		if _, err := c.send(ctx); err != nil {
			if pgconn.SafeToRetry(err) {
				return nil, driver.ErrBadConn // database/sql tries another connection
			}
			return nil, err
		}
	}
	return pipeTx{c: c, ctx: ctx}, nil
}

// beginSQL is the BEGIN statement for opts.
func beginSQL(opts driver.TxOptions) (string, error) {
	begin := "begin"
	switch sql.IsolationLevel(opts.Isolation) {
	case sql.LevelDefault:
	case sql.LevelReadCommitted:
		begin += " isolation level read committed"
	case sql.LevelRepeatableRead, sql.LevelSnapshot:
		begin += " isolation level repeatable read"
	case sql.LevelSerializable:
		begin += " isolation level serializable"
	default:
		return "", fmt.Errorf("unsupported isolation: %v", sql.IsolationLevel(opts.Isolation))
	}
	if opts.ReadOnly {
		begin += " read only"
	}
	return begin, nil
}

// ExecContext holds the statement when ctx says so; otherwise it sends
// it with whatever is held.
func (c *pipeConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if c.held.Len() == 0 && !isHeld(ctx) {
		return c.Conn.ExecContext(ctx, query, args)
	}
	c.held.Queue(query, values(args)...)
	if isHeld(ctx) {
		return heldResult{}, nil
	}
	tag, err := c.send(ctx)
	if err != nil {
		return nil, err
	}
	return driver.RowsAffected(tag.RowsAffected()), nil
}

// QueryContext sends what is held, then the query.
func (c *pipeConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if c.held.Len() > 0 {
		if _, err := c.send(ctx); err != nil {
			return nil, err
		}
	}
	return c.Conn.QueryContext(ctx, query, args)
}

// ResetSession drops anything held (a transaction always ends with
// Commit or Rollback, which send or drop it).
func (c *pipeConn) ResetSession(ctx context.Context) error {
	c.held = pgx.Batch{}
	return c.Conn.ResetSession(ctx)
}

// send sends the held statements in one round trip and returns the
// command tag of the last; the error is the first statement's error
// (after it PostgreSQL skips the rest). A transaction it leaves failed
// stays open, for Rollback.
func (c *pipeConn) send(ctx context.Context) (tag pgconn.CommandTag, err error) {
	b := c.held
	c.held = pgx.Batch{}
	results := c.Conn.Conn().SendBatch(ctx, &b)
	for range b.Len() {
		t, e := results.Exec()
		if err == nil {
			err, tag = e, t
		}
	}
	if e := results.Close(); err == nil {
		err = e
	}
	return tag, err
}

// pipeTx is a transaction whose COMMIT goes with the statements held.
type pipeTx struct {
	c   *pipeConn
	ctx context.Context
}

func (t pipeTx) Commit() error {
	c := t.c
	c.held.Queue("commit")
	tag, err := c.send(t.ctx)
	if err == nil && tag.String() == "ROLLBACK" {
		err = pgx.ErrTxCommitRollback
	}
	if err != nil && c.Conn.Conn().PgConn().TxStatus() != 'I' {
		// A held statement failed: PostgreSQL skipped the COMMIT.
		c.rollback()
	}
	return err
}

func (t pipeTx) Rollback() error {
	c := t.c
	c.held = pgx.Batch{}
	if c.Conn.Conn().PgConn().TxStatus() == 'I' {
		return nil // BEGIN was held: nothing began
	}
	return c.rollback()
}

// rollback ends the open transaction; a connection it fails on is closed
// (database/sql then drops it).
func (c *pipeConn) rollback() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := c.Conn.Conn().Exec(ctx, "rollback")
	if err != nil {
		c.Conn.Close()
	}
	return err
}

// values is the arguments database/sql passes, as pgx takes them.
func values(args []driver.NamedValue) []any {
	vs := make([]any, len(args))
	for i, a := range args {
		vs[i] = a.Value
	}
	return vs
}
