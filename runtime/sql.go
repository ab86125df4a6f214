package runtime

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// SQL is one table statement as the compiler wrote it for each database
// (package query): parameters are ?N on SQLite and $N on PostgreSQL.
type SQL struct {
	SQLite, Postgres string
}

func (x *Ctx) text(s SQL) string {
	if x.srv.db.postgres {
		return s.Postgres
	}
	return s.SQLite
}

// Select runs a select and reads each row with row.
func Select[R any](x *Ctx, row func(q *Rows) R, s SQL, args ...any) []R {
	var out []R
	q := x.read(x.text(s), args)
	for q.Next() {
		out = append(out, row(q))
	}
	return out
}

// Count runs a SELECT count(*): the length of a select.
func Count(x *Ctx, s SQL, args ...any) int64 {
	var n int64
	q := x.read(x.text(s), args)
	for q.Next() {
		q.Scan(&n)
	}
	return n
}

// Write runs an insert, update or delete.
func Write(x *Ctx, s SQL, args ...any) { x.Exec(x.text(s), args...) }

// Insert runs an insert that returns the new row's serial.
func Insert(x *Ctx, s SQL, args ...any) int64 {
	x.wrote = true
	x.srv.db.cache.clear()
	var id int64
	q := x.Query(x.text(s), args...)
	for q.Next() {
		q.Scan(&id)
	}
	return id
}

// Limit is the value of a select's limit, which may not be negative.
func Limit(n int64) int64 {
	if n < 0 {
		Fail("limit %d is negative", n)
	}
	return n
}

// failStmt ends the call after a statement failed: with a runtime error
// in the program's terms when the statement broke a key or unique or its
// arithmetic failed as the program's would, else as a database failure
// (which the runtime may retry). The database's own text goes to the
// server log only.
func (x *Ctx) failStmt(err error) {
	if msg := programError(err); msg != "" {
		x.srv.log.Info("a statement failed as the program's runtime error", "program", x.srv.prog.Name, "error", msg, "database", err.Error())
		panic(&Error{Msg: msg})
	}
	failDB(err)
}

var (
	sqliteUnique = regexp.MustCompile(`UNIQUE constraint failed: (.*?)(?: \(\d+\))?$`)
	sqliteFunc   = regexp.MustCompile(`prog: (.*?)(?: \(\d+\))?$`)
	pgKey        = regexp.MustCompile(`^Key \(([^)]*)\)=`)
)

// programError is the message of a runtime error that err, a failed
// statement, stands for, or "".
func programError(err error) string {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "23505": // unique_violation
			cols := pg.ConstraintName
			if m := pgKey.FindStringSubmatch(pg.Detail); m != nil {
				cols = m[1]
			}
			return uniqueMessage(pg.TableName, strings.Split(cols, ", "))
		case "22003": // numeric_value_out_of_range
			return "int overflow"
		case "22012": // division_by_zero
			return "division by zero"
		}
		return ""
	}
	s := err.Error()
	if m := sqliteUnique.FindStringSubmatch(s); m != nil {
		var table string
		var cols []string
		for _, tc := range strings.Split(m[1], ", ") {
			t, c, _ := strings.Cut(tc, ".")
			table, cols = t, append(cols, c)
		}
		return uniqueMessage(table, cols)
	}
	if m := sqliteFunc.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

func uniqueMessage(table string, cols []string) string {
	if len(cols) == 1 {
		return fmt.Sprintf("table %s already has a row with this %s: %s must be unique", table, cols[0], cols[0])
	}
	list := "(" + strings.Join(cols, ", ") + ")"
	return fmt.Sprintf("table %s already has a row with these %s: %s must be unique", table, list, list)
}

// The functions that SQLite runs for the program's arithmetic over
// columns (package query writes their calls): int arithmetic fails as
// the program's does, and float arithmetic reads and writes a NaN as the
// text sqliteNaN. A failure's text begins with "prog: ", which
// programError finds.
func init() {
	ints := map[string]func(a, b int64) int64{
		"prog_iadd": Add, "prog_isub": Sub, "prog_imul": Mul, "prog_idiv": Div, "prog_imod": Mod,
	}
	for name, f := range ints {
		sqlite.MustRegisterDeterministicScalarFunction(name, 2, func(_ *sqlite.FunctionContext, args []driver.Value) (v driver.Value, err error) {
			a, ok1 := args[0].(int64)
			b, ok2 := args[1].(int64)
			if !ok1 || !ok2 {
				return nil, fmt.Errorf("prog: %s of %T and %T", name, args[0], args[1])
			}
			defer recoverProg(&err)
			return f(a, b), nil
		})
	}
	sqlite.MustRegisterDeterministicScalarFunction("prog_ineg", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (v driver.Value, err error) {
		a, ok := args[0].(int64)
		if !ok {
			return nil, fmt.Errorf("prog: prog_ineg of %T", args[0])
		}
		defer recoverProg(&err)
		return Neg(a), nil
	})
	floats := map[string]func(a, b float64) float64{
		"prog_fadd": func(a, b float64) float64 { return a + b },
		"prog_fsub": func(a, b float64) float64 { return a - b },
		"prog_fmul": func(a, b float64) float64 { return a * b },
		"prog_fdiv": func(a, b float64) float64 { return a / b },
	}
	for name, f := range floats {
		sqlite.MustRegisterDeterministicScalarFunction(name, 2, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			a, err := sqliteFloat(args[0])
			if err != nil {
				return nil, err
			}
			b, err := sqliteFloat(args[1])
			if err != nil {
				return nil, err
			}
			return fromFloat(f(a, b)), nil
		})
	}
	sqlite.MustRegisterDeterministicScalarFunction("prog_fneg", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		a, err := sqliteFloat(args[0])
		if err != nil {
			return nil, err
		}
		return fromFloat(-a), nil
	})
}

// recoverProg turns a runtime error of the program into the function's
// error.
func recoverProg(err *error) {
	if r := recover(); r != nil {
		e, ok := r.(*Error)
		if !ok {
			panic(r)
		}
		*err = errors.New("prog: " + e.Msg)
	}
}

func sqliteFloat(v driver.Value) (float64, error) {
	switch v := v.(type) {
	case float64:
		return v, nil
	case int64:
		return float64(v), nil
	case string:
		if v == sqliteNaN {
			return math.NaN(), nil
		}
	}
	return 0, fmt.Errorf("prog: a float expression holds %T", v)
}

func fromFloat(f float64) driver.Value {
	if math.IsNaN(f) {
		return sqliteNaN
	}
	return f
}
