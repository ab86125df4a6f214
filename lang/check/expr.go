package check

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/lang/diag"
	"github.com/prog-lang/prog/lang/types"
	"github.com/prog-lang/prog/stdlib"
)

var exprString = ast.ExprString

// expr infers the type of e and returns it. The type is recorded in
// Info.Types when the outermost body is finished (see finish).
func (c *checker) expr(e ast.Expr) types.Type {
	t := c.expr1(e)
	switch e.(type) {
	case *ast.Ident, *ast.IntLit, *ast.FloatLit, *ast.StringLit, *ast.BoolLit:
		// Info.TypeOf knows these without a record (see Info.Types).
		return t
	}
	return c.noteType(e, t)
}

// noteType notes that e has type t, for Info.Types, and returns t.
func (c *checker) noteType(e ast.Expr, t types.Type) types.Type {
	c.fn.exprs = append(c.fn.exprs, typedExpr{e, t})
	return t
}

// assign checks that e has type want; context ends the error message.
func (c *checker) assign(e ast.Expr, want types.Type, context string) {
	t := c.expr(e)
	if !c.u.Unify(t, want) {
		c.errorf(e.Position(), "cannot use %s (%s) as %s %s", exprString(e), t, want, context)
	}
}

func (c *checker) expr1(e ast.Expr) types.Type {
	if t := basicLitType(e); t != nil {
		return t
	}
	switch e := e.(type) {
	case *ast.Ident:
		return c.ident(e)
	case *ast.NoneLit:
		return &types.Option{Elem: c.u.NewVar()}
	case *ast.SomeExpr:
		return &types.Option{Elem: c.value(e.X)}
	case *ast.ParenExpr:
		return c.expr(e.X)
	case *ast.ListLit:
		return c.listLit(e)
	case *ast.RecordLit:
		r := &types.Record{}
		seen := map[string]bool{}
		for _, f := range e.Fields {
			t := c.value(f.Value)
			if seen[f.Name.Name] {
				c.errorf(f.Name.Pos, "duplicate field %s in record literal", f.Name.Name)
				continue
			}
			seen[f.Name.Name] = true
			r.Fields = append(r.Fields, types.Field{Name: f.Name.Name, Type: t})
		}
		return r
	case *ast.FuncLit:
		f := &types.Func{Result: c.typ(e.Result)}
		for _, p := range e.Params {
			f.Params = append(f.Params, c.typ(p.Type))
		}
		c.funcBody(e, e.Params, f.Result, e.Body)
		return f
	case *ast.CallExpr:
		return c.call(e)
	case *ast.FieldExpr:
		return c.field(e)
	case *ast.IndexExpr:
		xt := c.expr(e.X)
		c.assign(e.Index, types.Int, "as a list index")
		switch l := types.Unalias(xt).(type) {
		case *types.List:
			return l.Elem
		case *types.Var:
			c.errorf(e.Lbrack, "cannot index %s: its type is not known yet; add a type annotation", exprString(e.X))
		default:
			if xt != types.Invalid {
				c.errorf(e.Lbrack, "cannot index %s (%s): only lists can be indexed", exprString(e.X), xt)
			}
		}
		return types.Invalid
	case *ast.UnaryExpr:
		return c.unary(e)
	case *ast.BinaryExpr:
		return c.binary(e)
	case *ast.SelectExpr:
		d := c.table(e.Table)
		c.where(d, e.Where)
		if d == nil {
			return types.Invalid
		}
		return &types.List{Elem: c.info.Rows[d]}
	case *ast.MatchExpr:
		return c.match(e)
	case *ast.ElementLit:
		c.element(e)
		return types.HTML
	case *ast.FragmentLit:
		c.children(e.Children)
		return types.HTML
	}
	panic(fmt.Sprintf("check: unexpected expression %T", e))
}

// value is expr for an expression that must produce a value.
func (c *checker) value(e ast.Expr) types.Type {
	t := c.expr(e)
	if types.Identical(t, types.Unit) {
		c.errorf(e.Position(), "%s has no value", exprString(e))
		return types.Invalid
	}
	return t
}

func (c *checker) listLit(e *ast.ListLit) types.Type {
	elem := types.Type(c.u.NewVar())
	for i, x := range e.Elems {
		t := c.value(x)
		if !c.u.Unify(t, elem) {
			c.errorf(x.Position(), "list element %d is %s, but the elements before it are %s", i+1, t, elem)
		}
	}
	return &types.List{Elem: elem}
}

// resolve finds what a name refers to and records it for Info.Uses. A
// local it finds is used. Each Ident is resolved once.
func (c *checker) resolve(id *ast.Ident) *Object {
	obj := c.lookup(id)
	c.use(id, obj)
	if obj.IsLocal() {
		obj.Used = true
	}
	return obj
}

// use records that id refers to obj, for Info.Uses.
func (c *checker) use(id *ast.Ident, obj *Object) {
	c.uses = append(c.uses, identObject{id, obj})
}

var bad = &Object{Kind: BadObj, Type: types.Invalid}

func (c *checker) lookup(id *ast.Ident) *Object {
	for s := c.fn.scope; s != nil; s = s.parent {
		if s.table == nil {
			if obj := s.names[id.Name]; obj != nil {
				return obj
			}
			continue
		}
		col, ok := c.info.Rows[s.table].Field(id.Name)
		if !ok {
			continue
		}
		for o := s.parent; o != nil; o = o.parent {
			if local := o.names[id.Name]; local != nil {
				c.errorf(id.Pos, "%s is ambiguous here: it is a column of %s and the %s declared at %s; rename the %s",
					id.Name, s.table.Name.Name, local.Kind, diag.LineCol(local.Pos), local.Kind)
				return bad
			}
		}
		return &Object{Kind: ColumnObj, Name: col.Name, Type: col.Type, Table: s.table}
	}
	if obj := c.funcs[id.Name]; obj != nil {
		return obj
	}
	if b := stdlib.Lookup(id.Name); b != nil {
		return &Object{Kind: BuiltinObj, Name: b.Name, Builtin: b}
	}
	switch {
	case c.tables[id.Name] != nil:
		c.errorf(id.Pos, "%s is a table, not a value: read it with select %s", id.Name, id.Name)
	case c.typeDecls[id.Name] != nil || builtinTypes[id.Name] != nil || typeConstructors[id.Name]:
		c.errorf(id.Pos, "%s is a type, not a value", id.Name)
	case c.prog.File.Unparsed[id.Name]:
		// Declared by a declaration with a syntax error, reported.
	default:
		c.errorf(id.Pos, "undefined: %s", id.Name)
	}
	return bad
}

func (c *checker) ident(id *ast.Ident) types.Type { return c.identType(id, c.resolve(id)) }

// identType is the type of id, which refers to obj, as a value.
func (c *checker) identType(id *ast.Ident, obj *Object) types.Type {
	if obj.Kind == BuiltinObj {
		c.errorf(id.Pos, "built-in %s must be called; it cannot be used as a value", id.Name)
		return types.Invalid
	}
	return obj.Type
}

func (c *checker) call(e *ast.CallExpr) types.Type {
	var ft types.Type
	if id, ok := e.Fun.(*ast.Ident); ok {
		obj := c.resolve(id)
		if obj.Kind == BuiltinObj {
			return c.builtinCall(e, id, obj.Builtin)
		}
		ft = c.identType(id, obj)
	}
	if len(e.TypeArgs) > 0 {
		c.errorf(e.Pos, "%s takes no type arguments", exprString(e.Fun))
	}
	if ft == nil {
		ft = c.expr(e.Fun)
	}
	f, ok := types.Unalias(ft).(*types.Func)
	if !ok {
		for _, a := range e.Args {
			c.expr(a)
		}
		if ft != types.Invalid {
			c.errorf(e.Pos, "cannot call %s (%s): it is not a function", exprString(e.Fun), ft)
		}
		return types.Invalid
	}
	name := exprString(e.Fun)
	if !c.arity(e, name, len(f.Params), f) {
		return f.Result
	}
	for i, a := range e.Args {
		c.assign(a, f.Params[i], fmt.Sprintf("in argument %d to %s", i+1, name))
	}
	return f.Result
}

// arity reports a wrong number of arguments, checking them anyway.
func (c *checker) arity(e *ast.CallExpr, name string, want int, sig fmt.Stringer) bool {
	if len(e.Args) == want {
		return true
	}
	for _, a := range e.Args {
		c.expr(a)
	}
	what := "not enough"
	pos := e.Lparen
	if len(e.Args) > want {
		what = "too many"
		pos = e.Args[want].Position()
	}
	c.errorf(pos, "%s arguments in call to %s: have %d, want %d (%s)", what, name, len(e.Args), want, sig)
	return false
}

func (c *checker) builtinCall(e *ast.CallExpr, id *ast.Ident, b *stdlib.Builtin) types.Type {
	c.info.Builtins[e] = BuiltinCall{Builtin: b}
	var explicit map[*types.Param]types.Type
	if len(e.TypeArgs) > 0 {
		if len(e.TypeArgs) != len(b.TypeParams) {
			c.errorf(e.Pos, "%s takes %d type arguments, not %d", b.Name, len(b.TypeParams), len(e.TypeArgs))
			return types.Invalid
		}
		explicit = map[*types.Param]types.Type{}
		for i, p := range b.TypeParams {
			t := c.typ(e.TypeArgs[i])
			if b.Name == "channel" {
				c.channelElem(e.TypeArgs[i].Position(), t)
			}
			explicit[p] = t
		}
	}
	want := len(b.Sigs[0].Params)
	if !c.arity(e, b.Name, want, b.Sigs[0]) {
		return types.Invalid
	}
	args := make([]types.Type, len(e.Args))
	for i, a := range e.Args {
		args[i] = c.value(a)
	}
	generic := b.Sigs[0]
	if len(b.Sigs) > 1 {
		generic = c.overload(e, b, args[0])
		if generic == nil {
			return types.Invalid
		}
	}
	sig := c.u.Instantiate(generic, explicit).(*types.Func)
	c.info.Builtins[e] = BuiltinCall{Builtin: b, Overload: generic, Sig: sig}
	for i, a := range e.Args {
		if c.u.Unify(args[i], sig.Params[i]) {
			continue
		}
		// Types print through their bound variables, so the instantiated
		// signature reads as the user's types.
		if b.Name == "send" && i == 1 {
			c.errorf(a.Position(), "cannot send %s on %s", args[i], args[0])
		} else {
			c.errorf(a.Position(), "cannot use %s (%s) as %s in argument %d to %s", exprString(a), args[i], sig.Params[i], i+1, b.Name)
		}
	}
	// A result whose type an erroneous argument should have given (as
	// source(x) with x undefined) is erroneous too, not unknown: it
	// would be reported again, at each use, as needing an annotation.
	for _, t := range args {
		if t == types.Invalid && types.HasVar(sig.Result) {
			return types.Invalid
		}
	}
	return sig.Result
}

// overload picks the signature of b whose first parameter has the same
// outermost type as first.
func (c *checker) overload(e *ast.CallExpr, b *stdlib.Builtin, first types.Type) *types.Func {
	first = types.Unalias(first)
	if first == types.Invalid {
		return nil
	}
	if _, ok := first.(*types.Var); ok {
		c.errorf(e.Args[0].Position(), "cannot tell which %s to use: the type of %s is not known yet; add a type annotation",
			b.Name, exprString(e.Args[0]))
		return nil
	}
	var accepted []string
	for _, sig := range b.Sigs {
		p := sig.Params[0]
		if sameHead(p, first) {
			return sig
		}
		accepted = append(accepted, headString(p))
	}
	c.errorf(e.Args[0].Position(), "%s cannot take %s; it takes %s", b.Name, first, orList(accepted))
	return nil
}

func sameHead(p, a types.Type) bool {
	p = types.Unalias(p)
	if pb, ok := p.(*types.Basic); ok {
		return pb == a
	}
	return reflect.TypeOf(p) == reflect.TypeOf(a)
}

func headString(t types.Type) string {
	switch t.(type) {
	case *types.List:
		return "a list"
	}
	return t.String()
}

func orList(xs []string) string {
	switch len(xs) {
	case 1:
		return xs[0]
	case 2:
		return xs[0] + " or " + xs[1]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

func (c *checker) field(e *ast.FieldExpr) types.Type {
	xt := c.expr(e.X)
	switch r := types.Unalias(xt).(type) {
	case *types.Record:
		if f, ok := r.Field(e.Name.Name); ok {
			return f.Type
		}
		c.errorf(e.Name.Pos, "%s (%s) has no field %s", exprString(e.X), xt, e.Name.Name)
	case *types.Var:
		c.errorf(e.Name.Pos, "cannot select field %s: the type of %s is not known yet; add a type annotation", e.Name.Name, exprString(e.X))
	default:
		if xt != types.Invalid {
			c.errorf(e.Name.Pos, "%s (%s) has no field %s: only records have fields", exprString(e.X), xt, e.Name.Name)
		}
	}
	return types.Invalid
}

func (c *checker) unary(e *ast.UnaryExpr) types.Type {
	t := c.expr(e.X)
	u := types.Unalias(t)
	switch {
	case u == types.Invalid:
		return types.Invalid
	case e.Op == "!" && u == types.Bool:
		return t
	case e.Op == "-" && (u == types.Int || u == types.Float):
		return t
	}
	c.errorf(e.Pos, "operator %s is not defined on %s", e.Op, t)
	return types.Invalid
}

func (c *checker) binary(e *ast.BinaryExpr) types.Type {
	xt := c.expr(e.X)
	yt := c.expr(e.Y)
	if types.IsInvalid(xt) || types.IsInvalid(yt) {
		switch e.Op {
		case "==", "!=", "<", "<=", ">", ">=", "&&", "||":
			return types.Bool
		}
		return types.Invalid
	}
	if !c.u.Unify(xt, yt) {
		c.errorf(e.OpPos, "mismatched types %s and %s for %s", xt, yt, e.Op)
		return types.Invalid
	}
	u := types.Unalias(xt)
	ok := false
	switch e.Op {
	case "+":
		ok = u == types.Int || u == types.Float || u == types.String
	case "-", "*", "/", "%":
		ok = u == types.Int || u == types.Float
	case "<", "<=", ">", ">=":
		ok = u == types.Int || u == types.Float || u == types.String
	case "&&", "||":
		ok = u == types.Bool
	case "==", "!=":
		ok = !holdsFunc(u) && types.ClientOnly(u) == ""
		if _, unknown := u.(*types.Var); unknown {
			c.errorf(e.OpPos, "cannot compare values whose type is not known yet; add a type annotation")
			return types.Bool
		}
	}
	if !ok {
		c.errorf(e.OpPos, "operator %s is not defined on %s", e.Op, xt)
	}
	switch e.Op {
	case "==", "!=", "<", "<=", ">", ">=", "&&", "||":
		return types.Bool
	}
	if !ok {
		return types.Invalid
	}
	return xt
}

func (c *checker) match(e *ast.MatchExpr) types.Type {
	xt := c.expr(e.X)
	elem := types.Type(c.u.NewVar())
	if !c.u.Unify(xt, &types.Option{Elem: elem}) {
		c.errorf(e.X.Position(), "cannot match on %s (%s): match needs an option", exprString(e.X), xt)
		elem = types.Invalid
	}
	var someArm, noneArm *ast.MatchArm
	var result types.Type
	for _, arm := range e.Arms {
		seen := &noneArm
		if arm.Some {
			seen = &someArm
		}
		if *seen != nil {
			c.errorf(arm.Pos, "duplicate %s arm in match (first at %s)", armName(arm), diag.LineCol((*seen).Pos))
		}
		*seen = arm
		var t types.Type
		if arm.Some {
			c.push()
			c.declare(arm.Bind, LetObj, elem)
			t = c.expr(arm.Body)
			c.pop()
		} else {
			t = c.expr(arm.Body)
		}
		if result == nil {
			result = t
		} else if !c.u.Unify(t, result) {
			c.errorf(arm.Body.Position(), "match arms must have one type: this arm is %s, the one before is %s", t, result)
		}
	}
	if someArm == nil {
		c.errorf(e.Pos, "match is missing the some(…) arm")
	}
	if noneArm == nil {
		c.errorf(e.Pos, "match is missing the none arm")
	}
	c.info.Matches[e] = Match{Some: someArm, None: noneArm}
	if result == nil {
		return types.Invalid
	}
	return result
}

func armName(a *ast.MatchArm) string {
	if a.Some {
		return "some"
	}
	return "none"
}
