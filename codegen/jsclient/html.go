package jsclient

import (
	"strconv"

	"github.com/prog-lang/prog/codegen/jsclient/js"
	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/lang/check"
	"github.com/prog-lang/prog/lang/types"
	"github.com/prog-lang/prog/stdlib"
)

// HTML literals. A literal is a function that builds its nodes when
// called (the place that inserts it calls it, under its own owner). What
// does not change from one call to the next (elements, text, literal
// attributes) is a template, built once by direct DOM calls and cloned
// (cloneNode) at each call; each hole holds a place in it (an empty Text
// node, or two around a range of content). The literal then finds the
// nodes it changes and gives each hole and attribute its effect:
//
//	const $t1 = $.tmpl(() => {
//	  const el = $.el("li");
//	  el.append("");
//	  return el;
//	});
//	… () => {
//	  const el = $t1();
//	  const el$1 = el.firstChild;
//	  $.cls(el, "done", () => t.done);
//	  $.txt(el$1, () => $.get(t$row).text);
//	  return el;
//	}
//
// Each hole and attribute that may read a source becomes one effect (an
// accessor given to the runtime); one that cannot (a literal, a local
// that is no row's variable) is plain code run once. A content for's
// variable is read through its row's source (rowVars), so the holes that
// read it follow the row's item. Nothing is parsed as HTML at run time.

// tnode is a node of a literal's template.
type tnode struct {
	el   *ast.ElementLit // an element
	text string          // else text, or the empty Text node of a hole
	hole ast.Content     // a text hole's place, or the start of a range
	rng  bool            // hole is a range: html, for, if or match
	end  bool            // the end of a range
	kids []*tnode
	ref  bool   // the literal's code needs this node, or one inside it
	name string // its name there
}

// plan lays out the template of content cs.
func (g *gen) plan(cs []ast.Content) []*tnode {
	var out []*tnode
	for _, c := range cs {
		switch c := c.(type) {
		case *ast.Text:
			out = append(out, &tnode{text: c.Value})
		case *ast.ElementLit:
			n := &tnode{el: c, kids: g.plan(c.Children)}
			for _, a := range c.Attrs {
				n.ref = n.ref || !inTemplate(a)
			}
			for _, k := range n.kids {
				n.ref = n.ref || k.ref
			}
			out = append(out, n)
		case *ast.FragmentLit:
			out = append(out, g.plan(c.Children)...)
		case *ast.ExprHole:
			switch x := c.X.(type) {
			case *ast.ElementLit, *ast.FragmentLit:
				out = append(out, g.plan([]ast.Content{x.(ast.Content)})...)
				continue
			case *ast.StringLit:
				out = append(out, &tnode{text: x.Value})
				continue
			case *ast.IntLit:
				out = append(out, &tnode{text: strconv.FormatInt(x.Value, 10)})
				continue
			case *ast.BoolLit:
				out = append(out, &tnode{text: strconv.FormatBool(x.Value)})
				continue
			}
			if !isHTML(g.info.TypeOf(c.X)) {
				out = append(out, &tnode{hole: c, ref: true})
				continue
			}
			out = append(out, &tnode{hole: c, rng: true, ref: true}, &tnode{end: true, ref: true})
		default: // for, if, match
			out = append(out, &tnode{hole: c, rng: true, ref: true}, &tnode{end: true, ref: true})
		}
	}
	return out
}

// inTemplate reports whether an attribute is the same at every call: it
// is then set in the template.
func inTemplate(a *ast.Attr) bool {
	switch a.Kind {
	case ast.AttrPlain:
		return a.Form != ast.FormExpr
	case ast.AttrStyle:
		return a.Form == ast.FormText
	case ast.AttrClass:
		return a.Form == ast.FormBare
	}
	return false
}

// literal is the thunk of an element or fragment literal.
func (g *gen) literal(e ast.Expr) js.Expr {
	loc := g.at(e.Position())
	root := &tnode{ref: true}
	if el, ok := e.(*ast.ElementLit); ok {
		root.el, root.kids = el, g.plan(el.Children)
	} else {
		root.kids = g.plan(e.(*ast.FragmentLit).Children)
	}
	tmpl := g.template(loc, root)
	g.push()
	defer g.pop()
	root.name = g.scope.add("el")
	if root.el == nil {
		root.name = g.scope.add("frag")
	}
	body := []js.Stmt{&js.Decl{Loc: loc, Kind: "const", Binds: []js.Bind{{Name: root.name, Value: call(tmpl)}}}}
	g.refs(root, &body)
	g.apply(root, &body)
	body = append(body, &js.Return{Loc: loc, Value: &js.Name{Name: root.name}})
	return &js.Arrow{Loc: loc, Body: body}
}

// template declares, at the top of the module, the function that clones
// the literal's template ($.tmpl builds it at the first call), and
// returns its name.
func (g *gen) template(loc js.Loc, root *tnode) js.Expr {
	g.push()
	defer g.pop()
	var body []js.Stmt
	var name string
	if root.el != nil {
		name = g.build(root, &body)
	} else {
		name = g.scope.add("frag")
		body = append(body, &js.Decl{Loc: loc, Kind: "const", Binds: []js.Bind{{Name: name, Value: call(rt("frag"))}}})
		g.buildKids(name, root.kids, &body)
	}
	body = append(body, &js.Return{Loc: loc, Value: &js.Name{Name: name}})
	t := "$t" + strconv.Itoa(len(g.templateDecls)+1)
	g.templateDecls = append(g.templateDecls, &js.Decl{Loc: loc, Kind: "const", Binds: []js.Bind{{Name: t,
		Value: call(rt("tmpl"), &js.Arrow{Loc: loc, Body: body})}}})
	return &js.Name{Name: t}
}

// build writes the DOM calls that make an element of a template, and
// returns its name.
func (g *gen) build(n *tnode, body *[]js.Stmt) string {
	loc := g.at(n.el.Pos)
	name := g.scope.add("el")
	*body = append(*body, &js.Decl{Loc: loc, Kind: "const", Binds: []js.Bind{{Name: name,
		Value: call(rt("el"), &js.Str{Value: n.el.Name})}}})
	el := func() js.Expr { return &js.Name{Name: name} }
	for _, a := range n.el.Attrs {
		if inTemplate(a) {
			*body = append(*body, g.attr(n.el, el, a)...)
		}
	}
	g.buildKids(name, n.kids, body)
	return name
}

func (g *gen) buildKids(parent string, kids []*tnode, body *[]js.Stmt) {
	for _, k := range kids {
		var x js.Expr = &js.Str{Value: k.text}
		if k.el != nil {
			x = &js.Name{Name: g.build(k, body)}
		}
		*body = append(*body, &js.ExprStmt{X: &js.Call{Fun: &js.Dot{X: &js.Name{Name: parent}, Name: "append"}, Args: []js.Expr{x}}})
	}
}

// refs names the nodes inside n that the literal's code needs, each
// reached from its parent or the sibling named before it.
func (g *gen) refs(n *tnode, body *[]js.Stmt) {
	var from js.Expr
	for i, k := range n.kids {
		if !k.ref {
			continue
		}
		var x js.Expr
		if from == nil {
			x = &js.Dot{X: &js.Name{Name: n.name}, Name: "firstChild"}
			for j := 0; j < i; j++ {
				x = &js.Dot{X: x, Name: "nextSibling"}
			}
		} else {
			x = &js.Dot{X: from, Name: "nextSibling"}
		}
		switch {
		case k.el != nil:
			k.name = g.scope.add("el")
		case k.rng:
			k.name = g.scope.add("start")
		case k.end:
			k.name = g.scope.add("end")
		default:
			k.name = g.scope.add("text")
		}
		*body = append(*body, &js.Decl{Kind: "const", Binds: []js.Bind{{Name: k.name, Value: x}}})
		from = &js.Name{Name: k.name}
		// The next sibling after k: count the ones not named.
		for j := i + 1; j < len(n.kids) && !n.kids[j].ref; j++ {
			from = &js.Dot{X: from, Name: "nextSibling"}
		}
		if k.el != nil {
			g.refs(k, body)
		}
	}
}

// apply gives n's attributes, holes and handlers their code, in the
// order of the source. Properties that the children change the meaning
// of (a select's value) and bind come after the children; handlers last,
// so that bind's listener runs before an oninput's.
func (g *gen) apply(n *tnode, body *[]js.Stmt) {
	el := func() js.Expr { return &js.Name{Name: n.name} }
	var late, handlers []*ast.Attr
	if n.el != nil {
		for _, a := range n.el.Attrs {
			switch {
			case inTemplate(a):
			case a.Kind == ast.AttrOn:
				handlers = append(handlers, a)
			case a.Kind == ast.AttrBind, a.Kind == ast.AttrPlain && g.info.Attrs[a].Prop:
				late = append(late, a)
			default:
				*body = append(*body, g.attr(n.el, el, a)...)
			}
		}
	}
	for i, k := range n.kids {
		switch {
		case k.el != nil:
			if k.ref {
				g.apply(k, body)
			}
		case k.rng:
			*body = append(*body, &js.ExprStmt{Loc: g.at(k.hole.Position()), X: call(rt("at"),
				&js.Name{Name: k.name}, &js.Name{Name: n.kids[i+1].name}, g.rangeContent(k.hole))})
		case k.hole != nil:
			x := k.hole.(*ast.ExprHole).X
			loc := g.at(k.hole.Position())
			if g.static(x) {
				*body = append(*body, &js.ExprStmt{Loc: loc, X: &js.Assign{Target: &js.Dot{X: &js.Name{Name: k.name}, Name: "data"}, Value: g.text(x)}})
			} else {
				*body = append(*body, &js.ExprStmt{Loc: loc, X: call(rt("txt"), &js.Name{Name: k.name}, g.accessor(x))})
			}
		}
	}
	for _, a := range late {
		*body = append(*body, g.attr(n.el, el, a)...)
	}
	for _, a := range handlers {
		*body = append(*body, g.attr(n.el, el, a)...)
	}
}

// rangeContent is what fills a range: an html hole's value (through
// $.hole when it may read a source), or a content for, if or match.
func (g *gen) rangeContent(c ast.Content) js.Expr {
	if h, ok := c.(*ast.ExprHole); ok {
		if g.static(h.X) {
			return g.expr(h.X)
		}
		return call(rt("hole"), g.accessor(h.X))
	}
	return g.content(c)
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
		if g.info.Attrs[a].Kind == stdlib.AttrURL {
			// The checker has held it to the rule already; the runtime
			// reads it as the browser will (a tab inside the scheme).
			return stmt(call(rt("url"), el(), str(a.Name), &js.Arrow{Expr: str(a.Text)}))
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
