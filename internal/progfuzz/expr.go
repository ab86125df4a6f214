package progfuzz

import (
	"fmt"
	"regexp"
	"strings"
)

// Literal pools: values at the edges, where the halves are most likely
// to part.
var (
	intLits = []string{
		"0", "1", "2", "3", "7", "10", "255", "1000", "(-1)", "(-7)",
		"2147483648", "4294967296", "3037000499", "(-3037000500)",
		"9007199254740991", "9007199254740992", "9007199254740993", "(-9007199254740993)",
		"4611686018427387904", "9223372036854775807", "(-9223372036854775807)",
		"(-9223372036854775807 - 1)",
	}
	floatLits = []string{
		"0.0", "1.0", "0.1", "0.2", "0.3", "0.5", "1.5", "2.5", "3.0", "100.0",
		"1e21", "1e-7", "123456789.125", "9007199254740993.0", "4503599627370497.5",
		"1e308", "1.7976931348623157e308", "5e-324", "2.2250738585072014e-308",
		"9223372036854775807.0", "9223372036854775808.0", "1e16", "0.000001",
	}
	stringLits = []string{
		`""`, `"a"`, `"ab"`, `"é"`, `"e\u{301}"`, `"\u{1F600}"`, `"\u{10000}"`, `"\u{E000}"`,
		`"\u{FFFF}"`, `"x,y"`, `","`, `" "`, `"-12"`, `"+5"`, `"007"`, `"3.5"`, `".5"`, `"5."`,
		`"1e400"`, `"-0"`, `"NaN"`, `"Infinity"`, `"9223372036854775808"`, `"-9223372036854775808"`,
		`"\t"`, `"\"q\""`, `"\\"`, `"ß"`, `"İ"`, `"a\u{1F600}b"`, `"\u{1F1EB}\u{1F1F7}"`,
		`"__proto__"`, `"1_0"`, `"0x10"`, `"\u{200D}"`, `"\n"`,
		// For lower, upper and trim: special and final casings, astral
		// letters, white space only one platform calls so.
		`"ΑΣ"`, `"ǅ"`, `"ﬁ"`, `"ẞ"`, `"ſ"`, `"\u{1E922}"`, `" \u{85}x\u{A0}"`, `"\u{FEFF}"`, `"\u{2029}a "`, `"$&"`,
	}
	// counts are the counts and lengths of repeat, padStart and range:
	// small, or past the bound on what they make (2^24), or negative;
	// never a result so long that showing it would be slow.
	counts     = []string{"0", "1", "2", "3", "5", "7"}
	edgeCounts = []string{"(-1)", "16777217", "4611686018427387904", "9223372036854775807", "(-9223372036854775807 - 1)"}
	// caseLits are strings where case mappings and white space differ
	// between platforms (full or simple mappings, final sigma, the BOM).
	caseLits = []string{
		`"İ"`, `"ΑΣ"`, `"ΑΣ Σ"`, `"ß"`, `"ẞ"`, `"ǅ"`, `"ﬁ"`, `"ſ"`, `"\u{1E922}"`, `"\u{10400}"`, `"ŉ"`, `"ΐ"`,
		`"\u{FEFF}x\u{FEFF}"`, `" \u{85}x\u{A0}"`, `"\u{180E}"`, `"\u{200B}"`, `"\u{2029}a "`, `"\u{3000}\u{1680}"`,
	}
	// roundFloats are floats where rounding differs between platforms: ties,
	// just below a tie, negative ties, the int range's edges.
	roundFloats = []string{
		"2.5", "(-2.5)", "0.5", "(-0.5)", "1.5", "(-1.5)", "0.49999999999999994", "(-0.49999999999999994)",
		"4503599627370495.5", "(-4503599627370495.5)", "0.125", "1.005", "(-0.001)", "123456789.125", "1e21", "(-1e21)",
		"9223372036854775807.0", "(-9223372036854775808.0)", "9223372036854774784.0", "5e-324", "(-0.0)", "0.045",
	}
	// indexes are the indexes of substring: small, or at the edges.
	indexes = []string{"0", "1", "2", "3", "(-1)", "9223372036854775807", "(-9223372036854775807 - 1)"}
	// digits are the digits of fixed: 0 to 100, or past them.
	digits = []string{"0", "1", "2", "3", "17", "20", "100", "101", "(-1)"}
)

func (g *gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

// probe is a string that shows a built-in of version 2 applied to
// literal inputs at the edges where Go and JavaScript differ (case
// mappings, white space, rounding, formatting, code points, NaN and -0,
// sort with an inconsistent less). Few fail: a failing part would hide
// the program's other values.
func (g *gen) probe() string {
	str := func() string {
		if g.chance(0.5) {
			return g.pick(caseLits)
		}
		return g.pick(stringLits)
	}
	flt := func() string {
		if g.chance(0.2) {
			return g.specialFloat()
		}
		if g.chance(0.5) {
			return g.pick(floatLits)
		}
		return g.pick(roundFloats)
	}
	small := func() string { return g.pick([]string{"0", "1", "2", "3", "4", "(-1)", "7", "9223372036854775807"}) }
	switch g.r.IntN(9) {
	case 0:
		return g.pick([]string{"lower(", "upper(", "trim("}) + str() + ")"
	case 1:
		// Whole floats well inside the int range: round, floor and ceil
		// of them do not fail.
		f := g.pick([]string{"2.5", "(-2.5)", "0.5", "(-0.5)", "1.5", "(-1.5)", "0.49999999999999994", "(-0.49999999999999994)",
			"4503599627370495.5", "(-4503599627370495.5)", "(-0.0)", "9223372036854774784.0", "(-9223372036854775808.0)", "1e-7"})
		return "str(" + g.pick([]string{"round(", "floor(", "ceil("}) + f + "))"
	case 2:
		return "fixed(" + flt() + ", " + g.pick([]string{"0", "1", "2", "3", "17", "20", "100"}) + ")"
	case 3:
		return g.show(tFloat, g.pick([]string{"min(", "max("})+flt()+", "+flt()+")") + " + " + g.show(tFloat, "abs("+flt()+")")
	case 4:
		return fmt.Sprintf("substring(%s, %s, %s) + str(indexOf(%s, %s))", str(), small(), small(), str(), str())
	case 5:
		return fmt.Sprintf("replace(%s, %s, %s)", str(), g.pick([]string{`""`, `"a"`, `"\u{1F600}"`, `"$&"`, `"Σ"`, `"e"`}), str())
	case 6:
		return fmt.Sprintf("padStart(%s, %s, %s) + repeat(%s, %s)", str(), small(), str(), str(), g.pick([]string{"0", "1", "2", "3"}))
	case 7:
		return g.show(tBool, g.pick([]string{"startsWith(", "endsWith("})+str()+", "+str()+")")
	}
	t := []*typ{tInt, tFloat, tString}[g.r.IntN(3)]
	var xs []string
	for range g.r.IntN(7) {
		switch t.kind {
		case kInt:
			xs = append(xs, g.pick([]string{"0", "1", "2", "(-1)", "3", "9223372036854775807", "(-9223372036854775807 - 1)"}))
		case kFloat:
			xs = append(xs, flt())
		default:
			xs = append(xs, str())
		}
	}
	less := fmt.Sprintf("fun(a: %s, b: %s): bool { return a %s b }", t, t, g.pick([]string{"<", ">", "<=", "!=", "=="}))
	return g.show(listOf(t), fmt.Sprintf("sort([%s], %s)", strings.Join(xs, ", "), less)) +
		" + " + g.show(listOf(t), fmt.Sprintf("reverse(filter(map([%s], fun(x: %s): %s { return x }), fun(x: %s): bool { return x == x })) ", strings.Join(xs, ", "), t, t, t))
}

// roundFloat is the operand of round, floor, ceil or fixed: often a float
// where rounding differs between platforms.
func (g *gen) roundFloat(d int) string {
	if g.chance(0.5) {
		x := g.pick(roundFloats)
		if !g.cfg.FloatConstants {
			x = g.pre + "fl(" + x + ")"
		}
		return x
	}
	return g.operand(tFloat, d)
}

// count is a count or length for repeat, padStart or range: at an edge
// one time in five, so that most calls make a value.
func (g *gen) count() string {
	if g.chance(0.2) {
		return g.pick(edgeCounts)
	}
	return g.pick(counts)
}

// expr is an expression of type t. depth bounds its nesting; det asks for
// an expression whose type is known without its context (no bare none
// or [] anywhere in it).
func (g *gen) expr(t *typ, depth int, det bool) string {
	if depth <= 0 || g.chance(0.25) {
		return g.leaf(t, det)
	}
	d := depth - 1
	for range 8 {
		if s, ok := g.compound(t, d, det); ok {
			return s
		}
	}
	return g.leaf(t, det)
}

// leaf is a variable or a literal of type t.
func (g *gen) leaf(t *typ, det bool) string {
	if vs := g.varsOf(t); len(vs) > 0 && g.chance(0.6) {
		return vs[g.r.IntN(len(vs))].name
	}
	return g.literal(t, 1, det)
}

func (g *gen) literal(t *typ, depth int, det bool) string {
	switch t.kind {
	case kInt:
		return g.pick(intLits)
	case kFloat:
		if g.chance(0.15) {
			return g.specialFloat()
		}
		return g.pick(floatLits)
	case kBool:
		return g.pick([]string{"true", "false"})
	case kString:
		return g.pick(stringLits)
	case kOption:
		if !det && g.chance(0.4) {
			return "none"
		}
		return "some(" + g.expr(t.elem, depth-1, det) + ")"
	case kList:
		n := g.r.IntN(4)
		if det && n == 0 {
			n = 1
		}
		xs := make([]string, n)
		for i := range xs {
			xs[i] = g.expr(t.elem, depth-1, det)
		}
		return "[" + strings.Join(xs, ", ") + "]"
	case kRecord:
		fs := make([]string, len(t.rec.fields))
		for i, f := range t.rec.fields {
			fs[i] = f.name + ": " + g.expr(f.t, depth-1, det)
		}
		if g.chance(0.3) {
			g.r.Shuffle(len(fs), func(i, j int) { fs[i], fs[j] = fs[j], fs[i] })
		}
		return "{ " + strings.Join(fs, ", ") + " }"
	}
	return g.lambda(t)
}

// specialFloat is NaN, ±Infinity or -0, made at run time unless float
// constants are allowed.
func (g *gen) specialFloat() string {
	if g.cfg.FloatConstants {
		return g.pick([]string{"(0.0 / 0.0)", "(1.0 / 0.0)", "(-1.0 / 0.0)", "(-0.0)", "(1e308 * 10.0)"})
	}
	fl := g.pre + "fl"
	return g.pick([]string{
		"(" + fl + "(0.0) / 0.0)", "(" + fl + "(1.0) / 0.0)", "(" + fl + "(-1.0) / 0.0)",
		"(-" + fl + "(0.0))", "(" + fl + "(1e308) * 10.0)",
	})
}

// lambda is a closure of function type t; its body may capture anything
// in scope.
func (g *gen) lambda(t *typ) string {
	var b strings.Builder
	mark := g.push()
	var ps []string
	for _, p := range t.params {
		v := g.declare(p, false)
		ps = append(ps, v.name+": "+p.String())
	}
	fmt.Fprintf(&b, "fun(%s): %s {\n", strings.Join(ps, ", "), t.result)
	savedLoops := g.loops
	n, depth := g.r.IntN(3), 2
	if g.lambdas >= maxLambdas {
		n, depth = 0, 0 // a leaf's closures nest only as deep as t's type
	}
	g.lambdas++
	g.body(&b, t.result, n, 2, func() string { return g.expr(t.result, depth, false) })
	g.lambdas--
	g.loops = savedLoops
	b.WriteString("}")
	g.pop(mark)
	return b.String()
}

// operand is a float operand of an operator: never a bare literal unless
// float constants are allowed, so that no operator's operands are all
// constants.
func (g *gen) operand(t *typ, depth int) string {
	s := g.expr(t, depth, true)
	if !g.cfg.FloatConstants && t.kind == kFloat && isLiteral(s) {
		return g.pre + "fl(" + s + ")"
	}
	return s
}

func isLiteral(s string) bool {
	return s != "" && (s[0] >= '0' && s[0] <= '9' || s[0] == '(' && len(s) > 1 && s[1] == '-')
}

// compound tries one form of expression of type t; ok is false when the
// form it picked has nothing to build from.
func (g *gen) compound(t *typ, d int, det bool) (string, bool) {
	switch g.r.IntN(10) {
	case 0: // a call of a function written before
		var fs []*function
		for _, f := range g.funcs {
			if f.result.equal(t) {
				fs = append(fs, f)
			}
		}
		if len(fs) == 0 {
			return "", false
		}
		f := fs[g.r.IntN(len(fs))]
		return f.name + "(" + g.args(f.params, d) + ")", true
	case 1: // a call of a function value in scope
		var vs []*variable
		for _, v := range g.visible() {
			if v.t.kind == kFunc && v.t.result.equal(t) {
				vs = append(vs, v)
			}
		}
		if len(vs) == 0 {
			return "", false
		}
		v := vs[g.r.IntN(len(vs))]
		return v.name + "(" + g.args(v.t.params, d) + ")", true
	case 2: // match
		u := g.typ(1, false)
		if g.chance(0.3) {
			u = t
		}
		o := g.expr(optionOf(u), d, true)
		b, some, ok := g.someArm(u, t, d, det)
		if !ok {
			return "", false
		}
		return fmt.Sprintf("match %s { some(%s) => %s, none => %s }", o, b, some, g.expr(t, d, det)), true
	case 3: // index
		if t.kind == kFunc {
			return "", false
		}
		xs := g.expr(listOf(t), d, true)
		i := g.pick([]string{"0", "0", "1", "2"})
		if g.chance(0.1) {
			i = g.expr(tInt, d, true)
		}
		return xs + "[" + i + "]", true
	case 4: // field
		type pair struct {
			r *record
			f string
		}
		var ps []pair
		for _, r := range g.recs {
			for _, f := range r.fields {
				if f.t.equal(t) {
					ps = append(ps, pair{r, f.name})
				}
			}
		}
		if len(ps) == 0 {
			return "", false
		}
		p := ps[g.r.IntN(len(ps))]
		return g.expr(&typ{kind: kRecord, rec: p.r}, d, true) + "." + p.f, true
	case 5:
		return g.literal(t, d+1, det), true
	}
	return g.typed(t, d, det)
}

// someArm is the binding (of type u) and the body (of type t) of a
// match's some arm. Unless the config allows unused bindings, the body
// uses the binding; ok is false when it cannot.
func (g *gen) someArm(u, t *typ, d int, det bool) (bind, arm string, ok bool) {
	mark := g.push()
	defer g.pop(mark)
	if g.cfg.UnusedBindings {
		b := g.declare(u, false)
		return b.name, g.expr(t, d, det), true
	}
	b := g.declareFresh(u, false)
	arm = g.expr(t, d, det)
	if regexp.MustCompile(`\b` + b.name + `\b`).MatchString(arm) {
		return b.name, arm, true
	}
	if u.equal(t) {
		return b.name, b.name, true
	}
	return "", "", false
}

func (g *gen) args(ps []*typ, d int) string {
	as := make([]string, len(ps))
	for i, p := range ps {
		as[i] = g.expr(p, d, false)
	}
	return strings.Join(as, ", ")
}

// typed is a form particular to t's kind: an operator or a built-in.
func (g *gen) typed(t *typ, d int, det bool) (string, bool) {
	switch t.kind {
	case kInt:
		switch g.r.IntN(9) {
		case 6:
			return "indexOf(" + g.expr(tString, d, true) + ", " + g.expr(tString, d, true) + ")", true
		case 7:
			if g.chance(0.3) {
				return "abs(" + g.expr(tInt, d, true) + ")", true
			}
			return g.pick([]string{"min(", "max("}) + g.expr(tInt, d, true) + ", " + g.expr(tInt, d, true) + ")", true
		case 8:
			return g.pick([]string{"round(", "floor(", "ceil("}) + g.roundFloat(d) + ")", true
		case 0, 1:
			op := g.pick([]string{"+", "-", "*", "/", "%", "+", "-"})
			return "(" + g.expr(tInt, d, true) + " " + op + " " + g.expr(tInt, d, true) + ")", true
		case 2:
			return "(-" + g.expr(tInt, d, true) + ")", true
		case 3:
			return g.pick([]string{"len(" + g.expr(tString, d, true) + ")", "length(" + g.expr(listOf(g.typ(1, false)), d, true) + ")"}), true
		case 4:
			return "toInt(" + g.operand(tFloat, d) + ")", true
		default:
			return fmt.Sprintf("match toInt(%s) { some(n) => n, none => %s }", g.expr(tString, d, true), g.expr(tInt, d, true)), true
		}
	case kFloat:
		switch g.r.IntN(6) {
		case 5:
			if g.chance(0.3) {
				return "abs(" + g.operand(tFloat, d) + ")", true
			}
			return g.pick([]string{"min(", "max("}) + g.operand(tFloat, d) + ", " + g.operand(tFloat, d) + ")", true
		case 0, 1:
			ops := []string{"+", "-", "*", "/"}
			if g.cfg.FloatMod {
				ops = append(ops, "%")
			}
			return "(" + g.operand(tFloat, d) + " " + g.pick(ops) + " " + g.operand(tFloat, d) + ")", true
		case 2:
			return "(-" + g.operand(tFloat, d) + ")", true
		case 3:
			x := g.expr(tInt, d, true)
			if !g.cfg.FloatConstants && isLiteral(x) {
				x = g.pre + "in(" + x + ")"
			}
			return "toFloat(" + x + ")", true
		default:
			return fmt.Sprintf("match toFloat(%s) { some(f) => f, none => %s }", g.expr(tString, d, true), g.expr(tFloat, d, true)), true
		}
	case kBool:
		switch g.r.IntN(6) {
		case 5:
			return g.pick([]string{"startsWith(", "endsWith("}) + g.expr(tString, d, true) + ", " + g.expr(tString, d, true) + ")", true
		case 0:
			u := g.pick([]string{"int", "float", "string"})
			ut := map[string]*typ{"int": tInt, "float": tFloat, "string": tString}[u]
			return "(" + g.operand(ut, d) + " " + g.pick([]string{"<", "<=", ">", ">="}) + " " + g.operand(ut, d) + ")", true
		case 1:
			u := g.typ(2, false)
			return "(" + g.operand(u, d) + " " + g.pick([]string{"==", "!="}) + " " + g.operand(u, d) + ")", true
		case 2:
			return "(" + g.expr(tBool, d, true) + " " + g.pick([]string{"&&", "||"}) + " " + g.expr(tBool, d, true) + ")", true
		case 3:
			return "!" + g.expr(tBool, d, true), true
		default:
			if g.chance(0.5) {
				return "contains(" + g.expr(tString, d, true) + ", " + g.expr(tString, d, true) + ")", true
			}
			u := g.typ(1, false)
			return "contains(" + g.expr(listOf(u), d, true) + ", " + g.expr(u, d, true) + ")", true
		}
	case kString:
		switch g.r.IntN(8) {
		case 4:
			x := g.expr(tString, d, true)
			if g.chance(0.5) {
				x = g.pick(caseLits)
				if g.chance(0.3) {
					x = "(" + x + " + " + g.expr(tString, d, true) + ")"
				}
			}
			return g.pick([]string{"lower(", "upper(", "trim("}) + x + ")", true
		case 5:
			switch g.r.IntN(3) {
			case 0:
				return fmt.Sprintf("substring(%s, %s, %s)", g.expr(tString, d, true), g.pick(indexes), g.pick(indexes)), true
			case 1:
				return fmt.Sprintf("replace(%s, %s, %s)", g.expr(tString, d, true), g.expr(tString, d, true), g.expr(tString, d, true)), true
			}
			return fmt.Sprintf("fixed(%s, %s)", g.roundFloat(d), g.pick(digits)), true
		case 6:
			if g.chance(0.5) {
				return fmt.Sprintf("repeat(%s, %s)", g.expr(tString, d, true), g.count()), true
			}
			return fmt.Sprintf("padStart(%s, %s, %s)", g.expr(tString, d, true), g.count(), g.expr(tString, d, true)), true
		case 0:
			return "(" + g.expr(tString, d, true) + " + " + g.expr(tString, d, true) + ")", true
		case 1:
			u := []*typ{tInt, tFloat, tBool, tString}[g.r.IntN(4)]
			return "str(" + g.operand(u, d) + ")", true
		case 2:
			return "join(" + g.expr(listOf(tString), d, true) + ", " + g.expr(tString, d, true) + ")", true
		default:
			u := g.shownType()
			return g.show(u, g.expr(u, d, true)), true
		}
	case kOption:
		switch {
		case t.elem.kind == kInt && g.chance(0.5):
			return "toInt(" + g.expr(tString, d, true) + ")", true
		case t.elem.kind == kFloat && g.chance(0.5):
			return "toFloat(" + g.expr(tString, d, true) + ")", true
		}
		return "some(" + g.expr(t.elem, d, det) + ")", true
	case kList:
		if t.elem.kind == kString && g.chance(0.4) {
			return "split(" + g.expr(tString, d, true) + ", " + g.expr(tString, d, true) + ")", true
		}
		if g.chance(0.4) {
			return g.listBuiltin(t, d)
		}
		return "append(" + g.expr(t, d, true) + ", " + g.expr(t.elem, d, true) + ")", true
	case kFunc:
		return g.lambda(t), true
	}
	return "", false
}

// listBuiltin is a list of type t made by map, filter, sort, reverse or
// range. The functions passed are lambdas (whose bodies may have effects
// and call function values, which makes them wait on the client), or
// functions in scope or written before.
func (g *gen) listBuiltin(t *typ, d int) (string, bool) {
	switch g.r.IntN(5) {
	case 0:
		a := g.typ(1, false)
		return fmt.Sprintf("map(%s, %s)", g.expr(listOf(a), d, true), g.function1(&typ{kind: kFunc, params: []*typ{a}, result: t.elem})), true
	case 1:
		return fmt.Sprintf("filter(%s, %s)", g.expr(t, d, true), g.function1(&typ{kind: kFunc, params: []*typ{t.elem}, result: tBool})), true
	case 2:
		less := &typ{kind: kFunc, params: []*typ{t.elem, t.elem}, result: tBool}
		f := ""
		if k := t.elem.kind; (k == kInt || k == kFloat || k == kString) && g.chance(0.5) {
			// A less that is a strict order (but NaN) and one that is not.
			f = fmt.Sprintf("fun(a: %s, b: %s): bool { return a %s b }", t.elem, t.elem, g.pick([]string{"<", ">", "<="}))
		} else {
			f = g.function1(less)
		}
		return fmt.Sprintf("sort(%s, %s)", g.expr(t, d, true), f), true
	case 3:
		if t.elem.kind == kInt && !g.shadowed("range") {
			a, b := g.pick(indexes), g.count()
			if g.chance(0.5) {
				a, b = g.count(), g.pick(indexes)
			}
			return fmt.Sprintf("range(%s, %s)", a, b), true
		}
	}
	return "reverse(" + g.expr(t, d, true) + ")", true
}

// shadowed reports whether a variable in scope hides a built-in (range
// is one of the odd names).
func (g *gen) shadowed(name string) bool {
	for _, v := range g.scope {
		if v.name == name {
			return true
		}
	}
	return false
}

// function1 is a function of type t to pass to a built-in: a lambda, or
// a function value in scope or a function written before of that type.
func (g *gen) function1(t *typ) string {
	if g.chance(0.25) {
		var names []string
		for _, v := range g.visible() {
			if v.t.equal(t) {
				names = append(names, v.name)
			}
		}
		for _, f := range g.funcs {
			if (&typ{kind: kFunc, params: f.params, result: f.result}).equal(t) {
				names = append(names, f.name)
			}
		}
		if len(names) > 0 {
			return g.pick(names)
		}
	}
	return g.lambda(t)
}

// show is an expression of type string that shows x, an expression of
// type t, through a function made once per type.
func (g *gen) show(t *typ, x string) string {
	name, ok := g.shows[t.key()]
	if !ok {
		name = g.pre + "show_" + t.key()
		g.shows[t.key()] = name
		var body string
		switch t.kind {
		case kInt, kBool:
			body = "return str(x)"
		case kString:
			body = `return "\"" + x + "\""`
		case kFloat:
			// str(-0.0) is "0": tell it by the sign of 1 / x.
			body = `if x == 0.0 { if 1.0 / x < 0.0 { return "-0" } }
  return str(x)`
		case kOption:
			body = fmt.Sprintf(`return match x { some(v) => "some(" + %s + ")", none => "none" }`, g.show(t.elem, "v"))
		case kList:
			body = fmt.Sprintf(`var s = "["
  var first = true
  for e in x {
    if !first { s = s + ", " }
    first = false
    s = s + %s
  }
  return s + "]"`, g.show(t.elem, "e"))
		case kRecord:
			var parts []string
			for _, f := range t.rec.fields {
				parts = append(parts, fmt.Sprintf(`"%s: " + %s`, f.name, g.show(f.t, "x."+f.name)))
			}
			body = `return "{" + ` + strings.Join(parts, ` + ", " + `) + ` + "}"`
		}
		g.decls = append(g.decls, fmt.Sprintf("fun %s(x: %s): string {\n  %s\n}\n", name, t, body))
	}
	return name + "(" + x + ")"
}
