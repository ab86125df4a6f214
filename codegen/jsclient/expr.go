package jsclient

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/prog-lang/prog/codegen/internal/cg"
	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/lang/types"
	"github.com/prog-lang/prog/stdlib"
)

func (g *gen) exprs(xs []ast.Expr) []string { return cg.Exprs(xs, g.expr) }

var intOps = map[string]string{"+": "$.iadd", "-": "$.isub", "*": "$.imul", "/": "$.idiv", "%": "$.imod"}

func (g *gen) expr(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.IntLit:
		return strconv.FormatInt(e.Value, 10) + "n"
	case *ast.FloatLit:
		return strconv.FormatFloat(e.Value, 'g', -1, 64)
	case *ast.StringLit:
		b, _ := jsonString(e.Value)
		return b
	case *ast.BoolLit:
		return strconv.FormatBool(e.Value)
	case *ast.NoneLit:
		return "null"
	case *ast.SomeExpr:
		return g.expr(e.X)
	case *ast.ListLit:
		return "[" + strings.Join(g.exprs(e.Elems), ", ") + "]"
	case *ast.RecordLit:
		var parts []string
		for _, f := range e.Fields {
			parts = append(parts, f.Name.Name+": "+g.expr(f.Value))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case *ast.Ident:
		return g.ident(e)
	case *ast.ParenExpr:
		return "(" + g.expr(e.X) + ")"
	case *ast.FieldExpr:
		return g.expr(e.X) + "." + e.Name.Name
	case *ast.IndexExpr:
		return "$.index(" + g.expr(e.X) + ", " + g.expr(e.Index) + ")"
	case *ast.UnaryExpr:
		if e.Op == "-" && types.Unalias(e.Type()) == types.Int {
			return "$.ineg(" + g.expr(e.X) + ")"
		}
		return e.Op + g.expr(e.X)
	case *ast.BinaryExpr:
		x, y := g.expr(e.X), g.expr(e.Y)
		t := types.Unalias(e.X.Type())
		if f, ok := intOps[e.Op]; ok && t == types.Int {
			return f + "(" + x + ", " + y + ")"
		}
		switch e.Op {
		case "==", "!=":
			if !cg.IsBasic(t) {
				eq := "$.eq(" + x + ", " + y + ")"
				if e.Op == "!=" {
					return "!" + eq
				}
				return eq
			}
			return x + " " + e.Op + "= " + y
		}
		return x + " " + e.Op + " " + y
	case *ast.CallExpr:
		return g.call(e)
	case *ast.FuncLit:
		return g.funcLit(e)
	case *ast.MatchExpr:
		return g.match(e)
	}
	return fmt.Sprintf("$.fail(%q)", fmt.Sprintf("%T on the client", e))
}

func (g *gen) ident(id *ast.Ident) string {
	if id.Obj.Kind != ast.FuncObj {
		return g.local(id)
	}
	d := id.Obj.Func
	if g.loc[d] == stdlib.Server {
		// A stub that makes the remote call.
		return fmt.Sprintf("((...a) => $.call(%q, a, %s))", d.Name.Name, g.decoder(d.Type.Result))
	}
	return fnName(d.Name.Name)
}

func (g *gen) funcLit(f *ast.FuncLit) string {
	var ps []string
	for _, p := range f.Params {
		ps = append(ps, g.local(p.Name))
	}
	kw := ""
	if g.waits(f) {
		kw = "async "
	}
	// The body goes on lines of its own, then is joined back: a lambda is
	// an expression.
	saved, savedPos, savedIndent := g.lines, g.pos, g.indent
	g.lines, g.pos, g.indent = nil, nil, 0
	g.body(kw+"("+strings.Join(ps, ", ")+") => {", f.Pos, f.Body)
	text := strings.Join(g.lines, " ")
	g.lines, g.pos, g.indent = saved, savedPos, savedIndent
	return "(" + text + ")"
}

func (g *gen) match(m *ast.MatchExpr) string {
	var some, none *ast.MatchArm
	for _, a := range m.Arms {
		if a.Some {
			some = a
		} else {
			none = a
		}
	}
	g.temps++
	t := "$m" + strconv.Itoa(g.temps)
	v := g.local(some.Bind) + "$" + strconv.Itoa(g.temps)
	g.names[some.Bind.Obj] = v
	g.hoist = append(g.hoist, t, v)
	return fmt.Sprintf("((%s = %s) !== null ? (%s = %s, %s) : %s)", t, g.expr(m.X), v, t, g.expr(some.Body), g.expr(none.Body))
}

func (g *gen) call(c *ast.CallExpr) string {
	args := g.exprs(c.Args)
	if c.Builtin != nil {
		return g.builtin(c, args)
	}
	if id, ok := c.Fun.(*ast.Ident); ok && id.Obj.Kind == ast.FuncObj {
		d := id.Obj.Func
		if g.loc[d] == stdlib.Server {
			return fmt.Sprintf("(await $.call(%q, [%s], %s))", d.Name.Name, strings.Join(args, ", "), g.decoder(d.Type.Result))
		}
		call := fnName(d.Name.Name) + "(" + strings.Join(args, ", ") + ")"
		if g.async[d] {
			return "(await " + call + ")"
		}
		return call
	}
	return "(await " + g.expr(c.Fun) + "(" + strings.Join(args, ", ") + "))"
}

func (g *gen) builtin(c *ast.CallExpr, a []string) string {
	argT := func(i int) types.Type { return types.Unalias(c.Args[i].Type()) }
	call := func(f string) string { return "$." + f + "(" + strings.Join(a, ", ") + ")" }
	switch name := c.Builtin.Name; name {
	case "recv":
		return "(await $.recv(" + a[0] + ", " + g.decoder(c.Type()) + "))"
	case "sleep":
		return "(await " + call("sleep") + ")"
	case "str":
		switch argT(0) {
		case types.Float:
			return call("strFloat")
		case types.String:
			return a[0]
		}
		return "String(" + a[0] + ")"
	case "toInt":
		if argT(0) == types.String {
			return call("parseInt")
		}
		return call("trunc")
	case "toFloat":
		if argT(0) == types.String {
			return call("parseFloat")
		}
		return "Number(" + a[0] + ")"
	case "contains":
		if argT(0) == types.String {
			return a[0] + ".includes(" + a[1] + ")"
		}
		return call("contains")
	default:
		return call(name)
	}
}
