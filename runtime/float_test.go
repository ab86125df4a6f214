package runtime

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"testing"
)

type floatRow struct {
	F float64
	O Option[float64]
}

func scanFloats(x *Ctx) ([]int64, []floatRow) {
	return ScanTable(x, "floats", `SELECT "_id", "f", "o" FROM "floats" ORDER BY "_id"`, func(q *Rows) (id int64, r floatRow) {
		q.Scan(&id, &r.F, &r.O)
		return id, r
	})
}

// sameFloat reports whether a and b are the same float: NaN is NaN.
func sameFloat(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

func showFloats(rows []floatRow) string {
	s := ""
	for _, r := range rows {
		o := "none"
		if r.O.Some {
			o = "some(" + FormatFloat(r.O.V) + ")"
		}
		s += fmt.Sprintf(" (%s, %s)", FormatFloat(r.F), o)
	}
	return s
}

// TestNonFiniteFloats: NaN and ±Infinity round-trip through both
// databases, in a plain column and in an option column, through inserts,
// updates and reads (on SQLite, the first read of a table from the
// database and the next from the table cache). SQLite turns a NaN it is
// given into NULL: some(NaN) read back as none, and a plain column
// refused it.
func TestNonFiniteFloats(t *testing.T) {
	bothDBs(t, func(t *testing.T, db string) {
		p := &Program{Name: "floats", Tables: []*Table{{Name: "floats", Columns: []Column{
			{Name: "f", Kind: KindFloat}, {Name: "o", Kind: KindFloat, Null: true},
		}}}}
		cfg := Config{DB: db, Log: slog.New(slog.DiscardHandler)}
		if db == "sqlite" {
			cfg.DB = t.TempDir() + "/floats.db"
		}
		srv, err := NewServer(context.Background(), p, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		run := func(what string, body func(x *Ctx)) {
			t.Helper()
			if _, err := srv.run(context.Background(), nil, func(x *Ctx) any { body(x); return nil }); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		check := func(after string, want []floatRow) {
			t.Helper()
			for _, read := range []string{"a read", "the next read"} {
				var got []floatRow
				run(read, func(x *Ctx) { got = All(x, scanFloats) })
				ok := len(got) == len(want)
				for i := 0; ok && i < len(got); i++ {
					ok = sameFloat(got[i].F, want[i].F) && got[i].O.Some == want[i].O.Some && sameFloat(got[i].O.V, want[i].O.V)
				}
				if !ok {
					t.Errorf("after %s, %s gives%s, want%s", after, read, showFloats(got), showFloats(want))
				}
			}
			if c := srv.db.cache; c != nil {
				c.mu.Lock()
				_, cached := c.tables["floats"]
				c.mu.Unlock()
				if !cached {
					t.Errorf("after %s, the table cache does not hold the table read", after)
				}
			}
		}

		nan, inf := math.NaN(), math.Inf(1)
		values := []float64{nan, inf, -inf, 1.5}
		var options, plain []floatRow
		for _, v := range values {
			options = append(options, floatRow{0.5, Some(v)})
			plain = append(plain, floatRow{v, Option[float64]{}})
		}
		options = append(options, floatRow{0.5, Option[float64]{}})
		insert := func(rows []floatRow) func(x *Ctx) {
			return func(x *Ctx) {
				for _, r := range rows {
					x.Exec(`INSERT INTO "floats" ("f", "o") VALUES (?, ?)`, r.F, r.O)
				}
			}
		}
		run("the inserts of options", insert(options))
		check("the inserts of options", options)
		run("the inserts of plain floats", insert(plain))
		want := append(options, plain...)
		check("the inserts of plain floats", want)

		// Each row takes the next row's values, as generated code updates.
		run("the updates", func(x *Ctx) {
			i := 0
			Update(x, `UPDATE "floats" SET "f" = ?, "o" = ? WHERE "_id" = ?`, scanFloats, nil, func(floatRow) []any {
				next := want[(i+1)%len(want)]
				i++
				return []any{next.F, next.O}
			})
		})
		want = append(want[1:], want[0])
		check("the updates", want)

		if !srv.db.postgres {
			// The encoding RUNTIME.md documents, that SQL on the table
			// (a pushed-down where, one day) must respect.
			var f, o int
			srv.db.QueryRow(`SELECT count(*) FROM "floats" WHERE "f" = 'NaN' AND typeof("f") = 'text'`).Scan(&f)
			srv.db.QueryRow(`SELECT count(*) FROM "floats" WHERE "o" = 'NaN' AND typeof("o") = 'text'`).Scan(&o)
			if f != 1 || o != 1 {
				t.Errorf("%d rows hold NaN in f and %d in o as the text 'NaN', want 1 and 1", f, o)
			}
		}
	})
}

// Statement arguments reach the database as database/sql converts them,
// on SQLite too, where each passes through the NaN encoding first:
// generated code passes an untyped constant (insert counter { n: 0 }) as a
// Go int.
func TestStatementArgumentsConvertAsDatabaseSQLDoes(t *testing.T) {
	bothDBs(t, func(t *testing.T, db string) {
		f := newFixture(t, Config{DB: db})
		_, err := f.srv.run(context.Background(), nil, func(x *Ctx) any {
			x.Exec(`INSERT INTO "counter" ("n") VALUES (?)`, 7)
			x.Exec(`INSERT INTO "counter" ("n") VALUES (?)`, int32(8))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var sum int
		if err := f.srv.db.QueryRow(`SELECT sum("n") FROM "counter"`).Scan(&sum); err != nil || sum != 15 {
			t.Errorf("sum = %d (%v), want 15", sum, err)
		}
	})
}
