package runtime

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The Go halves of the built-ins that run on both sides; their JavaScript
// halves are in client/values.js and must give the same answers.

// Now is now(): milliseconds since the Unix epoch.
func Now() int64 { return time.Now().UnixMilli() }

// Len is len(s): the number of Unicode code points.
func Len(s string) int64 { return int64(utf8.RuneCountInString(s)) }

// StrInt is str(int).
func StrInt(n int64) string { return strconv.FormatInt(n, 10) }

// StrBool is str(bool).
func StrBool(b bool) string { return strconv.FormatBool(b) }

var (
	intRE   = regexp.MustCompile(`^[+-]?[0-9]+$`)
	floatRE = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)
)

// ParseInt is toInt(string): none unless s is a decimal int in range.
func ParseInt(s string) Option[int64] {
	if !intRE.MatchString(s) {
		return Option[int64]{}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return Option[int64]{}
	}
	return Some(n)
}

// ParseFloat is toFloat(string): none unless s is a decimal number.
func ParseFloat(s string) Option[float64] {
	if !floatRE.MatchString(s) {
		return Option[float64]{}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && f == 0 { // a range error still gives ±Inf, as JavaScript does
		return Option[float64]{}
	}
	return Some(f)
}

// Trunc is toInt(float): toward zero; out of range is a runtime error.
func Trunc(f float64) int64 {
	if f != f || f >= 9223372036854775808.0 || f < -9223372036854775808.0 {
		Fail("toInt(%s): out of the range of int", FormatFloat(f))
	}
	return int64(f)
}

// Split is split(s, sep); an empty sep splits into code points.
func Split(s, sep string) []string { return strings.Split(s, sep) }

// Join is join(xs, sep).
func Join(xs []string, sep string) string { return strings.Join(xs, sep) }

// ContainsString is contains(string, string).
func ContainsString(s, sub string) bool { return strings.Contains(s, sub) }

// Contains is contains(list<T>, T).
func Contains[T any](xs []T, x T) bool {
	for _, y := range xs {
		if Equal(x, y) {
			return true
		}
	}
	return false
}

// Append is append(xs, x): a new list; xs is unchanged.
func Append[T any](xs []T, x T) []T {
	out := make([]T, len(xs), len(xs)+1)
	copy(out, xs)
	return append(out, x)
}

// ---- tables ----

// All returns the rows a scan reads.
func All[R any](x *Ctx, scan func(*Ctx) ([]int64, []R)) []R {
	_, rows := scan(x)
	return rows
}

// Update runs stmt (UPDATE … SET … WHERE _id = ?) for each row that keep
// holds for (every row when keep is nil), with the values set gives.
func Update[R any](x *Ctx, stmt string, scan func(*Ctx) ([]int64, []R), keep func(R) bool, set func(R) []any) {
	ids, rows := scan(x)
	for i, r := range rows {
		if keep == nil || keep(r) {
			x.Exec(stmt, append(set(r), ids[i])...)
		}
	}
}
