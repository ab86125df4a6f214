package jsclient

import (
	"github.com/prog-lang/prog/codegen/jsclient/js"
	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/lang/check"
	"github.com/prog-lang/prog/lang/types"
	"github.com/prog-lang/prog/stdlib"
)

// HTML literals. A literal is a function that builds its nodes when
// called (the place that inserts it calls it, under its own owner), by
// direct DOM calls into the runtime (runtime/client/ui.js):
//
//	() => {
//	  const el = $.el("li");
//	  $.cls(el, "done", () => t.done);
//	  $.txt(el, () => $.get(t$row).text);
//	  return el;
//	}
//
// Each hole and attribute that may read a source becomes one effect (an
// accessor given to the runtime); one that cannot (a literal, a local
// that is no row's variable) is plain code run once. A content for's
// variable is read through its row's source (rowVars), so the holes that
// read it follow the row's item.

// literal is the thunk of an element or fragment literal.
func (g *gen) literal(e ast.Expr) js.Expr {
	loc := g.at(e.Position())
	g.push()
	defer g.pop()
	var body []js.Stmt
	var root string
	switch e := e.(type) {
	case *ast.ElementLit:
		root = g.element(e, &body)
	case *ast.FragmentLit:
		root = g.scope.add("frag")
		body = append(body, &js.Decl{Loc: loc, Kind: "const", Binds: []js.Bind{{Name: root, Value: call(rt("frag"))}}})
		g.children(root, e.Children, &body)
	}
	body = append(body, &js.Return{Loc: loc, Value: &js.Name{Name: root}})
	return &js.Arrow{Loc: loc, Body: body}
}

// element declares an element, builds its attributes and children, and
// returns its name. Properties that the children change the meaning of
// (a select's value) and bind come after the children; handlers last, so
// that bind's listener runs before an oninput's.
func (g *gen) element(e *ast.ElementLit, body *[]js.Stmt) string {
	loc := g.at(e.Pos)
	name := g.scope.add("el")
	*body = append(*body, &js.Decl{Loc: loc, Kind: "const", Binds: []js.Bind{{Name: name,
		Value: call(rt("el"), &js.Str{Value: e.Name})}}})
	el := func() js.Expr { return &js.Name{Name: name} }
	var late, handlers []*ast.Attr
	for _, a := range e.Attrs {
		switch {
		case a.Kind == ast.AttrOn:
			handlers = append(handlers, a)
		case a.Kind == ast.AttrBind, a.Kind == ast.AttrPlain && g.info.Attrs[a].Prop && a.Form == ast.FormExpr:
			late = append(late, a)
		default:
			*body = append(*body, g.attr(e, el, a)...)
		}
	}
	g.children(name, e.Children, body)
	for _, a := range late {
		*body = append(*body, g.attr(e, el, a)...)
	}
	for _, a := range handlers {
		*body = append(*body, g.attr(e, el, a)...)
	}
	return name
}

func (g *gen) attr(e *ast.ElementLit, el func() js.Expr, a *ast.Attr) []js.Stmt {
	loc := g.at(a.Pos)
	stmt := func(x js.Expr) []js.Stmt { return []js.Stmt{&js.ExprStmt{Loc: loc, X: x}} }
	method := func(m string, args ...js.Expr) []js.Stmt {
		return stmt(&js.Call{Loc: loc, Fun: &js.Dot{X: el(), Name: m}, Args: args})
	}
	str := func(s string) js.Expr { return &js.Str{Value: s} }
	if a.Form != ast.FormExpr && a.Kind != ast.AttrPlain && a.Kind != ast.AttrStyle {
		if a.Kind == ast.AttrClass && a.Form == ast.FormBare {
			return method("classList.add", str(a.Key))
		}
		return nil // the checker has reported it
	}
	switch a.Kind {
	case ast.AttrOn:
		return stmt(call(rt("on"), el(), str(a.Key), g.expr(a.Value)))
	case ast.AttrBind:
		return stmt(call(rt("bind"), el(), g.expr(a.Value), str(bindKinds[g.info.Attrs[a].Bind])))
	case ast.AttrClass:
		if g.static(a.Value) {
			return stmt(&js.Call{Loc: loc, Fun: &js.Dot{X: &js.Dot{X: el(), Name: "classList"}, Name: "toggle"}, Args: []js.Expr{str(a.Key), g.expr(a.Value)}})
		}
		return stmt(call(rt("cls"), el(), str(a.Key), g.accessor(a.Value)))
	case ast.AttrStyle:
		setProp := func(v js.Expr) []js.Stmt {
			return stmt(&js.Call{Loc: loc, Fun: &js.Dot{X: &js.Dot{X: el(), Name: "style"}, Name: "setProperty"}, Args: []js.Expr{str(a.Key), v}})
		}
		if a.Form == ast.FormText {
			return setProp(str(a.Text))
		}
		if g.static(a.Value) {
			return setProp(g.expr(a.Value))
		}
		return stmt(call(rt("style"), el(), str(a.Key), g.accessor(a.Value)))
	}
	switch a.Form {
	case ast.FormBare:
		return method("setAttribute", str(a.Name), str(""))
	case ast.FormText:
		if a.Name == "class" {
			return stmt(&js.Assign{Loc: loc, Target: &js.Dot{X: el(), Name: "className"}, Value: str(a.Text)})
		}
		return method("setAttribute", str(a.Name), str(a.Text))
	}
	// name={e}
	info := g.info.Attrs[a]
	switch {
	case info.Prop:
		v := a.Value
		x := func() js.Expr { return g.text(v) }
		if info.Kind == stdlib.AttrBool {
			x = func() js.Expr { return g.expr(v) }
		}
		if g.static(v) {
			return stmt(&js.Assign{Loc: loc, Target: &js.Dot{X: el(), Name: a.Name}, Value: x()})
		}
		return stmt(call(rt("prop"), el(), str(a.Name), &js.Arrow{Loc: g.at(v.Position()), Expr: x()}))
	case info.Kind == stdlib.AttrBool:
		if g.static(a.Value) {
			return method("toggleAttribute", str(a.Name), g.expr(a.Value))
		}
		return stmt(call(rt("battr"), el(), str(a.Name), g.accessor(a.Value)))
	case info.Kind == stdlib.AttrURL:
		return stmt(call(rt("url"), el(), str(a.Name), g.accessor(a.Value)))
	case g.static(a.Value):
		return method("setAttribute", str(a.Name), g.text(a.Value))
	}
	return stmt(call(rt("attr"), el(), str(a.Name), g.accessor(a.Value)))
}

// bindKinds are the runtime's names for how bind follows a field:
// "check" (checked, on change), "select" (value, on change), "text"
// (value, on input).
var bindKinds = [...]string{check.BindText: "text", check.BindCheckbox: "check", check.BindSelect: "select", check.BindTextarea: "text"}

// accessor is () => x: what an effect evaluates.
func (g *gen) accessor(x ast.Expr) js.Expr {
	return &js.Arrow{Loc: g.at(x.Position()), Expr: g.expr(x)}
}

// text is a text value as a string: a string as it is, others by $.show.
func (g *gen) text(x ast.Expr) js.Expr {
	if types.Unalias(g.info.TypeOf(x)) == types.String {
		return g.expr(x)
	}
	return call(rt("show"), g.expr(x))
}

// static reports whether x cannot read a source: a literal, a local that
// is not a row's variable, or a field of one.
func (g *gen) static(x ast.Expr) bool {
	switch x := x.(type) {
	case *ast.IntLit, *ast.FloatLit, *ast.StringLit, *ast.BoolLit:
		return true
	case *ast.FieldExpr:
		return g.static(x.X)
	case *ast.ParenExpr:
		return g.static(x.X)
	case *ast.Ident:
		obj := g.info.Uses[x]
		if obj == nil || g.rowVars[obj] != "" {
			return false
		}
		return obj.Kind == check.LetObj || obj.Kind == check.VarObj || obj.Kind == check.ParamObj
	}
	return false
}

func isHTML(t types.Type) bool { return types.Unalias(t) == types.HTML }

// children appends the code that builds cs into the element or fragment
// named parent.
func (g *gen) children(parent string, cs []ast.Content, body *[]js.Stmt) {
	p := func() js.Expr { return &js.Name{Name: parent} }
	add := func(loc js.Loc, x js.Expr) {
		*body = append(*body, &js.ExprStmt{Loc: loc, X: x})
	}
	for _, c := range cs {
		loc := g.at(c.Position())
		switch c := c.(type) {
		case *ast.Text:
			add(loc, &js.Call{Loc: loc, Fun: &js.Dot{X: p(), Name: "append"}, Args: []js.Expr{&js.Str{Value: c.Value}}})
		case *ast.ElementLit:
			child := g.element(c, body)
			add(loc, &js.Call{Loc: loc, Fun: &js.Dot{X: p(), Name: "append"}, Args: []js.Expr{&js.Name{Name: child}}})
		case *ast.FragmentLit:
			g.children(parent, c.Children, body)
		case *ast.ExprHole:
			switch x := c.X.(type) {
			case *ast.ElementLit, *ast.FragmentLit:
				g.children(parent, []ast.Content{x.(ast.Content)}, body)
				continue
			}
			switch {
			case isHTML(g.info.TypeOf(c.X)) && g.static(c.X):
				add(loc, call(rt("place"), p(), g.expr(c.X)))
			case isHTML(g.info.TypeOf(c.X)):
				add(loc, call(rt("insert"), p(), g.accessor(c.X)))
			case g.static(c.X):
				add(loc, &js.Call{Loc: loc, Fun: &js.Dot{X: p(), Name: "append"}, Args: []js.Expr{g.text(c.X)}})
			default:
				add(loc, call(rt("txt"), p(), g.accessor(c.X)))
			}
		default: // for, if, match
			add(loc, call(rt("place"), p(), g.content(c)))
		}
	}
}

// content is the value of a content for, if or match's body: html (a
// thunk), a text value, or a runtime Dyn for a nested for, if or match.
func (g *gen) content(c ast.Content) js.Expr {
	loc := g.at(c.Position())
	switch c := c.(type) {
	case *ast.Text:
		return &js.Str{Loc: loc, Value: c.Value}
	case *ast.ElementLit, *ast.FragmentLit:
		return g.literal(c.(ast.Expr))
	case *ast.ExprHole:
		return g.expr(c.X)
	case *ast.ForContent:
		return g.forContent(c)
	case *ast.IfContent:
		out := []js.Expr{&js.Arrow{Loc: g.at(c.Cond.Position()), Expr: g.expr(c.Cond)}, g.branch(c.Then)}
		if c.Else != nil {
			out = append(out, g.branch(c.Else))
		}
		return &js.Call{Loc: loc, Fun: rt("when"), Args: out}
	case *ast.MatchContent:
		return g.matchContent(c)
	}
	return call(rt("fail"), &js.Str{Value: "unknown content"})
}

// branch is () => content, in a scope of its own.
func (g *gen) branch(c ast.Content) js.Expr {
	g.push()
	defer g.pop()
	return &js.Arrow{Loc: g.at(c.Position()), Expr: g.content(c)}
}

// forContent is $.keyed(() => seq, (x) => key, (x$row) => body), or
// $.indexed(() => seq, (x$row) => body). The key reads the item; the body
// reads it through the row's source.
func (g *gen) forContent(f *ast.ForContent) js.Expr {
	loc := g.at(f.Pos)
	obj := g.info.ContentFors[f]
	items := g.accessor(f.Seq)
	var key js.Expr
	if f.Key != nil {
		g.push()
		item := g.declare(f.Var)
		key = &js.Arrow{Loc: g.at(f.Key.Position()), Params: []string{item}, Expr: g.expr(f.Key)}
		g.pop()
	}
	g.push()
	defer g.pop()
	src := g.scope.add(f.Var.Name + "$row")
	g.rowVars[obj] = src
	body := &js.Arrow{Loc: g.at(f.Body.Position()), Params: []string{src}, Expr: g.content(f.Body)}
	delete(g.rowVars, obj)
	if key == nil {
		return &js.Call{Loc: loc, Fun: rt("indexed"), Args: []js.Expr{items, body}}
	}
	return &js.Call{Loc: loc, Fun: rt("keyed"), Args: []js.Expr{items, key, body}}
}

// matchContent is a hole that follows the option:
//
//	$.hole(() => { let v; return (v = x) !== null ? some : none; })
func (g *gen) matchContent(m *ast.MatchContent) js.Expr {
	loc := g.at(m.Pos)
	g.push()
	defer g.pop()
	x := g.expr(m.X)
	arms := g.info.ContentMatches[m]
	someArm, noneArm := arms.Some, arms.None
	noneBody := g.branchExpr(noneArm.Body)
	var decl []js.Stmt
	var test js.Expr
	someBody := js.Expr(nil)
	if someArm.Bind != nil {
		v := g.declare(someArm.Bind)
		decl = append(decl, g.letDecl(someArm.Pos, []string{v}))
		bind := func() js.Expr { return &js.Name{Name: v} }
		test = &js.Binary{Loc: loc, Op: "!==", X: &js.Assign{Target: bind(), Value: x}, Y: &js.Lit{Text: "null"}}
		someBody = g.branchExpr(someArm.Body)
		if opt, ok := types.Unalias(g.info.TypeOf(m.X)).(*types.Option); ok && boxed(opt.Elem) {
			unbox := &js.Assign{Target: bind(), Value: &js.Index{X: bind(), Index: &js.Lit{Text: "0"}}}
			someBody = &js.Seq{List: []js.Expr{unbox, someBody}}
		}
	} else {
		test = &js.Binary{Loc: loc, Op: "!==", X: x, Y: &js.Lit{Text: "null"}}
		someBody = g.branchExpr(someArm.Body)
	}
	body := append(decl, &js.Return{Loc: loc, Value: &js.Cond{Loc: loc, Test: test, Yes: someBody, No: noneBody}})
	return call(rt("hole"), &js.Arrow{Loc: loc, Body: body})
}

// branchExpr is a content body in a scope of its own.
func (g *gen) branchExpr(c ast.Content) js.Expr {
	g.push()
	defer g.pop()
	return g.content(c)
}
