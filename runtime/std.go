package runtime

import (
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
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
func Trunc(f float64) int64 { return intOf("toInt", f, f) }

// intOf is the whole float r as an int: a runtime error when it is NaN or
// out of the range of int, which names the call name(f).
func intOf(name string, f, r float64) int64 {
	if r != r || r >= 9223372036854775808.0 || r < -9223372036854775808.0 {
		Fail("%s(%s): out of the range of int", name, FormatFloat(f))
	}
	return int64(r)
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

// ---- more built-ins (LANGUAGE.md, version 2) ----
//
// Their edges are defined in docs/LANGUAGE-NOTES.md ("Built-ins"), and
// client/values.js computes each the same way.

//go:generate go test -run TestCaseTables -update

// MaxLength bounds what repeat, padStart and replace make (in code points)
// and what range makes (in elements): a longer result is a runtime error,
// on both halves, rather than a page or server out of memory.
const MaxLength = 1 << 24

// caseRange is one range of code points of caseRanges (casemap.go), with
// the deltas that map it to upper and to lower case; a delta of
// unicode.UpperLower means that the range alternates upper and lower.
type caseRange struct {
	Lo, Hi       uint32
	Upper, Lower rune
}

// toCase maps one code point by the simple case mapping of caseRanges,
// as unicode.ToUpper and unicode.ToLower do with Go's own table.
func toCase(r rune, upper bool) rune {
	lo, hi := 0, len(caseRanges)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		cr := caseRanges[m]
		switch {
		case r < rune(cr.Lo):
			hi = m
		case r > rune(cr.Hi):
			lo = m + 1
		default:
			d := cr.Lower
			if upper {
				d = cr.Upper
			}
			if d > unicode.MaxRune {
				off := r - rune(cr.Lo)
				if upper {
					return rune(cr.Lo) + off&^1
				}
				return rune(cr.Lo) + (off | 1)
			}
			return r + d
		}
	}
	return r
}

// Lower is lower(s): each code point by its simple lower-case mapping.
func Lower(s string) string { return strings.Map(func(r rune) rune { return toCase(r, false) }, s) }

// Upper is upper(s): each code point by its simple upper-case mapping.
func Upper(s string) string { return strings.Map(func(r rune) rune { return toCase(r, true) }, s) }

// isWhiteSpace reports whether r has Unicode's White_Space property.
func isWhiteSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}

// Trim is trim(s): s without White_Space at either end.
func Trim(s string) string { return strings.TrimFunc(s, isWhiteSpace) }

// clamp is i held to [0, n].
func clamp(i, n int64) int64 { return min(max(i, 0), n) }

// runeOffset is the byte offset of code point i of s (len(s) past its
// last).
func runeOffset(s string, i int64) int {
	for off := range s {
		if i == 0 {
			return off
		}
		i--
	}
	return len(s)
}

// Substring is substring(s, from, to): code points [from, to), each
// clamped to [0, len(s)]; empty when to <= from.
func Substring(s string, from, to int64) string {
	n := Len(s)
	from, to = clamp(from, n), clamp(to, n)
	if to <= from {
		return ""
	}
	i := runeOffset(s, from)
	return s[i : i+runeOffset(s[i:], to-from)]
}

// StartsWith is startsWith(s, prefix).
func StartsWith(s, prefix string) bool { return strings.HasPrefix(s, prefix) }

// EndsWith is endsWith(s, suffix).
func EndsWith(s, suffix string) bool { return strings.HasSuffix(s, suffix) }

// IndexOf is indexOf(s, sub): the code-point index of sub's first
// occurrence in s, or -1.
func IndexOf(s, sub string) int64 {
	i := strings.Index(s, sub)
	if i < 0 {
		return -1
	}
	return Len(s[:i])
}

// Replace is replace(s, old, new): every occurrence of old, from the left,
// replaced by new. An empty old matches before each code point and at
// the end: replace("ab", "", "-") is "-a-b-".
func Replace(s, old, new string) string {
	n := Len(s)
	k := n + 1
	if old != "" {
		k = int64(strings.Count(s, old))
	}
	if k == 0 {
		return s
	}
	if grow := Len(new) - Len(old); grow > 0 && n+k*grow > MaxLength {
		Fail("replace: the result would be longer than %d code points", MaxLength)
	}
	return strings.ReplaceAll(s, old, new)
}

// Repeat is repeat(s, n): s n times; a negative n is a runtime error.
func Repeat(s string, n int64) string {
	if n < 0 {
		Fail("repeat(…, %d): the count is negative", n)
	}
	if c := Len(s); c > 0 && n > MaxLength/c {
		Fail("repeat(…, %d): the result would be longer than %d code points", n, MaxLength)
	}
	return strings.Repeat(s, int(n))
}

// PadStart is padStart(s, n, pad): s after as many code points of pad,
// repeated, as make it n code points long. A negative n is a runtime
// error; s is returned as it is when it is n code points or longer, or
// pad is empty.
func PadStart(s string, n int64, pad string) string {
	c := Len(s)
	switch {
	case n < 0:
		Fail("padStart(…, %d, …): the length is negative", n)
	case n <= c:
		return s
	case n > MaxLength:
		Fail("padStart(…, %d, …): the result would be longer than %d code points", n, MaxLength)
	case pad == "":
		return s
	}
	need, p := n-c, Len(pad)
	return strings.Repeat(pad, int(need/p)) + pad[:runeOffset(pad, need%p)] + s
}

// Fixed is fixed(f, digits): f in decimal with digits (0 to 100) digits
// after the point, rounded from f's exact binary value, a half away from
// zero; never an exponent. NaN and the infinities are written as str
// writes them; a minus sign is written when f < 0 (so -0.0 has none).
func Fixed(f float64, digits int64) string {
	if digits < 0 || digits > 100 {
		Fail("fixed(%s, %d): the digits must be 0 to 100", FormatFloat(f), digits)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return FormatFloat(f)
	}
	// |f| = m * 2^e exactly; q = |f| * 10^digits rounded, a half up.
	bits := math.Float64bits(f)
	m, e := bits&(1<<52-1), int((bits>>52)&0x7FF)
	if e == 0 {
		e = 1 // subnormal
	} else {
		m |= 1 << 52
	}
	e -= 1075
	q := new(big.Int).SetUint64(m)
	q.Mul(q, new(big.Int).Exp(big.NewInt(10), big.NewInt(digits), nil))
	if e >= 0 {
		q.Lsh(q, uint(e))
	} else {
		q.Rsh(q, uint(-e-1))
		q.Add(q, big.NewInt(1))
		q.Rsh(q, 1)
	}
	return fixedText(f < 0, q.String(), int(digits))
}

// fixedText writes the digits of q / 10^digits.
func fixedText(neg bool, q string, digits int) string {
	if len(q) <= digits {
		q = strings.Repeat("0", digits+1-len(q)) + q
	}
	if digits > 0 {
		q = q[:len(q)-digits] + "." + q[len(q)-digits:]
	}
	if neg {
		return "-" + q
	}
	return q
}

// AbsInt is abs(int); abs of the least int overflows.
func AbsInt(n int64) int64 {
	if n < 0 {
		return Neg(n)
	}
	return n
}

// AbsFloat is abs(float).
func AbsFloat(f float64) float64 { return math.Abs(f) }

// MinInt is min(int, int).
func MinInt(a, b int64) int64 { return min(a, b) }

// MaxInt is max(int, int).
func MaxInt(a, b int64) int64 { return max(a, b) }

// MinFloat is min(float, float): NaN when either is NaN; -0 is below 0.
func MinFloat(a, b float64) float64 { return min(a, b) }

// MaxFloat is max(float, float): NaN when either is NaN; 0 is above -0.
func MaxFloat(a, b float64) float64 { return max(a, b) }

// Round is round(f): the nearest int, a half away from zero.
func Round(f float64) int64 { return intOf("round", f, math.Round(f)) }

// Floor is floor(f).
func Floor(f float64) int64 { return intOf("floor", f, math.Floor(f)) }

// Ceil is ceil(f).
func Ceil(f float64) int64 { return intOf("ceil", f, math.Ceil(f)) }

// Map is map(xs, f): f of each element, called in order.
func Map[A, B any](xs []A, f func(A) B) []B {
	out := make([]B, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

// MapUnit is map(xs, f) of a function without a result: a list of units.
func MapUnit[A any](xs []A, f func(A)) []Unit {
	for _, x := range xs {
		f(x)
	}
	return make([]Unit, len(xs))
}

// Filter is filter(xs, keep): the elements keep holds for, in order; keep
// is called once for each, in order.
func Filter[A any](xs []A, keep func(A) bool) []A {
	out := make([]A, 0, len(xs))
	for _, x := range xs {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

// Sort is sort(xs, less): a new list, sorted by a stable top-down merge
// sort. The client's sort is the same algorithm and calls less on the
// same pairs in the same order, so that a less that is not a strict
// order, or that has effects, gives the same answer on both halves.
func Sort[A any](xs []A, less func(A, A) bool) []A {
	out := make([]A, len(xs))
	copy(out, xs)
	if len(xs) > 1 {
		mergeSort(out, make([]A, len(xs)), less)
	}
	return out
}

// mergeSort sorts xs, using tmp (as long) for the merge.
func mergeSort[A any](xs, tmp []A, less func(A, A) bool) {
	if len(xs) <= 1 {
		return
	}
	mid := len(xs) / 2
	mergeSort(xs[:mid], tmp[:mid], less)
	mergeSort(xs[mid:], tmp[mid:], less)
	copy(tmp, xs)
	l, r := tmp[:mid], tmp[mid:]
	i, j, k := 0, 0, 0
	for i < len(l) && j < len(r) {
		// The right one goes first only when it is less: stable.
		if less(r[j], l[i]) {
			xs[k] = r[j]
			j++
		} else {
			xs[k] = l[i]
			i++
		}
		k++
	}
	k += copy(xs[k:], l[i:])
	copy(xs[k:], r[j:])
}

// Range is range(a, b): a, a + 1, …, b - 1; empty when b <= a.
func Range(a, b int64) []int64 {
	if b <= a {
		return []int64{}
	}
	if n := uint64(b) - uint64(a); n > MaxLength {
		Fail("range(%d, %d): more than %d elements", a, b, MaxLength)
	}
	out := make([]int64, 0, b-a)
	for i := a; i < b; i++ {
		out = append(out, i)
	}
	return out
}

// Reverse is reverse(xs): a new list.
func Reverse[A any](xs []A) []A {
	out := make([]A, len(xs))
	for i, x := range xs {
		out[len(xs)-1-i] = x
	}
	return out
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
