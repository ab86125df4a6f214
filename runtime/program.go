// Package runtime is what every generated Prog server links: the HTTP
// server of the wire protocol (DESIGN.md), sessions and their message
// queues, remote-call dispatch, tasks, client collection and the database.
//
// Generated code describes its program with a Program and calls Main. The
// interface between the two is this file, values.go (the Go form of Prog
// values) and ctx.go (what server code may do while it runs).
package runtime

import (
	"encoding/json"
	"time"
)

// Program is what the compiler generates for one .prog file.
type Program struct {
	Name   string // the file name without .prog: the page is served at /Name
	Page   string // the page body, trusted HTML
	Bundle []byte // the client bundle, minified JavaScript
	Map    []byte // its source map
	Tables []*Table
	// Remote holds the functions the client may call, by their source name.
	Remote map[string]Remote
	Every  []Every
	Leave  []Leave
}

// Remote decodes the arguments of a remote call and returns the call to
// run, or an error that names the argument that does not fit. The call
// returns the result, which goes back to the client on the wire.
type Remote func(args []json.RawMessage) (run func(x *Ctx) any, err error)

// Every is a task that runs on the server every Period.
type Every struct {
	Pos    string // where the program declares it, file:line:col, for the log
	Period time.Duration
	Run    func(x *Ctx)
}

// Leave is an `on leave` handler: it runs when a client is collected,
// before the client's rows go, in a transaction of its own.
type Leave struct {
	Pos string
	Run func(x *Ctx, c Client)
}

// Table is a table's schema: what the runtime needs to create it and to
// delete or null the rows of a collected client.
type Table struct {
	Name    string
	Columns []Column
	// Serial is the column the database numbers, or "": a table without
	// one has a hidden "_id" that numbers its rows in insertion order.
	Serial  string
	Indexes []TableIndex
}

// TableIndex is a key, unique or index clause of a table, or an index the
// compiler adds on a client or channel column.
type TableIndex struct {
	Kind    string // "key", "unique" or "index"
	Columns []string
}

// Column is one column of a table.
type Column struct {
	Name string
	Kind Kind
	// Null is set for option columns: when the client or channel they
	// hold is collected, they become none; a plain column's row is deleted.
	Null bool
}

// Kind is the type a column holds.
type Kind int

const (
	KindInt Kind = iota
	KindFloat
	KindBool
	KindString
	KindClient
	KindChannel
)
