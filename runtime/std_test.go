package runtime

import (
	"math"
	"strings"
	"testing"
)

func TestStringBuiltins(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Lower("ÀB İ ǅ ẞ"), "àb i ǆ ß"}, // simple mappings: İ to i alone, ẞ to ß
		{Upper("àb ß ǆ ﬁ ſ"), "ÀB ß Ǆ ﬁ S"},
		{Upper("\U0001E922x"), "\U0001E900X"}, // astral
		{Trim("\u0085\u00a0 \t a b\u3000\u2029"), "a b"},
		{Trim("\ufeffa\u200b"), "\ufeffa\u200b"}, // not White_Space
		{Substring("a😀é\u0301b", 1, 4), "😀é\u0301"},
		{Substring("abc", -5, 2), "ab"},
		{Substring("abc", 2, 99), "c"},
		{Substring("abc", 2, 1), ""},
		{Substring("abc", math.MinInt64, math.MaxInt64), "abc"},
		{Replace("a.b.c", ".", "--"), "a--b--c"},
		{Replace("aaa", "aa", "b"), "ba"},
		{Replace("a😀", "", "-"), "-a-😀-"},
		{Replace("", "", "-"), "-"},
		{Replace("abc", "x", "$&"), "abc"},
		{Replace("a$b", "$", "$&$1"), "a$&$1b"},
		{Repeat("ab", 3), "ababab"},
		{Repeat("ab", 0), ""},
		{Repeat("", math.MaxInt64), ""},
		{PadStart("7", 3, "0"), "007"},
		{PadStart("7", 4, "😀x"), "😀x😀7"},
		{PadStart("abc", 2, "0"), "abc"},
		{PadStart("7", 5, ""), "7"},
		{Fixed(2.5, 1), "2.5"},
		{Fixed(2.5, 0), "3"},
		{Fixed(-2.5, 0), "-3"},
		{Fixed(0.125, 2), "0.13"}, // an exact half: away from zero
		{Fixed(1.005, 2), "1.00"}, // 1.005 is 1.00499999999999989…
		{Fixed(1e21, 2), "1000000000000000000000.00"},
		{Fixed(123.456, 0), "123"},
		{Fixed(0.5, 0), "1"},
		{Fixed(-0.001, 2), "-0.00"},
		{Fixed(math.Copysign(0, -1), 1), "0.0"},
		{Fixed(5e-324, 3), "0.000"},
		{Fixed(math.NaN(), 2), "NaN"},
		{Fixed(math.Inf(-1), 2), "-Infinity"},
		{Fixed(0.1, 20), "0.10000000000000000555"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if got := Fixed(math.MaxFloat64, 100); !strings.HasPrefix(got, "17976931348623157") || len(got) != 309+1+100 {
		t.Errorf("fixed(max float, 100) = %q", got)
	}
	for _, c := range []struct {
		got, want int64
	}{
		{IndexOf("a😀b😀", "b"), 2},
		{IndexOf("abc", ""), 0},
		{IndexOf("abc", "x"), -1},
		{IndexOf("é\u0301e", "e"), 2},
	} {
		if c.got != c.want {
			t.Errorf("got %d, want %d", c.got, c.want)
		}
	}
	if !StartsWith("😀a", "😀") || StartsWith("a", "ab") || !EndsWith("ab", "") || EndsWith("ab", "a") {
		t.Error("startsWith or endsWith is wrong")
	}
}

func TestBuiltinsFail(t *testing.T) {
	for name, f := range map[string]func(){
		"repeat negative":   func() { Repeat("a", -1) },
		"repeat huge":       func() { Repeat("ab", MaxLength/2+1) },
		"repeat max":        func() { Repeat("a", math.MaxInt64) },
		"padStart negative": func() { PadStart("a", -1, "0") },
		"padStart huge":     func() { PadStart("a", MaxLength+1, "") },
		"replace huge":      func() { Replace(strings.Repeat("a", 1000), "a", strings.Repeat("b", 1<<15)) },
		"fixed negative":    func() { Fixed(1, -1) },
		"fixed 101":         func() { Fixed(1, 101) },
		"round NaN":         func() { Round(math.NaN()) },
		"round 2^63":        func() { Round(9223372036854775807.0) },
		"floor -Inf":        func() { Floor(math.Inf(-1)) },
		"ceil 2^63":         func() { Ceil(9.3e18) },
		"abs min int":       func() { AbsInt(math.MinInt64) },
		"range huge":        func() { Range(math.MinInt64, math.MaxInt64) },
		"range 2^24+1":      func() { Range(-1, MaxLength) },
	} {
		if fails(f) == "" {
			t.Errorf("%s: no runtime error", name)
		}
	}
	for name, f := range map[string]func(){
		"repeat to the bound":   func() { Repeat("ab", MaxLength/2) },
		"padStart to the bound": func() { PadStart("a", MaxLength, "xy") },
		"range of 2^24":         func() { Range(-1, MaxLength-1) },
		"floor of -2^63":        func() { Floor(-9223372036854775808.0) },
		"replace that shrinks":  func() { Replace(strings.Repeat("ab", MaxLength/2+1), "ab", "c") },
	} {
		if msg := fails(f); msg != "" {
			t.Errorf("%s: a runtime error: %s", name, msg)
		}
	}
}

func TestNumberBuiltins(t *testing.T) {
	for _, c := range []struct{ got, want int64 }{
		{Round(2.5), 3}, {Round(-2.5), -3}, {Round(0.49999999999999994), 0}, {Round(-0.5), -1},
		{Floor(-1.5), -2}, {Ceil(-1.5), -1}, {Ceil(-0.5), 0}, {Floor(4503599627370497.0), 4503599627370497},
		{AbsInt(-7), 7}, {MinInt(-1, 2), -1}, {MaxInt(math.MinInt64, math.MaxInt64), math.MaxInt64},
	} {
		if c.got != c.want {
			t.Errorf("got %d, want %d", c.got, c.want)
		}
	}
	negZero := math.Copysign(0, -1)
	if !math.Signbit(MinFloat(0, negZero)) || math.Signbit(MaxFloat(negZero, 0)) {
		t.Error("min and max do not put -0 below 0")
	}
	if !math.IsNaN(MinFloat(math.NaN(), 1)) || !math.IsNaN(MaxFloat(1, math.NaN())) {
		t.Error("min or max of NaN is not NaN")
	}
	if AbsFloat(negZero) != 0 || math.Signbit(AbsFloat(negZero)) {
		t.Error("abs(-0.0) is not 0")
	}
}

func TestListBuiltins(t *testing.T) {
	xs := []int64{3, 1, 2}
	if got := Map(xs, func(x int64) string { return StrInt(x * 2) }); strings.Join(got, ",") != "6,2,4" {
		t.Errorf("map: %v", got)
	}
	if got := Filter(xs, func(x int64) bool { return x != 1 }); len(got) != 2 || got[0] != 3 || got[1] != 2 {
		t.Errorf("filter: %v", got)
	}
	if got := Filter(xs, func(int64) bool { return false }); got == nil {
		t.Error("filter: nil, not an empty list")
	}
	type kv struct {
		k int
		v string
	}
	in := []kv{{2, "a"}, {1, "b"}, {2, "c"}, {1, "d"}, {0, "e"}}
	got := Sort(in, func(a, b kv) bool { return a.k < b.k })
	var s []string
	for _, x := range got {
		s = append(s, x.v)
	}
	if strings.Join(s, "") != "ebdac" || in[0].v != "a" {
		t.Errorf("sort is not stable or changes its input: %v", s)
	}
	// An inconsistent less still gives each element once, and the same
	// answer every time (the client's sort makes the same calls).
	calls := 0
	odd := Sort([]int64{1, 2, 3, 4, 5}, func(a, b int64) bool { calls++; return calls%2 == 0 })
	if sum := odd[0] + odd[1] + odd[2] + odd[3] + odd[4]; sum != 15 || calls == 0 {
		t.Errorf("sort with an inconsistent less: %v", odd)
	}
	if got := Range(-2, 2); len(got) != 4 || got[0] != -2 || got[3] != 1 {
		t.Errorf("range(-2, 2) = %v", got)
	}
	if got := Range(5, 5); got == nil || len(got) != 0 {
		t.Errorf("range(5, 5) = %#v", got)
	}
	if got := Range(math.MaxInt64-1, math.MaxInt64); len(got) != 1 || got[0] != math.MaxInt64-1 {
		t.Errorf("range at the top = %v", got)
	}
	if got := Reverse(xs); got[0] != 2 || got[2] != 3 || xs[0] != 3 {
		t.Errorf("reverse: %v (input now %v)", got, xs)
	}
}
