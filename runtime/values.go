package runtime

import (
	"database/sql/driver"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Error is a Prog runtime error: an int overflow, an index out of range,
// a recv on another client's channel. Generated code panics with one; the
// runtime recovers it at the edge of a remote call or task, rolls back the
// transaction and reports the message.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// Fail panics with a runtime error.
func Fail(format string, args ...any) {
	panic(&Error{Msg: fmt.Sprintf(format, args...)})
}

// Unit is the value of type unit.
type Unit struct{}

// Client is one page view, by its number. Numbers are small and public;
// the session id and key that authenticate a client are never values.
type Client int64

// Value implements driver.Valuer: a client is stored as its number.
func (c Client) Value() (driver.Value, error) { return int64(c), nil }

// Scan implements sql.Scanner.
func (c *Client) Scan(src any) error {
	n, ok := src.(int64)
	if !ok {
		return fmt.Errorf("client column holds %T, not an integer", src)
	}
	*c = Client(n)
	return nil
}

// Chan is a channel<T>: a mailbox owned by one client, by its id. The
// owner is kept by the runtime, not in the value, so a stored channel is
// one integer column.
type Chan[T any] struct{ ID int64 }

// Value implements driver.Valuer.
func (c Chan[T]) Value() (driver.Value, error) { return c.ID, nil }

// Scan implements sql.Scanner.
func (c *Chan[T]) Scan(src any) error {
	n, ok := src.(int64)
	if !ok {
		return fmt.Errorf("channel column holds %T, not an integer", src)
	}
	c.ID = n
	return nil
}

func (c Chan[T]) chanID() int64 { return c.ID }

// Option is an option<T>: Some reports whether V is there.
type Option[T any] struct {
	V    T
	Some bool
}

// Some returns some(v).
func Some[T any](v T) Option[T] { return Option[T]{V: v, Some: true} }

// Value implements driver.Valuer: none is NULL.
func (o Option[T]) Value() (driver.Value, error) {
	if !o.Some {
		return nil, nil
	}
	return toDriver(o.V)
}

// Scan implements sql.Scanner: NULL is none.
func (o *Option[T]) Scan(src any) error {
	if src == nil {
		*o = Option[T]{}
		return nil
	}
	o.Some = true
	return scanInto(&o.V, src)
}

func (o Option[T]) optional() (any, bool) { return o.V, o.Some }

// toDriver converts a column value to what database/sql stores.
func toDriver(v any) (driver.Value, error) {
	switch v := v.(type) {
	case driver.Valuer:
		return v.Value()
	case int64, float64, bool, string:
		return v, nil
	}
	return nil, fmt.Errorf("cannot store %T in a column", v)
}

// sqliteNaN is how a NaN is stored on SQLite: as the text 'NaN'. SQLite
// turns a NaN it is given into NULL, so some(NaN) would read back as none
// and a plain float column would refuse it (NOT NULL). A REAL column keeps
// text that does not read as a number as text (type affinity), so 'NaN'
// stays text, unlike every number written. ±Infinity need nothing:
// SQLite's REAL holds them. Nor does PostgreSQL: DOUBLE PRECISION holds
// NaN and ±Infinity, and pgx carries them both ways.
//
// SQL that reads float columns must respect this; so must the later work
// that pushes `where` down into SQL: on SQLite a NaN column is the text
// 'NaN', which sorts after every number and equals itself, where a NaN
// compares false with everything.
const sqliteNaN = "NaN"

// isNaN reports whether v, a statement's argument, is a NaN, plain or in
// an option.
func isNaN(v any) bool {
	if o, ok := v.(optional); ok {
		v, _ = o.optional()
	}
	f, ok := v.(float64)
	return ok && math.IsNaN(f)
}

// args returns a statement's arguments as the call's database stores
// them: on SQLite a NaN, plain or in an option, as sqliteNaN, and
// anything else as it is, for database/sql to convert as it always does
// (generated code passes an untyped constant such as 0 as a Go int).
// Every value a call gives the database passes here; most statements
// have no NaN, and their arguments are not copied.
func (x *Ctx) args(args []any) []any {
	if x.srv.db.postgres {
		return args
	}
	var out []any
	for i, a := range args {
		if !isNaN(a) {
			continue
		}
		if out == nil {
			out = slices.Clone(args)
		}
		out[i] = sqliteNaN
	}
	if out == nil {
		return args
	}
	return out
}

// scanInto stores a column value into dst, a pointer to a column type.
// It reads sqliteNaN in a float column as NaN.
func scanInto(dst any, src any) error {
	switch d := dst.(type) {
	case interface{ Scan(any) error }:
		return d.Scan(src)
	case *int64:
		n, ok := src.(int64)
		if !ok {
			return fmt.Errorf("int column holds %T", src)
		}
		*d = n
	case *float64:
		switch s := src.(type) {
		case float64:
			*d = s
		case int64:
			*d = float64(s)
		case string:
			if s != sqliteNaN {
				return fmt.Errorf("float column holds the text %q", s)
			}
			*d = math.NaN()
		default:
			return fmt.Errorf("float column holds %T", src)
		}
	case *bool:
		switch s := src.(type) {
		case bool:
			*d = s
		case int64:
			*d = s != 0
		default:
			return fmt.Errorf("bool column holds %T", src)
		}
	case *string:
		switch s := src.(type) {
		case string:
			*d = s
		case []byte:
			*d = string(s)
		default:
			return fmt.Errorf("string column holds %T", src)
		}
	default:
		return fmt.Errorf("cannot scan into %T", dst)
	}
	return nil
}

// ---- int: signed 64-bit, overflow is a runtime error ----

// Add returns a + b.
func Add(a, b int64) int64 {
	c := a + b
	if (c > a) != (b > 0) {
		Fail("int overflow: %d + %d", a, b)
	}
	return c
}

// Sub returns a - b.
func Sub(a, b int64) int64 {
	c := a - b
	if (c < a) != (b > 0) {
		Fail("int overflow: %d - %d", a, b)
	}
	return c
}

// Mul returns a * b.
func Mul(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	c := a * b
	if c/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		Fail("int overflow: %d * %d", a, b)
	}
	return c
}

// Div returns a / b, truncated toward zero.
func Div(a, b int64) int64 {
	if b == 0 {
		Fail("division by zero")
	}
	if a == math.MinInt64 && b == -1 {
		Fail("int overflow: %d / %d", a, b)
	}
	return a / b
}

// Mod returns a % b, with the sign of a.
func Mod(a, b int64) int64 {
	if b == 0 {
		Fail("division by zero")
	}
	if b == -1 {
		return 0
	}
	return a % b
}

// Neg returns -a.
func Neg(a int64) int64 {
	if a == math.MinInt64 {
		Fail("int overflow: -(%d)", a)
	}
	return -a
}

// Index returns xs[i].
func Index[T any](xs []T, i int64) T {
	if i < 0 || i >= int64(len(xs)) {
		Fail("index %d out of range for a list of length %d", i, len(xs))
	}
	return xs[i]
}

// Equal reports whether two values of a Prog type are equal. Floats follow
// IEEE: NaN equals nothing.
func Equal(a, b any) bool { return equal(reflect.ValueOf(a), reflect.ValueOf(b)) }

func equal(a, b reflect.Value) bool {
	switch a.Kind() {
	case reflect.Float64:
		return a.Float() == b.Float()
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !equal(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Struct:
		if o, ok := a.Interface().(optional); ok {
			av, as := o.optional()
			bv, bs := b.Interface().(optional).optional()
			return as == bs && (!as || Equal(av, bv))
		}
		for i := range a.NumField() {
			if !equal(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	}
	return a.Interface() == b.Interface()
}

// FormatFloat formats f as JavaScript's String(f) does, so that str(f)
// gives the same text on both halves.
func FormatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	// The shortest digits that round-trip, and the exponent n such that
	// f = 0.digits × 10^n (ECMA-262 Number::toString).
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, _ := strconv.Atoi(exp)
	n, k := x+1, len(digits)
	switch {
	case k <= n && n <= 21:
		return sign + digits + strings.Repeat("0", n-k)
	case 0 < n && n <= 21:
		return sign + digits[:n] + "." + digits[n:]
	case -6 < n && n <= 0:
		return sign + "0." + strings.Repeat("0", -n) + digits
	}
	es := "+"
	if n-1 < 0 {
		es = "-"
	}
	m := digits[:1]
	if k > 1 {
		m += "." + digits[1:]
	}
	return sign + m + "e" + es + strconv.Itoa(abs(n-1))
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
