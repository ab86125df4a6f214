package runtime

import (
	"context"
	"strings"
	"testing"
	"time"
)

// countSQL counts the rows of table counter at least n.
var countSQL = SQL{
	SQLite:   `SELECT count(*) FROM "counter" WHERE "n" >= ?1`,
	Postgres: `SELECT count(*) FROM "counter" WHERE "n" >= $1::bigint`,
}

// A remote call whose only statement is a select runs it outside a
// transaction; one with a second statement runs again in a transaction,
// once, and every later call of that function runs in one from the start.
func TestSingleSelectRunsBare(t *testing.T) {
	bothDBs(t, func(t *testing.T, db string) {
		f := newFixture(t, Config{DB: db})
		if _, err := f.srv.db.Exec(`INSERT INTO "counter" ("n") VALUES (1), (2), (3)`); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()

		bare := false
		v, err := f.srv.runCall(ctx, nil, "one", func(x *Ctx) any {
			n := Count(x, countSQL, int64(2))
			bare = x.tx == nil && x.bareRan
			return n
		})
		if err != nil || string(v) != "2" || !bare {
			t.Errorf("one select: %s, %v, bare %v; want 2 outside a transaction", v, err, bare)
		}
		if _, multi := f.srv.txFuncs.Load("one"); multi {
			t.Errorf("a call of one select is marked as needing a transaction")
		}

		// A select, then a write: the first run stops at the write, before
		// it runs; the second runs both in a transaction.
		runs := 0
		two := func(x *Ctx) any {
			runs++
			n := Count(x, countSQL, int64(0))
			x.Exec(`INSERT INTO "counter" ("n") VALUES (?)`, n+10)
			if x.tx == nil {
				Fail("the write ran outside a transaction")
			}
			return n
		}
		v, err = f.srv.runCall(ctx, nil, "two", two)
		if err != nil || string(v) != "3" || runs != 2 {
			t.Errorf("select then insert: %s, %v after %d runs; want 3 after 2 runs", v, err, runs)
		}
		if _, multi := f.srv.txFuncs.Load("two"); !multi {
			t.Errorf("two is not marked as needing a transaction")
		}
		runs = 0
		v, err = f.srv.runCall(ctx, nil, "two", two)
		if err != nil || string(v) != "4" || runs != 1 {
			t.Errorf("select then insert again: %s, %v after %d runs; want 4 after 1 run", v, err, runs)
		}
		var rows int64
		if err := f.srv.db.QueryRow(`SELECT count(*) FROM "counter"`).Scan(&rows); err != nil || rows != 5 {
			t.Errorf("counter has %d rows (%v), want 5: each insert ran once", rows, err)
		}

		// Two selects: the second runs in a transaction with the first.
		runs = 0
		v, err = f.srv.runCall(ctx, nil, "reads", func(x *Ctx) any {
			runs++
			a := Count(x, countSQL, int64(0))
			b := Count(x, countSQL, int64(3))
			if x.tx == nil {
				Fail("two selects ran outside a transaction")
			}
			return a + b
		})
		if err != nil || string(v) != "8" || runs != 2 {
			t.Errorf("two selects: %s, %v after %d runs; want 8 after 2 runs", v, err, runs)
		}

		// A call that stops with its bare read's rows open leaves the
		// connection free (SQLite has only one).
		_, err = f.srv.runCall(ctx, nil, "stops", func(x *Ctx) any {
			x.read(`SELECT "n" FROM "counter"`, nil)
			Fail("stop with the rows open")
			return nil
		})
		if err == nil || !strings.Contains(err.Error(), "stop with the rows open") {
			t.Errorf("stopping call: %v", err)
		}
		v, err = f.srv.runCall(ctx, nil, "one", func(x *Ctx) any { return Count(x, countSQL, int64(0)) })
		if err != nil || string(v) != "5" {
			t.Errorf("a call after one that left rows open: %s, %v; want 5", v, err)
		}

		// Tasks and on leave handlers always run in a transaction.
		_, err = f.srv.run(ctx, nil, func(x *Ctx) any {
			Count(x, countSQL, int64(0))
			if x.tx == nil {
				Fail("a task's select ran outside a transaction")
			}
			return nil
		})
		if err != nil {
			t.Error(err)
		}
	})
}

// On PostgreSQL a statement outside BEGIN is SERIALIZABLE too, as every
// call's transaction is.
func TestBareSelectSerializable(t *testing.T) {
	f := newFixture(t, Config{DB: pgtestDB(t)})
	v, err := f.srv.runCall(context.Background(), nil, "level", func(x *Ctx) any {
		var level string
		q := x.read(`SELECT current_setting('transaction_isolation')`, nil)
		for q.Next() {
			q.Scan(&level)
		}
		if x.tx != nil {
			Fail("the select ran in a transaction")
		}
		return level
	})
	if err != nil || string(v) != `"serializable"` {
		t.Errorf("isolation of a bare select: %s, %v; want serializable", v, err)
	}
}

// SQLite connections keep their statements prepared, and a statement
// whose rows are still being read is not used again meanwhile.
func TestStatementCache(t *testing.T) {
	f := newFixture(t, Config{})
	if _, err := f.srv.db.Exec(`INSERT INTO "counter" ("n") VALUES (1), (2), (3)`); err != nil {
		t.Fatal(err)
	}
	const query = `SELECT "n" FROM "counter" ORDER BY "n"`
	v, err := f.srv.run(context.Background(), nil, func(x *Ctx) any {
		var got []int64
		outer := x.Query(query)
		for outer.Next() {
			var n int64
			outer.Scan(&n)
			inner := x.Query(query) // the same text, while outer is open
			var m int64
			for inner.Next() {
				var k int64
				inner.Scan(&k)
				m += k
			}
			got = append(got, n, m)
			if len(got) > 6 {
				Fail("read more rows than the table has: %v", got)
			}
		}
		return got
	})
	if err != nil || string(v) != "[1,6,2,6,3,6]" {
		t.Errorf("nested reads of one statement: %s, %v; want [1,6,2,6,3,6]", v, err)
	}
	conn, err := f.srv.db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*cachingConn)
		switch {
		case !ok:
			t.Errorf("the SQLite connection is a %T, not a *cachingConn", dc)
		case c.stmts[query] == nil:
			t.Errorf("the statement run is not kept prepared")
		case c.stmts[query].busy:
			t.Errorf("the statement is still busy after its rows closed")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
