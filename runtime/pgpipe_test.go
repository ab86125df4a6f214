package runtime

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// countingConn counts the writes to PostgreSQL of a connection: with
// nothing in flight, each is a round trip.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(b []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(b)
}

// openPipeline opens a pool of one pipelined connection to a new
// database, and counts its writes.
func openPipeline(t *testing.T, writes *atomic.Int64) *sql.DB {
	t.Helper()
	cfg, err := pgx.ParseConfig(pgtestDB(t))
	if err != nil {
		t.Fatal(err)
	}
	dial := cfg.DialFunc
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{c, writes}, nil
	}
	db := sql.OpenDB(pipeline{stdlib.GetConnector(*cfg)})
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE t (n BIGINT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	return db
}

// count is the rows of t.
func count(t *testing.T, db *sql.DB) (n int) {
	t.Helper()
	if err := db.QueryRow(`SELECT count(*) FROM t`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPipelineRoundTrips: a transaction whose BEGIN and last write are
// held is one round trip (the statements once prepared); a query sends
// what is held first.
func TestPipelineRoundTrips(t *testing.T) {
	var writes atomic.Int64
	db := openPipeline(t, &writes)
	ctx := held(context.Background())
	insert := func(n int) (trips int64) {
		before := writes.Load()
		tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
		if err != nil {
			t.Fatal(err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO t VALUES ($1)`, n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := res.RowsAffected(); !errors.Is(err, errHeldResult) {
			t.Errorf("RowsAffected of a held insert: %v, want errHeldResult", err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		return writes.Load() - before
	}
	insert(1) // prepares the statements
	if trips := insert(2); trips != 1 {
		t.Errorf("BEGIN, insert, COMMIT: %d round trips, want 1", trips)
	}
	if n := count(t, db); n != 2 {
		t.Fatalf("%d rows, want 2", n)
	}

	// A query goes after what is held, which it sees.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO t VALUES (3)`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil || n != 3 {
		t.Errorf("the query in the transaction counted %d (%v), want 3", n, err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db); n != 2 {
		t.Errorf("%d rows after the rollback, want 2", n)
	}

	// A transaction that held everything and rolls back sends nothing.
	before := writes.Load()
	tx, err = db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	tx.ExecContext(ctx, `INSERT INTO t VALUES (4)`)
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if trips := writes.Load() - before; trips != 0 {
		t.Errorf("a held transaction rolled back: %d round trips, want 0", trips)
	}
}

// TestPipelineHeldFails: a held statement that fails makes Commit fail
// with PostgreSQL's error; nothing of the transaction is kept, and the
// connection (the pool's only one) serves the next transaction.
func TestPipelineHeldFails(t *testing.T) {
	var writes atomic.Int64
	db := openPipeline(t, &writes)
	ctx := held(context.Background())
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 1} { // the second collides
		if _, err := tx.ExecContext(ctx, `INSERT INTO t VALUES ($1)`, n); err != nil {
			t.Fatal(err)
		}
	}
	var pg *pgconn.PgError
	if err := tx.Commit(); !errors.As(err, &pg) || pg.Code != "23505" {
		t.Fatalf("commit: %v, want a unique violation", err)
	}
	if n := count(t, db); n != 0 {
		t.Errorf("%d rows after the failed commit, want 0", n)
	}
	// Sent at once (not held), the failure comes from the statement.
	tx, err = db.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`INSERT INTO t VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`INSERT INTO t VALUES (1)`); !errors.As(err, &pg) || pg.Code != "23505" {
		t.Fatalf("second insert: %v, want a unique violation", err)
	}
	tx.Rollback()
	tx, err = db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO t VALUES (5)`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("a transaction after the failed ones: %v", err)
	}
	if n := count(t, db); n != 1 {
		t.Errorf("%d rows, want 1", n)
	}
}
