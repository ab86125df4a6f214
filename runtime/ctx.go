package runtime

import (
	"context"
	"database/sql"
	"encoding/json"
	"reflect"
	"slices"
)

// Ctx is one remote call or task while it runs: the client it runs for,
// its database transaction (begun at the first table statement), and the
// messages it sends, delivered only when the transaction commits.
type Ctx struct {
	srv   *Server
	self  *session // nil in a task
	ctx   context.Context
	tx    *sql.Tx
	sends []pendingSend
	chans []int64

	wrote     bool  // a statement has written: the table cache is not used
	version   int64 // SQLite's data_version, once read (versioned)
	versioned bool

	// A *sent[T]: the last value sent and its wire form. A fan-out sends
	// one value to many channels, and it is encoded once.
	lastSent any

	// bare: the call's first statement, if a select, runs outside a
	// transaction (see Server.runCall); bareRan: one did, and a second
	// statement makes the call run again in a transaction; bareRows are
	// its rows, closed if the call ends before reading them all.
	bare, bareRan bool
	bareRows      *sql.Rows
}

// needTx ends a run of a call in which a statement came after one that
// ran outside a transaction: the call runs again, in a transaction.
type needTx struct{}

func (needTx) Error() string { return "the call runs more than one statement" }

type pendingSend struct {
	ch int64
	v  json.RawMessage
}

// Self returns the client the code runs for. A task has none.
func (x *Ctx) Self() Client {
	if x.self == nil {
		Fail("self() in a task: no client is calling")
	}
	return x.self.client
}

// NewChan returns a new channel owned by the calling client.
func NewChan[T any](x *Ctx) Chan[T] {
	if x.self == nil {
		Fail("channel() in a task: no client is calling to own it")
	}
	id := x.srv.nextChan.Add(1)
	x.chans = append(x.chans, id)
	return Chan[T]{ID: id}
}

// owner returns the client that owns channel ch as the call sees it: the
// caller for a channel the call made (registered only when it commits),
// else what the server knows.
func (x *Ctx) owner(ch int64) Client {
	if x.self != nil && slices.Contains(x.chans, ch) {
		return x.self.client
	}
	return x.srv.owner(ch)
}

// Send queues v for c's owner; it is delivered when the transaction
// commits. A send to a channel whose owner is collected does nothing. A
// value that alone is larger than a page's queue bound fails the send,
// and so its call: no page could ever take it, and ending the pages it
// was sent to would let one caller end every other page.
func Send[T any](x *Ctx, c Chan[T], v T) {
	w := wire(x, v)
	if limit := x.srv.cfg.QueueBytes; len(w) > limit {
		Fail("send: the message is %d bytes on the wire, more than a page may hold (%d bytes, --queue-bytes)", len(w), limit)
	}
	x.sends = append(x.sends, pendingSend{ch: c.ID, v: w})
}

type sent[T any] struct {
	v    T
	wire json.RawMessage
}

// wire returns v in wire form, reusing the last one when v is the value
// sent last. Values of Prog types hold no interfaces, so a comparable
// type compares without panicking (lists make a type incomparable); the
// comparison boxes nothing on the heap, where storing v as an any did,
// once a send.
func wire[T any](x *Ctx, v T) json.RawMessage {
	comparable := reflect.TypeFor[T]().Comparable()
	if last, ok := x.lastSent.(*sent[T]); ok && comparable && any(last.v) == any(v) {
		return last.wire
	}
	last := &sent[T]{v: v} // v itself stays off the heap when it was sent last
	e := encoder{owner: x.owner}
	e.encode(reflect.ValueOf(&last.v).Elem())
	last.wire = e.buf.Bytes()
	if comparable {
		x.lastSent = last
	}
	return last.wire
}

// Log writes a line to the server log.
func (x *Ctx) Log(s string) {
	x.srv.log.Info(s, "program", x.srv.prog.Name)
}

// dbError is a database failure inside a call or task. The runtime
// retries the whole call when it is a serialization failure.
type dbError struct {
	err    error
	commit bool // the commit failed: the transaction may have committed
}

func (e *dbError) Error() string { return "database: " + e.err.Error() }

func (e *dbError) Unwrap() error { return e.err }

func failDB(err error) { panic(&dbError{err: err}) }

func (x *Ctx) begin() *sql.Tx {
	if x.tx == nil {
		if x.bareRan {
			panic(needTx{})
		}
		tx, err := x.srv.db.begin(x.ctx)
		if err != nil {
			failDB(err)
		}
		x.tx = tx
	}
	return x.tx
}

// Query runs a query in the transaction. Generated code scans the rows.
func (x *Ctx) Query(query string, args ...any) *Rows {
	rows, err := x.srv.db.query(x.ctx, x.begin(), query, x.args(args))
	if err != nil {
		x.failStmt(err)
	}
	return &Rows{rows: rows, x: x}
}

// read runs a select. A call's first statement runs outside a
// transaction when the call may run bare: a single statement is atomic
// and isolated by itself (on PostgreSQL, SERIALIZABLE by the connection's
// default), and BEGIN and COMMIT were most of a lookup's cost there.
func (x *Ctx) read(query string, args []any) *Rows {
	if x.tx != nil || !x.bare || x.bareRan {
		return x.Query(query, args...)
	}
	x.bareRan = true
	rows, err := x.srv.db.query(x.ctx, nil, query, x.args(args))
	if err != nil {
		x.failStmt(err)
	}
	x.bareRows = rows
	return &Rows{rows: rows, x: x}
}

// Exec runs a statement in the transaction.
func (x *Ctx) Exec(query string, args ...any) {
	x.wrote = true
	x.srv.db.cache.clear()
	if _, err := x.begin().ExecContext(x.ctx, x.srv.db.q(query), x.args(args)...); err != nil {
		x.failStmt(err)
	}
}

// dataVersion returns SQLite's data_version in the transaction: it
// changes when another process commits to the database file.
func (x *Ctx) dataVersion() int64 {
	if !x.versioned {
		if err := x.begin().QueryRowContext(x.ctx, "PRAGMA data_version").Scan(&x.version); err != nil {
			failDB(err)
		}
		x.versioned = true
	}
	return x.version
}

// Rows reads the result of Query; a database error is a runtime error.
type Rows struct {
	rows       *sql.Rows
	x          *Ctx
	srcs, ptrs []any // Scan's buffers, kept from row to row
}

// Next advances to the next row; at the end it closes the rows.
func (r *Rows) Next() bool {
	if r.rows.Next() {
		return true
	}
	err := r.rows.Err()
	r.rows.Close()
	if err != nil {
		r.x.failStmt(err)
	}
	return false
}

// Scan reads the current row into dsts, pointers to column values.
func (r *Rows) Scan(dsts ...any) {
	if len(r.srcs) != len(dsts) {
		r.srcs = make([]any, len(dsts))
		r.ptrs = make([]any, len(dsts))
		for i := range r.srcs {
			r.ptrs[i] = &r.srcs[i]
		}
	}
	srcs := r.srcs
	if err := r.rows.Scan(r.ptrs...); err != nil {
		r.rows.Close()
		failDB(err)
	}
	for i, d := range dsts {
		if err := scanInto(d, srcs[i]); err != nil {
			r.rows.Close()
			failDB(err)
		}
	}
}
