package jsclient

import (
	"fmt"
	"strconv"

	"github.com/prog-lang/prog/codegen/internal/cg"
	"github.com/prog-lang/prog/codegen/jsclient/js"
	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/lang/check"
	"github.com/prog-lang/prog/lang/types"
)

func (g *gen) exprs(xs []ast.Expr) []js.Expr {
	out := make([]js.Expr, len(xs))
	for i, x := range xs {
		out[i] = g.expr(x)
	}
	return out
}

var intOps = map[string]string{"+": "iadd", "-": "isub", "*": "imul", "/": "idiv", "%": "imod"}

func (g *gen) expr(e ast.Expr) js.Expr {
	loc := g.at(e.Position())
	switch e := e.(type) {
	case *ast.IntLit:
		return &js.Lit{Loc: loc, Text: strconv.FormatInt(e.Value, 10) + "n"}
	case *ast.FloatLit:
		return &js.Lit{Loc: loc, Text: strconv.FormatFloat(e.Value, 'g', -1, 64)}
	case *ast.StringLit:
		return &js.Str{Loc: loc, Value: e.Value}
	case *ast.BoolLit:
		return &js.Lit{Loc: loc, Text: strconv.FormatBool(e.Value)}
	case *ast.NoneLit:
		return &js.Lit{Loc: loc, Text: "null"}
	case *ast.SomeExpr:
		if boxed(g.info.TypeOf(e.X)) {
			return &js.Array{Loc: loc, Elems: []js.Expr{g.expr(e.X)}}
		}
		return g.expr(e.X)
	case *ast.ListLit:
		return &js.Array{Loc: loc, Elems: g.exprs(e.Elems)}
	case *ast.RecordLit:
		o := &js.Object{Loc: loc}
		for _, f := range e.Fields {
			o.Props = append(o.Props, js.Prop{Key: f.Name.Name, Value: g.expr(f.Value)})
		}
		return o
	case *ast.Ident:
		return g.ident(e)
	case *ast.ParenExpr:
		return g.expr(e.X) // the printer puts parentheses where they are needed
	case *ast.FieldExpr:
		return &js.Dot{Loc: loc, X: g.expr(e.X), Name: e.Name.Name}
	case *ast.IndexExpr:
		return &js.Call{Loc: loc, Fun: rt("index"), Args: []js.Expr{g.expr(e.X), g.expr(e.Index)}}
	case *ast.UnaryExpr:
		if e.Op == "-" && types.Unalias(g.info.TypeOf(e)) == types.Int {
			return &js.Call{Loc: loc, Fun: rt("ineg"), Args: []js.Expr{g.expr(e.X)}}
		}
		return &js.Unary{Loc: loc, Op: e.Op, X: g.expr(e.X)}
	case *ast.BinaryExpr:
		return g.binary(e)
	case *ast.CallExpr:
		return g.call(e)
	case *ast.FuncLit:
		return g.funcLit(e)
	case *ast.MatchExpr:
		return g.match(e)
	case *ast.ElementLit, *ast.FragmentLit:
		return g.literal(e)
	}
	return call(rt("fail"), &js.Str{Value: fmt.Sprintf("%T on the client", e)})
}

func (g *gen) binary(e *ast.BinaryExpr) js.Expr {
	loc := g.at(e.Pos)
	x, y := g.expr(e.X), g.expr(e.Y)
	t := types.Unalias(g.info.TypeOf(e.X))
	if f, ok := intOps[e.Op]; ok && t == types.Int {
		return &js.Call{Loc: loc, Fun: rt(f), Args: []js.Expr{x, y}}
	}
	switch e.Op {
	case "==", "!=":
		if cg.IsBasic(t) {
			return &js.Binary{Loc: loc, Op: e.Op + "=", X: x, Y: y}
		}
		eq := &js.Call{Loc: loc, Fun: rt("eq"), Args: []js.Expr{x, y}}
		if e.Op == "!=" {
			return &js.Unary{Loc: loc, Op: "!", X: eq}
		}
		return eq
	case "<", "<=", ">", ">=":
		if t == types.String {
			// By code point, as on the server: $.compare(x, y) < 0.
			return &js.Binary{Loc: loc, Op: e.Op, X: &js.Call{Loc: loc, Fun: rt("compare"), Args: []js.Expr{x, y}}, Y: &js.Lit{Text: "0"}}
		}
	}
	return &js.Binary{Loc: loc, Op: e.Op, X: x, Y: y}
}

func (g *gen) ident(id *ast.Ident) js.Expr {
	loc := g.at(id.Pos)
	obj := g.info.ObjectOf(id) // main's name, or a use
	if src, ok := g.rowVars[obj]; ok {
		return &js.Call{Loc: loc, Fun: rt("get"), Args: []js.Expr{&js.Name{Name: src}}}
	}
	if obj.Kind != check.FuncObj {
		return &js.Name{Loc: loc, Name: g.names[obj]}
	}
	d := obj.Func
	if g.split.RemoteAt(id) != nil {
		// A function that makes the remote call.
		return &js.Call{Loc: loc, Fun: rt("remote"), Args: []js.Expr{&js.Str{Value: d.Name.Name}, g.decoder(g.info.Signature(d).Result)}}
	}
	return &js.Name{Loc: loc, Name: g.funcNames[d]}
}

func (g *gen) funcLit(f *ast.FuncLit) js.Expr {
	g.push()
	defer g.pop()
	params := g.params(f.Params)
	return &js.Arrow{Loc: g.at(f.Pos), Async: g.split.Waits(f), Params: params, Body: g.block(f.Body)}
}

// match is a conditional expression that binds the some arm's name, which
// the statement around it declares:
//
//	(v = x) !== null ? some : none
//
// or, where some(v) is boxed as [v], (v = x) !== null ? (v = v[0], some) : none.
func (g *gen) match(m *ast.MatchExpr) js.Expr {
	loc := g.at(m.Pos)
	some, none := g.info.Matches[m].Some, g.info.Matches[m].None
	x := g.expr(m.X)
	noneBody := g.expr(none.Body)
	v := g.declare(some.Bind)
	*g.hoisted = append(*g.hoisted, v)
	bind := func() js.Expr { return &js.Name{Loc: g.at(some.Bind.Pos), Name: v} }
	someBody := g.expr(some.Body)
	if opt, ok := types.Unalias(g.info.TypeOf(m.X)).(*types.Option); ok && boxed(opt.Elem) {
		unbox := &js.Assign{Target: bind(), Value: &js.Index{X: bind(), Index: &js.Lit{Text: "0"}}}
		someBody = &js.Seq{List: []js.Expr{unbox, someBody}}
	}
	test := &js.Binary{Loc: loc, Op: "!==", X: &js.Assign{Target: bind(), Value: x}, Y: &js.Lit{Text: "null"}}
	return &js.Cond{Loc: loc, Test: test, Yes: someBody, No: noneBody}
}

func awaited(loc js.Loc, x js.Expr) js.Expr { return &js.Await{Loc: loc, X: x} }

// call is a call, awaited where the split says it waits.
func (g *gen) call(c *ast.CallExpr) js.Expr {
	x := g.call1(c)
	if g.split.Awaits(c) {
		return awaited(g.at(c.Pos), x)
	}
	return x
}

func (g *gen) call1(c *ast.CallExpr) js.Expr { return g.callWith(c, nil, g.exprs(c.Args)) }

// callWith is the call c with the given argument values; fun, when not
// nil, is the function value to call where c calls through one.
func (g *gen) callWith(c *ast.CallExpr, fun js.Expr, args []js.Expr) js.Expr {
	loc := g.at(c.Pos)
	if b, ok := g.info.Builtins[c]; ok {
		return g.builtin(c, b, loc, args)
	}
	if g.isFuncCall(c) {
		d := g.info.Uses[c.Fun.(*ast.Ident)].Func
		if g.split.RemoteAt(c) != nil {
			return &js.Call{Loc: loc, Fun: rt("call"),
				Args: []js.Expr{&js.Str{Value: d.Name.Name}, &js.Array{Elems: args}, g.decoder(g.info.Signature(d).Result)}}
		}
		return &js.Call{Loc: loc, Fun: &js.Name{Loc: loc, Name: g.funcNames[d]}, Args: args}
	}
	if fun == nil {
		fun = g.expr(c.Fun)
	}
	return &js.Call{Loc: loc, Fun: fun, Args: args}
}

// spawn is `spawn f(a, b)`. As Go's go statement does, it evaluates the
// function value and the arguments at once, and makes the call later:
// $.spawn(async ($a0, $a1) => f($a0, $a1), a, b). ($ names are never
// Prog names.)
func (g *gen) spawn(loc js.Loc, c *ast.CallExpr) js.Expr {
	vals := g.exprs(c.Args)
	var params []string
	var args []js.Expr
	for i := range vals {
		params = append(params, fmt.Sprintf("$a%d", i))
		args = append(args, &js.Name{Name: params[i]})
	}
	var fun js.Expr
	if _, ok := g.info.Builtins[c]; !ok && !g.isFuncCall(c) {
		params = append(params, "$f")
		vals = append(vals, g.expr(c.Fun))
		fun = &js.Name{Name: "$f"}
	}
	return call(rt("spawn"), append([]js.Expr{&js.Arrow{Loc: loc, Async: true, Params: params, Expr: g.callWith(c, fun, args)}}, vals...)...)
}

// builtin is a call of a built-in. Where it has overloads, the one the
// checker chose says which code to write: by the type of its first
// parameter.
func (g *gen) builtin(c *ast.CallExpr, b check.BuiltinCall, loc js.Loc, a []js.Expr) js.Expr {
	first := func() types.Type { return b.Overload.Params[0] }
	named := func(f string) js.Expr { return &js.Call{Loc: loc, Fun: rt(f), Args: a} }
	global := func(f string) js.Expr { return &js.Call{Loc: loc, Fun: &js.Name{Name: f}, Args: a} }
	switch name := b.Builtin.Name; name {
	case "recv":
		return &js.Call{Loc: loc, Fun: rt("recv"), Args: []js.Expr{a[0], g.decoder(g.info.TypeOf(c))}}
	case "str":
		switch first() {
		case types.Float:
			return named("strFloat")
		case types.String:
			return a[0]
		}
		return global("String")
	case "toInt":
		if first() == types.String {
			return named("parseInt")
		}
		return named("trunc")
	case "toFloat":
		if first() == types.String {
			return named("parseFloat")
		}
		return global("Number")
	case "contains":
		if first() == types.String {
			return &js.Call{Loc: loc, Fun: &js.Dot{X: a[0], Name: "includes"}, Args: a[1:]}
		}
		return named("contains")
	case "abs", "min", "max":
		// $.absInt, $.minFloat, …: by the overload's first parameter.
		if first() == types.Float {
			return named(name + "Float")
		}
		return named(name + "Int")
	case "map", "filter", "sort":
		// Where the function may wait, the call waits (the split says so)
		// and each call of the function is awaited in turn.
		if g.split.Awaits(c) {
			return named(name + "Async")
		}
		return named(name)
	default:
		return named(name)
	}
}
