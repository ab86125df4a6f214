// Package progfuzz writes random well-typed Prog programs for the
// differential tester (issue 13): programs whose functions have no side,
// so that the split compiles each into both halves, and whose result is
// a string that must be the same on the server (Go) and in the browser
// (JavaScript).
//
// Generation is type-directed: to make an expression of a type, the
// generator picks a form that yields that type (a literal, a variable in
// scope, an operator, a call of a function made earlier, a closure, a
// match, a field, an index) and makes its operands the same way, with a
// depth budget that ends in leaves. Functions call only functions written
// before them, and every loop is bounded (a while runs a counter up to at
// most 3, a for walks a list), so every program ends. What a program
// computes is observable: its main function returns a text that shows
// each of its top-level variables and a final expression, with a show
// function per type that tells -0 from 0 and none from some(none).
//
// Runtime errors (int overflow, division by zero, an index out of range,
// toInt of NaN) are part of what is compared: a program that fails on one
// half must fail on the other.
//
// The same seed always writes the same program.
package progfuzz

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Config selects the forms the generator may write.
type Config struct {
	// FloatConstants lets float operators take literal operands
	// (0.1 + 0.2, -0.0, 1.0 / 0.0), which a server half that folds
	// constants computes exactly instead of as IEEE doubles.
	FloatConstants bool
	// FloatMod lets % take floats.
	FloatMod bool
	// OddNames uses names that are keywords or predeclared names in Go
	// or JavaScript, or that the generated code uses itself, for
	// variables and record fields.
	OddNames bool
	// UnusedBindings lets a match's some arm leave its binding unused.
	UnusedBindings bool
}

// Program is one generated program: declarations whose names all start
// with its prefix, and its entry function, of type fun(): string.
type Program struct {
	Seed   uint64
	Source string
	Main   string
}

type variable struct {
	name    string
	t       *typ
	mutable bool
	block   int
	counter bool // a loop counter: read, never assigned by generated code
}

type function struct {
	name   string
	params []*typ
	result *typ
}

type gen struct {
	r      *rand.Rand
	cfg    Config
	pre    string
	recs   []*record
	funcs  []*function
	shows  map[string]string
	decls  []string // show functions and helpers, written as needed
	scope  []*variable
	block  int
	loops  int // loops around the statement being written
	ret    *typ
	fresh  int
	budget int // statements left in the function being written
	// lambdas counts the closures being written inside one another. A
	// closure's body may hold more closures; past maxLambdas one is a
	// bare return, or one seed in thousands grew without end.
	lambdas int
}

// maxLambdas bounds closures written inside closures.
const maxLambdas = 2

// Generate writes the program of a seed; every name it declares starts
// with prefix.
func Generate(seed uint64, prefix string, cfg Config) *Program {
	g := &gen{r: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), cfg: cfg, pre: prefix, shows: map[string]string{}}
	g.decls = append(g.decls,
		fmt.Sprintf("fun %sfl(x: float): float { return x }", prefix),
		fmt.Sprintf("fun %sin(x: int): int { return x }", prefix))
	for i := range g.r.IntN(3) {
		rec := &record{name: fmt.Sprintf("%sR%d", prefix, i)}
		used := map[string]bool{}
		for range 1 + g.r.IntN(3) {
			name := g.fieldName()
			if used[name] {
				continue
			}
			used[name] = true
			rec.fields = append(rec.fields, field{name, g.typ(2, false)})
		}
		g.recs = append(g.recs, rec) // after its fields: no record holds itself
	}
	var body []string
	for _, rec := range g.recs {
		var fs []string
		for _, f := range rec.fields {
			fs = append(fs, f.name+": "+f.t.String())
		}
		body = append(body, fmt.Sprintf("type %s = { %s }", rec.name, strings.Join(fs, ", ")))
	}
	for i := range g.r.IntN(4) {
		body = append(body, g.function(fmt.Sprintf("%sf%d", prefix, i)))
	}
	main := prefix + "main"
	body = append(body, g.mainFunction(main))
	src := strings.Join(append(body, g.decls...), "\n") + "\n"
	return &Program{Seed: seed, Source: src, Main: main}
}

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

// typ picks a type, nested at most depth deep; fn allows function types.
func (g *gen) typ(depth int, fn bool) *typ {
	n := 4
	if depth > 0 {
		n = 7
		if fn {
			n = 8
		}
	}
	switch k := g.r.IntN(n); k {
	case 0:
		return tInt
	case 1:
		return tFloat
	case 2:
		return tBool
	case 3:
		return tString
	case 4:
		return optionOf(g.typ(depth-1, fn))
	case 5:
		return listOf(g.typ(depth-1, fn))
	case 6:
		if len(g.recs) > 0 {
			return &typ{kind: kRecord, rec: g.recs[g.r.IntN(len(g.recs))]}
		}
		return tInt
	default:
		t := &typ{kind: kFunc, result: g.typ(depth-1, false)}
		for range g.r.IntN(3) {
			t.params = append(t.params, g.typ(depth-1, false))
		}
		return t
	}
}

// shownType picks a type whose values can be shown.
func (g *gen) shownType() *typ { return g.typ(2, false) }

// ---- scopes and names ----

func (g *gen) push() (mark int) {
	g.block++
	return len(g.scope)
}

func (g *gen) pop(mark int) {
	g.block--
	g.scope = g.scope[:mark]
}

var shortNames = []string{"a", "b", "c", "x", "y", "s", "n", "v"}

// oddNames are words that mean something in the generated Go or
// JavaScript (keywords, predeclared names, names the generators use).
var oddNames = []string{
	"new", "this", "class", "function", "typeof", "void", "yield", "await", "const",
	"default", "switch", "case", "null", "undefined", "NaN", "Infinity", "arguments",
	"eval", "func", "go", "chan", "range", "struct", "interface", "package",
	"import", "defer", "goto", "break", "continue", "nil", "int64", "float64",
	"make", "copy", "error", "ctx", "rt", "constructor", "toString", "valueOf",
	"hasOwnProperty", "prototype", "Object", "Array", "Math", "BigInt", "String",
	"Number", "o", "p0", "a0", "args", "Rec1", "x_", "row", "err", "main",
}

func (g *gen) fieldName() string {
	if g.cfg.OddNames && g.chance(0.3) {
		return oddNames[g.r.IntN(len(oddNames))]
	}
	if g.chance(0.1) {
		return "__proto__"
	}
	return shortNames[g.r.IntN(len(shortNames))]
}

// declare adds a variable to the current block and returns its name: a
// short name (shadowing one of an outer block, often), an odd one, or a
// fresh one.
func (g *gen) declare(t *typ, mutable bool) *variable {
	name := ""
	switch {
	case g.cfg.OddNames && g.chance(0.15):
		name = oddNames[g.r.IntN(len(oddNames))]
	case g.chance(0.6):
		name = shortNames[g.r.IntN(len(shortNames))]
	}
	if name == "" || g.inBlock(name) {
		g.fresh++
		name = fmt.Sprintf("v%d", g.fresh)
	}
	v := &variable{name: name, t: t, mutable: mutable, block: g.block}
	g.scope = append(g.scope, v)
	return v
}

// declareFresh adds a variable with a name no other has.
func (g *gen) declareFresh(t *typ, mutable bool) *variable {
	g.fresh++
	v := &variable{name: fmt.Sprintf("v%d", g.fresh), t: t, mutable: mutable, block: g.block}
	g.scope = append(g.scope, v)
	return v
}

func (g *gen) inBlock(name string) bool {
	for i := len(g.scope) - 1; i >= 0 && g.scope[i].block == g.block; i-- {
		if g.scope[i].name == name {
			return true
		}
	}
	return false
}

// visible returns the variables in scope that shadowing has not hidden.
func (g *gen) visible() []*variable {
	seen := map[string]bool{}
	var out []*variable
	for i := len(g.scope) - 1; i >= 0; i-- {
		v := g.scope[i]
		if !seen[v.name] {
			seen[v.name] = true
			out = append(out, v)
		}
	}
	return out
}

func (g *gen) varsOf(t *typ) []*variable {
	var out []*variable
	for _, v := range g.visible() {
		if v.t.equal(t) {
			out = append(out, v)
		}
	}
	return out
}

// ---- functions ----

func (g *gen) function(name string) string {
	f := &function{name: name, result: g.typ(2, g.chance(0.2))}
	var b strings.Builder
	mark := g.push()
	var ps []string
	for range g.r.IntN(4) {
		t := g.typ(2, g.chance(0.3))
		v := g.declare(t, false)
		f.params = append(f.params, t)
		ps = append(ps, v.name+": "+t.String())
	}
	fmt.Fprintf(&b, "fun %s(%s): %s {\n", name, strings.Join(ps, ", "), f.result)
	g.body(&b, f.result, 2+g.r.IntN(5), 1, func() string { return g.expr(f.result, 3, false) })
	b.WriteString("}\n")
	g.pop(mark)
	g.funcs = append(g.funcs, f) // after its body: no recursion
	return b.String()
}

func (g *gen) mainFunction(name string) string {
	var b strings.Builder
	mark := g.push()
	fmt.Fprintf(&b, "fun %s(): string {\n", name)
	// Probes first: built-ins at the edges where the platforms differ,
	// on literal inputs, so that few fail and their values are shown.
	for range g.r.IntN(4) {
		x := g.probe()
		fmt.Fprintf(&b, "  let %s = %s\n", g.declareFresh(tString, false).name, x)
	}
	g.body(&b, tString, 3+g.r.IntN(6), 1, func() string {
		// Show every variable of the body's top block, then one more
		// expression.
		var parts []string
		for _, v := range g.scope[mark:] {
			if v.block == g.block && !v.t.hasFunc() {
				parts = append(parts, fmt.Sprintf("%q + %s", v.name+"=", g.show(v.t, v.name)))
			}
		}
		t := g.shownType()
		parts = append(parts, g.show(t, g.expr(t, 3, false)))
		return strings.Join(parts, ` + " " + `)
	})
	b.WriteString("}\n")
	g.pop(mark)
	return b.String()
}

// body writes n statements and a final return of last(), at indent.
func (g *gen) body(b *strings.Builder, result *typ, n, indent int, last func() string) {
	saved, savedLoops, savedBudget := g.ret, g.loops, g.budget
	g.ret, g.loops, g.budget = result, 0, 12
	for range n {
		g.stmt(b, indent, 2)
	}
	fmt.Fprintf(b, "%sreturn %s\n", tabs(indent), last())
	g.ret, g.loops, g.budget = saved, savedLoops, savedBudget
}

func tabs(n int) string { return strings.Repeat("  ", n) }

// ---- statements ----

func (g *gen) stmt(b *strings.Builder, indent, depth int) {
	if g.budget <= 0 {
		return
	}
	g.budget--
	in := tabs(indent)
	k := g.r.IntN(20)
	if depth <= 0 && k >= 10 {
		k %= 10
	}
	switch {
	case k < 5: // let or var
		t := g.typ(2, g.chance(0.15))
		mutable := g.chance(0.4)
		annotate := needsAnnotation(t) || g.chance(0.3)
		x := g.expr(t, 3, !annotate)
		kw := "let"
		if mutable {
			kw = "var"
		}
		v := g.declare(t, mutable)
		if annotate {
			fmt.Fprintf(b, "%s%s %s: %s = %s\n", in, kw, v.name, t, x)
		} else {
			fmt.Fprintf(b, "%s%s %s = %s\n", in, kw, v.name, x)
		}
	case k < 9: // assignment
		var vs []*variable
		for _, v := range g.visible() {
			if v.mutable && !v.counter {
				vs = append(vs, v)
			}
		}
		if len(vs) == 0 {
			return
		}
		v := vs[g.r.IntN(len(vs))]
		d := 3
		if g.loops > 0 {
			d = 1 // a value that grows each turn grows slowly
		}
		fmt.Fprintf(b, "%s%s = %s\n", in, v.name, g.expr(v.t, d, false))
	case k < 10: // early return
		fmt.Fprintf(b, "%sif %s { return %s }\n", in, g.expr(tBool, 2, true), g.expr(g.ret, 2, false))
	case k < 13: // if
		fmt.Fprintf(b, "%sif %s {\n", in, g.expr(tBool, 2, true))
		g.block1(b, indent+1, depth-1)
		if g.chance(0.5) {
			fmt.Fprintf(b, "%s} else {\n", in)
			g.block1(b, indent+1, depth-1)
		}
		fmt.Fprintf(b, "%s}\n", in)
	case k < 15 && g.loops < 2: // while, with a counter
		g.fresh++
		c := fmt.Sprintf("i%d", g.fresh)
		fmt.Fprintf(b, "%svar %s = 0\n", in, c)
		g.scope = append(g.scope, &variable{name: c, t: tInt, mutable: true, block: g.block, counter: true})
		fmt.Fprintf(b, "%swhile %s < %d && %s {\n%s  %s = %s + 1\n", in, c, 1+g.r.IntN(3), g.expr(tBool, 1, true), in, c, c)
		g.loops++
		g.block1(b, indent+1, depth-1)
		g.loops--
		fmt.Fprintf(b, "%s}\n", in)
	case k < 17 && g.loops < 2: // for over a list
		t := g.typ(1, g.chance(0.2))
		xs := g.listForLoop(t)
		mark := g.push()
		v := g.declare(t, false)
		fmt.Fprintf(b, "%sfor %s in %s {\n", in, v.name, xs)
		g.loops++
		for range 1 + g.r.IntN(3) {
			g.stmt(b, indent+1, depth-1)
		}
		g.loops--
		g.pop(mark)
		fmt.Fprintf(b, "%s}\n", in)
	case k < 20 && g.loops < 1: // closures made in a loop, called after it
		g.closuresInLoop(b, indent)
	}
}

// listForLoop is a short list to loop over.
func (g *gen) listForLoop(t *typ) string {
	if g.chance(0.5) {
		var xs []string
		for range g.r.IntN(4) {
			xs = append(xs, g.expr(t, 1, true))
		}
		if len(xs) > 0 {
			return "[" + strings.Join(xs, ", ") + "]"
		}
	}
	return g.expr(listOf(t), 2, true)
}

func (g *gen) block1(b *strings.Builder, indent, depth int) {
	mark := g.push()
	for range 1 + g.r.IntN(3) {
		g.stmt(b, indent, depth)
	}
	g.pop(mark)
}

// closuresInLoop writes a loop that makes a closure each turn, capturing
// the loop's variable, a match binding and a let of the turn, and a loop
// that calls them afterwards.
func (g *gen) closuresInLoop(b *strings.Builder, indent int) {
	in := tabs(indent)
	t := g.shownType()
	ft := &typ{kind: kFunc, result: t}
	fs := g.declare(listOf(ft), true)
	fmt.Fprintf(b, "%svar %s: %s = []\n", in, fs.name, listOf(ft))
	fs.counter = true // its elements' type is fixed; keep it out of assignments
	et := g.typ(1, false)
	xs := g.listForLoop(et)
	mark := g.push()
	x := g.declareFresh(et, false)
	fmt.Fprintf(b, "%sfor %s in %s {\n", in, x.name, xs)
	g.loops++
	if g.chance(0.5) {
		o := g.expr(optionOf(et), 1, true)
		if g.chance(0.5) {
			o = "some(" + x.name + ")"
		}
		bind, arm, _ := g.someArm(et, et, 1, false)
		y := g.declareFresh(et, false)
		fmt.Fprintf(b, "%s  let %s: %s = match %s { some(%s) => %s, none => %s }\n", in, y.name, et, o, bind, arm, x.name)
	}
	fmt.Fprintf(b, "%s  %s = append(%s, fun(): %s { return %s })\n", in, fs.name, fs.name, t, g.lambdaBody(t))
	g.loops--
	g.pop(mark)
	fmt.Fprintf(b, "%s}\n", in)
	out := g.declare(tString, true)
	out.counter = true
	f := fmt.Sprintf("f%d", g.fresh)
	g.fresh++
	fmt.Fprintf(b, "%svar %s = \"\"\n%sfor %s in %s { %s = %s + %s }\n", in, out.name, in, f, fs.name, out.name, out.name, g.show(t, f+"()"))
}

// lambdaBody is the expression a closure returns.
func (g *gen) lambdaBody(t *typ) string { return g.expr(t, 2, false) }

// needsAnnotation reports whether a let of type t needs its type written
// (an expression of it may be none or [] alone).
func needsAnnotation(t *typ) bool { return t.kind == kOption || t.kind == kList || t.kind == kFunc }
