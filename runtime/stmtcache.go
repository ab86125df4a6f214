package runtime

import (
	"context"
	"database/sql/driver"
)

// stmtCache opens SQLite connections that keep each statement they run
// prepared, by its text, for the next time: the program's statements are
// a fixed set, and preparing one again for every call (SQLite parsing
// and planning it) was a fifth of an indexed lookup's time. PostgreSQL
// needs none: pgx keeps each connection's statements prepared itself.
type stmtCache struct{ driver.Connector }

// maxStmts bounds the statements one connection keeps; the program's
// are a few dozen.
const maxStmts = 256

// sqliteConn is what database/sql uses of a modernc.org/sqlite connection.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.QueryerContext
	driver.ExecerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

func (c stmtCache) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(sqliteConn)
	if !ok {
		return conn, nil // another driver version: no cache
	}
	return &cachingConn{sqliteConn: sc, stmts: map[string]*cachedStmt{}}, nil
}

// cachingConn is a connection with its prepared statements. database/sql
// uses a connection from one goroutine at a time, so stmts needs no lock.
type cachingConn struct {
	sqliteConn
	stmts map[string]*cachedStmt
}

// cachedStmt is a prepared statement; busy while rows read from it are
// open (a statement steps through one result at a time).
type cachedStmt struct {
	stmt interface {
		driver.Stmt
		driver.StmtQueryContext
		driver.StmtExecContext
	}
	busy bool
}

// stmt returns query's statement, prepared now if it is not yet, or nil
// when it cannot be used: it is busy, the cache is full, or it does not
// prepare (the query then runs as text, which reports the error).
func (c *cachingConn) stmt(ctx context.Context, query string) *cachedStmt {
	if s, ok := c.stmts[query]; ok {
		if s.busy {
			return nil
		}
		return s
	}
	if len(c.stmts) >= maxStmts {
		// Full: statements of varying text (the collector's IN lists)
		// must not keep the program's out. It starts again.
		for q, s := range c.stmts {
			if !s.busy {
				s.stmt.Close()
				delete(c.stmts, q)
			}
		}
	}
	st, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	s := &cachedStmt{}
	var ok bool
	if s.stmt, ok = st.(interface {
		driver.Stmt
		driver.StmtQueryContext
		driver.StmtExecContext
	}); !ok {
		st.Close()
		return nil
	}
	c.stmts[query] = s
	return s
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s := c.stmt(ctx, query)
	if s == nil {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	rows, err := s.stmt.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	s.busy = true
	return &stmtRows{Rows: rows, s: s}, nil
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s := c.stmt(ctx, query)
	if s == nil {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	return s.stmt.ExecContext(ctx, args)
}

// Close closes the statements, then the connection.
func (c *cachingConn) Close() error {
	for _, s := range c.stmts {
		s.stmt.Close()
	}
	c.stmts = nil
	return c.sqliteConn.Close()
}

// stmtRows frees its statement for the next query when it closes.
type stmtRows struct {
	driver.Rows
	s      *cachedStmt
	closed bool
}

func (r *stmtRows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	err := r.Rows.Close()
	r.s.busy = false
	return err
}
