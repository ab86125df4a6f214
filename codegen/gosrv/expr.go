package gosrv

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/prog-lang/prog/codegen/internal/cg"
	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/lang/check"
	"github.com/prog-lang/prog/lang/types"
)

func (g *gen) exprs(xs []ast.Expr) []string { return cg.Exprs(xs, g.expr) }

func (g *gen) expr(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.IntLit:
		return strconv.FormatInt(e.Value, 10)
	case *ast.FloatLit:
		return g.float(e.Value)
	case *ast.StringLit:
		return strconv.Quote(e.Value)
	case *ast.BoolLit:
		return strconv.FormatBool(e.Value)
	case *ast.NoneLit:
		return g.typ(g.info.TypeOf(e)) + "{}"
	case *ast.SomeExpr:
		return fmt.Sprintf("rt.Some[%s](%s)", g.typ(g.info.TypeOf(e.X)), g.expr(e.X))
	case *ast.ListLit:
		return g.typ(g.info.TypeOf(e)) + "{" + strings.Join(g.exprs(e.Elems), ", ") + "}"
	case *ast.RecordLit:
		rec := g.recs.of(types.Unalias(g.info.TypeOf(e)).(*types.Record))
		var parts []string
		for _, f := range e.Fields {
			parts = append(parts, rec.goName[f.Name.Name]+": "+g.expr(f.Value))
		}
		return rec.name + "{" + strings.Join(parts, ", ") + "}"
	case *ast.Ident:
		return g.ident(e)
	case *ast.ParenExpr:
		return "(" + g.expr(e.X) + ")"
	case *ast.FieldExpr:
		rec := g.recs.of(types.Unalias(g.info.TypeOf(e.X)).(*types.Record))
		return g.expr(e.X) + "." + rec.goName[e.Name.Name]
	case *ast.IndexExpr:
		return fmt.Sprintf("rt.Index(%s, %s)", g.expr(e.X), g.expr(e.Index))
	case *ast.UnaryExpr:
		if e.Op == "-" && types.Unalias(g.info.TypeOf(e)) == types.Int {
			return "rt.Neg(" + g.expr(e.X) + ")"
		}
		return e.Op + g.expr(e.X)
	case *ast.BinaryExpr:
		return g.binary(e)
	case *ast.CallExpr:
		return g.call(e)
	case *ast.FuncLit:
		return g.funcLit(e)
	case *ast.MatchExpr:
		return g.match(e)
	case *ast.SelectExpr:
		return g.selectExpr(e)
	case *ast.InsertExpr:
		return fmt.Sprintf("rt.Insert(ctx, %s)", g.sqlArgs(e))
	}
	panic(fmt.Sprintf("gosrv: unexpected expression %T", e))
}

func (g *gen) ident(id *ast.Ident) string {
	obj := g.info.Uses[id]
	switch obj.Kind {
	case check.ColumnObj:
		rec := g.recs.of(g.info.Rows[obj.Table])
		return "row." + rec.goName[id.Name]
	case check.FuncObj:
		// A function as a value: a closure over the call's ctx.
		ft := obj.Type.(*types.Func)
		var ps, args []string
		for i, p := range ft.Params {
			ps = append(ps, fmt.Sprintf("p%d %s", i, g.typ(p)))
			args = append(args, fmt.Sprintf("p%d", i))
		}
		call := fmt.Sprintf("%s(ctx%s)", ident(id.Name), prefixJoin(args))
		if cg.IsUnit(ft.Result) {
			return fmt.Sprintf("func(%s) { %s }", strings.Join(ps, ", "), call)
		}
		return fmt.Sprintf("func(%s)%s { return %s }", strings.Join(ps, ", "), g.result(ft.Result), call)
	}
	return ident(id.Name)
}

// f64Func is written into a program that has float literals. Prog
// computes floats at run time as IEEE doubles on both halves (LANGUAGE.md),
// while Go folds constant expressions exactly and rejects those that
// divide by zero or overflow: a float literal is therefore never a Go
// constant, but the value of a call. (The compiler still folds the call
// away, with float64 arithmetic.)
const f64Func = `// f64 makes a float literal a float64 value, so that Go's exact constant
// arithmetic never applies: Prog computes floats at run time.
func f64(f float64) float64 { return f }

`

// float is a float value as Go source: a call of f64, never a constant.
func (g *gen) float(f float64) string {
	g.floats = true
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEIN") {
		s += ".0"
	}
	return "f64(" + s + ")"
}

var intOps = map[string]string{"+": "rt.Add", "-": "rt.Sub", "*": "rt.Mul", "/": "rt.Div", "%": "rt.Mod"}

func (g *gen) binary(e *ast.BinaryExpr) string {
	x, y := g.expr(e.X), g.expr(e.Y)
	t := types.Unalias(g.info.TypeOf(e.X))
	if f, ok := intOps[e.Op]; ok && t == types.Int {
		return fmt.Sprintf("%s(%s, %s)", f, x, y)
	}
	if e.Op == "%" && t == types.Float {
		// JavaScript's % on numbers, as math.Mod: the sign of x, NaN for
		// a zero y or an infinite x.
		g.imports["math"] = true
		return fmt.Sprintf("math.Mod(%s, %s)", x, y)
	}
	if (e.Op == "==" || e.Op == "!=") && !cg.IsBasic(t) {
		eq := fmt.Sprintf("rt.Equal(%s, %s)", x, y)
		if e.Op == "!=" {
			return "!" + eq
		}
		return eq
	}
	return x + " " + e.Op + " " + y
}

func (g *gen) funcLit(f *ast.FuncLit) string {
	ft := types.Unalias(g.info.TypeOf(f)).(*types.Func)
	saved := g.out
	var b strings.Builder
	fmt.Fprintf(&b, "func(%s)%s {\n", strings.TrimPrefix(g.paramList(f.Params, ft.Params), ", "), g.result(ft.Result))
	var buf = new(bytesBuffer)
	g.out = &buf.Buffer
	g.paramsBlock(f.Body)
	g.out = saved
	b.Write(buf.Bytes())
	b.WriteString("}")
	return b.String()
}

func (g *gen) match(m *ast.MatchExpr) string {
	some, none := g.info.Matches[m].Some, g.info.Matches[m].None
	// opt is reserved (see goReserved), so it hides no Prog name the arms use.
	bind := ""
	if g.info.Defs[some.Bind].Used {
		bind = lineDirective(some.Bind.Pos) + ident(some.Bind.Name) + " := opt.V\n"
	}
	return fmt.Sprintf("func() %s {\n%sif opt := %s; opt.Some {\n%s%sreturn %s\n}\n%sreturn %s\n}()",
		g.typ(g.info.TypeOf(m)), lineDirective(m.X.Position()), headerSafe(g.expr(m.X)),
		bind, lineDirective(some.Body.Position()), g.expr(some.Body),
		lineDirective(none.Body.Position()), g.expr(none.Body))
}

func (g *gen) call(c *ast.CallExpr) string {
	if _, ok := g.queries[c]; ok { // length(select …), counted in the database
		return fmt.Sprintf("rt.Count(ctx, %s)", g.sqlArgs(c))
	}
	args := g.exprs(c.Args)
	if b, ok := g.info.Builtins[c]; ok {
		return g.builtin(c, b, args)
	}
	if id, ok := c.Fun.(*ast.Ident); ok && g.info.Uses[id].Kind == check.FuncObj {
		return fmt.Sprintf("%s(ctx%s)", ident(id.Name), prefixJoin(args))
	}
	return fmt.Sprintf("%s(%s)", g.expr(c.Fun), strings.Join(args, ", "))
}

// builtin is a call of a built-in. Where it has overloads, the one the
// checker chose says which code to write: by the type of its first
// parameter.
func (g *gen) builtin(c *ast.CallExpr, b check.BuiltinCall, a []string) string {
	first := func() types.Type { return b.Overload.Params[0] }
	switch b.Builtin.Name {
	case "self":
		return "ctx.Self()"
	case "channel":
		return fmt.Sprintf("rt.NewChan[%s](ctx)", g.typ(types.Unalias(g.info.TypeOf(c)).(*types.Channel).Elem))
	case "send":
		return fmt.Sprintf("rt.Send(ctx, %s, %s)", a[0], a[1])
	case "now":
		return "rt.Now()"
	case "log":
		return "ctx.Log(" + a[0] + ")"
	case "len":
		return "rt.Len(" + a[0] + ")"
	case "length":
		return "int64(len(" + a[0] + "))"
	case "str":
		switch first() {
		case types.Int:
			return "rt.StrInt(" + a[0] + ")"
		case types.Float:
			return "rt.FormatFloat(" + a[0] + ")"
		case types.Bool:
			return "rt.StrBool(" + a[0] + ")"
		}
		return a[0]
	case "toInt":
		if first() == types.String {
			return "rt.ParseInt(" + a[0] + ")"
		}
		return "rt.Trunc(" + a[0] + ")"
	case "toFloat":
		if first() == types.String {
			return "rt.ParseFloat(" + a[0] + ")"
		}
		if lit, ok := unparen(c.Args[0]).(*ast.IntLit); ok {
			// float64(1) would be a Go constant: see float.
			return g.float(float64(lit.Value))
		}
		return "float64(" + a[0] + ")"
	case "split":
		return fmt.Sprintf("rt.Split(%s, %s)", a[0], a[1])
	case "join":
		return fmt.Sprintf("rt.Join(%s, %s)", a[0], a[1])
	case "contains":
		if first() == types.String {
			return fmt.Sprintf("rt.ContainsString(%s, %s)", a[0], a[1])
		}
		return fmt.Sprintf("rt.Contains(%s, %s)", a[0], a[1])
	case "append":
		return fmt.Sprintf("rt.Append(%s, %s)", a[0], a[1])
	case "abs", "min", "max":
		// rt.AbsInt, rt.MinFloat, …: by the overload's first parameter.
		kind := "Int"
		if first() == types.Float {
			kind = "Float"
		}
		return fmt.Sprintf("rt.%s%s(%s)", exported(b.Builtin.Name), kind, strings.Join(a, ", "))
	case "map":
		if ft := types.Unalias(g.info.TypeOf(c.Args[1])).(*types.Func); cg.IsUnit(ft.Result) {
			// A function without a result is a Go func without one.
			return fmt.Sprintf("rt.MapUnit(%s, %s)", a[0], a[1])
		}
		return fmt.Sprintf("rt.Map(%s, %s)", a[0], a[1])
	case "lower", "upper", "trim", "substring", "startsWith", "endsWith", "indexOf", "replace", "repeat",
		"padStart", "fixed", "round", "floor", "ceil", "filter", "sort", "range", "reverse":
		return fmt.Sprintf("rt.%s(%s)", exported(b.Builtin.Name), strings.Join(a, ", "))
	}
	// Client-only built-ins never reach the server: the split sees to it.
	panic("gosrv: built-in " + b.Builtin.Name + " on the server")
}

type bytesBuffer struct{ bytes.Buffer }

// unparen returns e without the parentheses around it.
func unparen(e ast.Expr) ast.Expr {
	for {
		p, ok := e.(*ast.ParenExpr)
		if !ok {
			return e
		}
		e = p.X
	}
}
