package check

import (
	"strings"

	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/lang/diag"
	"github.com/prog-lang/prog/lang/types"
	"github.com/prog-lang/prog/stdlib"
)

// Checking element literals (LANGUAGE.md, "User interface"). Element and
// attribute names come from stdlib's HTML table; what the generator needs
// to write each attribute is recorded in Info.Attrs.

// AttrInfo is how the client writes one attribute.
type AttrInfo struct {
	// Kind is the table's: text, bool or URL (checked at run time). For
	// class:, style:, on<event> and bind it is AttrText and unused.
	Kind stdlib.AttrKind
	// Prop is set for checked, selected and value: set as DOM properties.
	Prop bool
	// Bind is, for bind, the kind of field bound; BindNone otherwise.
	Bind BindKind
}

// BindKind is the kind of field a bind attribute is on.
type BindKind int

const (
	BindNone     BindKind = iota
	BindText              // an input other than a checkbox: value, on "input"
	BindCheckbox          // <input type="checkbox">: checked, on "change"
	BindSelect            // <select>: value, on "change"
	BindTextarea          // <textarea>: value, on "input"
)

// element checks an element literal.
func (c *checker) element(e *ast.ElementLit) {
	el := stdlib.LookupElement(e.Name)
	if el == nil {
		c.errorf(e.NamePos, "unknown element <%s>", e.Name)
	}
	seen := map[string]*ast.Attr{}
	for _, a := range e.Attrs {
		if prev := seen[a.Name]; prev != nil {
			c.errorf(a.Pos, "duplicate attribute %s on <%s> (first at %s)", a.Name, e.Name, diag.LineCol(prev.Pos))
		} else {
			seen[a.Name] = a
		}
		c.attr(e, el, a)
	}
	c.children(e.Children)
}

// attr checks one attribute of e; el is e's entry in the table, nil if
// the element is unknown (its attributes are still checked as
// expressions, so their names resolve).
func (c *checker) attr(e *ast.ElementLit, el *stdlib.Element, a *ast.Attr) {
	var t types.Type
	if a.Form == ast.FormExpr {
		t = c.expr(a.Value)
	}
	if el == nil {
		return
	}
	tag := "<" + e.Name + ">"
	switch a.Kind {
	case ast.AttrClass:
		if a.Key == "" {
			c.errorf(a.Pos, "class: needs a class name, as in class:done={b}")
		} else if c.needExpr(a, "a bool") {
			c.want(a.Value, t, types.Bool, "as the value of "+a.Name)
		}
	case ast.AttrStyle:
		if !isCSSName(a.Key) {
			c.errorf(a.Pos, "style: needs a CSS property name, as in style:color={s}")
		} else if a.Form == ast.FormBare {
			c.errorf(a.Pos, `%s needs a value: "text" or {a string}`, a.Name)
		} else if a.Form == ast.FormExpr {
			c.want(a.Value, t, types.String, "as the value of "+a.Name)
		}
	case ast.AttrOn:
		if !stdlib.IsEvent(a.Key) {
			c.errorf(a.Pos, "unknown event %s on %s: handlers are on<event> for %s", a.Key, tag, stdlib.Events())
		} else if c.needExpr(a, "a function fun()") {
			if !c.u.Unify(t, &types.Func{Result: types.Unit}) {
				c.errorf(a.Value.Position(), "the handler %s must be a fun() with no parameters and no result, not %s", a.Name, t)
			}
		}
	case ast.AttrBind:
		c.bind(e, a, t)
	default:
		c.plainAttr(e, el, a, t)
	}
}

// needExpr reports whether a is written name={e}, and reports it if not.
func (c *checker) needExpr(a *ast.Attr, what string) bool {
	if a.Form != ast.FormExpr {
		c.errorf(a.Pos, "%s takes {%s}, not %s", a.Name, what, formName(a))
		return false
	}
	return true
}

func formName(a *ast.Attr) string {
	if a.Form == ast.FormText {
		return "text"
	}
	return "nothing (a bare attribute)"
}

// want checks that x, of type t, is of type w.
func (c *checker) want(x ast.Expr, t, w types.Type, context string) {
	if !c.u.Unify(t, w) {
		c.errorf(x.Position(), "cannot use %s (%s) as %s %s", exprString(x), t, w, context)
	}
}

func (c *checker) plainAttr(e *ast.ElementLit, el *stdlib.Element, a *ast.Attr, t types.Type) {
	info, ok := el.Attr(a.Name)
	if !ok {
		if strings.HasPrefix(a.Name, "on") {
			c.errorf(a.Pos, "unknown attribute %s on <%s>: handlers are on<event>={f} for %s", a.Name, e.Name, stdlib.Events())
		} else {
			c.errorf(a.Pos, "unknown attribute %s on <%s>", a.Name, e.Name)
		}
		return
	}
	switch info.Kind {
	case stdlib.AttrBool:
		switch a.Form {
		case ast.FormText:
			c.errorf(a.ValuePos, "%s is a bool attribute: write %s={b} with a bool, or %s alone for true, not a string", a.Name, a.Name, a.Name)
			return
		case ast.FormExpr:
			c.want(a.Value, t, types.Bool, "as the value of bool attribute "+a.Name)
		}
	default:
		switch a.Form {
		case ast.FormBare:
			c.errorf(a.Pos, `attribute %s needs a value: %s="text" or %s={e}`, a.Name, a.Name, a.Name)
			return
		case ast.FormText:
			if info.Kind == stdlib.AttrURL && !SafeURL(a.Text) {
				c.errorf(a.ValuePos, "%s=%q: a URL attribute must be http:, https:, mailto: or relative", a.Name, a.Text)
			}
		case ast.FormExpr:
			switch u := types.Unalias(t); u {
			case types.String, types.Int, types.Float, types.Invalid:
			default:
				if _, unknown := u.(*types.Var); unknown {
					c.errorf(a.Value.Position(), "the type of %s is not known yet; add a type annotation", exprString(a.Value))
				} else {
					c.errorf(a.Value.Position(), "attribute %s takes a string, an int or a float, not %s", a.Name, t)
				}
			}
		}
	}
	c.info.Attrs[a] = AttrInfo{Kind: info.Kind, Prop: info.Prop}
}

// SafeURL reports whether a URL may be written to href, src, action or
// formaction: its scheme is http, https or mailto, or it has none. This
// is the rule the client applies at run time to holes; a literal URL is
// held to it when the program is checked.
func SafeURL(u string) bool {
	u = strings.TrimLeft(u, "\x00\t\n\f\r ")
	for i, ch := range u {
		switch {
		case ch == ':':
			scheme := strings.ToLower(u[:i])
			return scheme == "http" || scheme == "https" || scheme == "mailto"
		case ch == '/' || ch == '?' || ch == '#':
			return true
		case 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || i > 0 && ('0' <= ch && ch <= '9' || ch == '+' || ch == '-' || ch == '.'):
		default:
			return true // not a scheme: a relative URL
		}
	}
	return true
}

// bind checks bind={s} on e.
func (c *checker) bind(e *ast.ElementLit, a *ast.Attr, t types.Type) {
	kind := BindNone
	switch e.Name {
	case "input":
		kind = BindText
		for _, b := range e.Attrs {
			if b.Name != "type" {
				continue
			}
			switch {
			case b.Form != ast.FormText:
				c.errorf(b.Pos, `bind needs the input's type written as text, as in type="checkbox"`)
				return
			case b.Text == "checkbox":
				kind = BindCheckbox
			case b.Text == "radio" || b.Text == "file":
				c.errorf(a.Pos, `bind does not work on <input type=%q>: use onchange={f}`, b.Text)
				return
			}
		}
	case "textarea":
		kind = BindTextarea
	case "select":
		kind = BindSelect
	default:
		c.errorf(a.Pos, "bind works on <input>, <textarea> and <select>, not <%s>", e.Name)
		return
	}
	want := types.Type(types.String)
	if kind == BindCheckbox {
		want = types.Bool
	}
	if !c.needExpr(a, "a source") {
		return
	}
	if !c.u.Unify(t, &types.Source{Elem: want}) {
		what := "<" + e.Name + ">"
		if kind == BindCheckbox {
			what = "a checkbox"
		}
		c.errorf(a.Value.Position(), "bind on %s needs a source<%s>, not %s (%s)", what, want, exprString(a.Value), t)
		return
	}
	c.info.Attrs[a] = AttrInfo{Bind: kind}
}

// isCSSName reports whether s may name a CSS property: letters, digits
// and dashes, as in background-color or --custom.
func isCSSName(s string) bool {
	if s == "" {
		return false
	}
	for _, ch := range s {
		if !('a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || ch == '-') {
			return false
		}
	}
	return true
}

// children checks the content between an element's tags.
func (c *checker) children(cs []ast.Content) {
	for _, ch := range cs {
		c.content(ch)
	}
}

// content checks one child, or the body of a content for, if or match.
func (c *checker) content(ch ast.Content) {
	switch ch := ch.(type) {
	case *ast.Text:
	case *ast.ElementLit:
		c.expr(ch)
	case *ast.FragmentLit:
		c.expr(ch)
	case *ast.ExprHole:
		c.hole(ch.X)
	case *ast.ForContent:
		c.contentFor(ch)
	case *ast.IfContent:
		c.cond(ch.Cond, "if")
		c.content(ch.Then)
		if ch.Else != nil {
			c.content(ch.Else)
		}
	case *ast.MatchContent:
		c.contentMatch(ch)
	}
}

// hole checks the expression of a content hole: a text value or html.
func (c *checker) hole(x ast.Expr) {
	t := c.expr(x)
	switch u := types.Unalias(t); u {
	case types.String, types.Int, types.Float, types.Bool, types.HTML, types.Invalid:
	default:
		if _, unknown := u.(*types.Var); unknown {
			c.errorf(x.Position(), "the type of %s is not known yet; add a type annotation", exprString(x))
			return
		}
		c.errorf(x.Position(), "cannot show %s (%s) in a hole: a hole holds a string, an int, a float, a bool or html", exprString(x), t)
	}
}

func (c *checker) contentFor(f *ast.ForContent) {
	t := c.expr(f.Seq)
	elem, ok := c.listElem(t)
	if !ok {
		c.errorf(f.Seq.Position(), "cannot range over %s (%s): for … in needs a list", exprString(f.Seq), t)
	}
	c.push()
	c.info.ContentFors[f] = c.declare(f.Var, LetObj, elem)
	if f.Key != nil {
		kt := c.expr(f.Key)
		switch u := types.Unalias(kt); {
		case types.IsInvalid(kt):
		case holdsFunc(u) || types.ClientOnly(u) != "":
			c.errorf(f.Key.Position(), "cannot use %s (%s) as a key: keys are compared with ==, which %s does not have", exprString(f.Key), kt, kt)
		default:
			if _, unknown := u.(*types.Var); unknown {
				c.errorf(f.Key.Position(), "the type of the key %s is not known yet; add a type annotation", exprString(f.Key))
			}
		}
	}
	c.content(f.Body)
	c.pop()
}

func (c *checker) contentMatch(m *ast.MatchContent) {
	head := func(a *ast.ContentArm) (bool, ast.Pos, *ast.Ident) { return a.Some, a.Pos, a.Bind }
	some, none := matchArms(c, m.Pos, m.X, m.Arms, head, func(a *ast.ContentArm) { c.content(a.Body) })
	c.info.ContentMatches[m] = ContentMatch{Some: some, None: none}
}

// matchArms checks a match on x whose arms are content or statement arms
// (head reads an arm's kind, position and binding): x is an option, each
// kind of arm appears once, and body checks an arm's body in a scope
// where some(v) declares v. It returns the some and the none arm.
func matchArms[A comparable](c *checker, pos ast.Pos, x ast.Expr, arms []A, head func(A) (bool, ast.Pos, *ast.Ident), body func(A)) (some, none A) {
	xt := c.expr(x)
	elem := types.Type(c.u.NewVar())
	if !c.u.Unify(xt, &types.Option{Elem: elem}) {
		c.errorf(x.Position(), "cannot match on %s (%s): match needs an option", exprString(x), xt)
		elem = types.Invalid
	}
	var zero A
	for _, arm := range arms {
		isSome, at, bind := head(arm)
		seen := &none
		if isSome {
			seen = &some
		}
		if *seen != zero {
			_, first, _ := head(*seen)
			c.errorf(at, "duplicate %s arm in match (first at %s)", someOrNone(isSome), diag.LineCol(first))
		}
		*seen = arm
		c.push()
		if isSome {
			c.declare(bind, LetObj, elem)
		}
		body(arm)
		c.pop()
	}
	c.missingArms(pos, some != zero, none != zero)
	return some, none
}

// missingArms reports a match without its some(…) or none arm.
func (c *checker) missingArms(pos diag.Pos, some, none bool) {
	if !some {
		c.errorf(pos, "match is missing the some(…) arm")
	}
	if !none {
		c.errorf(pos, "match is missing the none arm")
	}
}

func someOrNone(some bool) string {
	if some {
		return "some"
	}
	return "none"
}
