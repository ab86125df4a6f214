package ast

// HTML literals (LANGUAGE.md, "User interface"). An element or fragment
// literal is an expression of type html; what is between its tags is a
// list of Content: text, nested literals, and holes.

// ElementLit is an element literal: `<name attrs>children</name>`, a void
// element (`<input>`), or a self-closed one (`<br/>`).
type ElementLit struct {
	Pos      Pos    // the "<" of the open tag
	Name     string // the tag name as written
	NamePos  Pos    // the tag name in the open tag
	Attrs    []*Attr
	Children []Content
	// SelfClosed is true for `<x/>`; Void is true for an element HTML
	// says is void (`<input>`), written with or without the slash. Either
	// way it has no children and no closing tag.
	SelfClosed bool
	Void       bool
	// Close is the position of the closing tag's "<", zero when there is
	// none (self-closed or void).
	Close Pos
}

// FragmentLit is `<>children</>`: its children without an element.
type FragmentLit struct {
	Pos      Pos // the "<" of "<>"
	Children []Content
	Close    Pos // the "<" of "</>"
}

// A Content is one child of an element or fragment, or the body of a
// content for, if or match.
//
// Between tags a child is *Text, *ElementLit, *FragmentLit, or one of the
// holes: *ExprHole (`{e}`), *ForContent, *IfContent, *MatchContent. The
// body of a content for, if or match is one hole's content: an *ExprHole
// (which may hold an element literal), or a nested *ForContent,
// *IfContent or *MatchContent.
type Content interface {
	Node
	contentNode()
}

// Text is literal text between tags, already cooked by the JSX rule (see
// LANGUAGE.md) and with its HTML character references decoded. Text that
// cooks to nothing is left out of the tree.
type Text struct {
	Pos   Pos
	Value string
}

// ExprHole is `{e}` between tags, or the body of a content for, if or
// match: a text value or html.
type ExprHole struct {
	Pos Pos // the "{" (for a body, the position of X)
	X   Expr
}

// ForContent is `{for x in xs key k { body }}` (keyed) or
// `{for x in xs { body }}` (kept by position).
type ForContent struct {
	Pos  Pos // the "for"
	Var  *Ident
	Seq  Expr
	Key  Expr // nil for a list kept by position
	Body Content
}

// IfContent is `{if c { then } else { else }}`; Else is nil when there is
// no else, an *IfContent for `else if`.
type IfContent struct {
	Pos  Pos // the "if"
	Cond Expr
	Then Content
	Else Content
}

// MatchContent is `{match o { some(v) => { … }, none => { … } }}`. The
// braces around an arm's body may be left out, as in a match expression.
type MatchContent struct {
	Pos  Pos // the "match"
	X    Expr
	Arms []*ContentArm
}

// ContentArm is one arm of a content match. Bind is nil for none.
type ContentArm struct {
	Pos  Pos
	Some bool
	Bind *Ident
	Body Content
}

// AttrKind says what an attribute is, by the form of its name.
type AttrKind int

const (
	AttrPlain AttrKind = iota // name, name="text", name={e}
	AttrClass                 // class:NAME={bool}
	AttrStyle                 // style:PROP={string}
	AttrOn                    // on<event>={f}
	AttrBind                  // bind={s}
)

// AttrForm says how an attribute's value is written.
type AttrForm int

const (
	FormBare AttrForm = iota // `required`: no value
	FormText                 // `name="text"`: literal text in Text
	FormExpr                 // `name={e}`: an expression in Value
)

// Attr is one attribute of an element literal.
type Attr struct {
	Pos  Pos    // the name's position
	Name string // as written: "href", "class:done", "onclick", "bind"
	Kind AttrKind
	// Key is what the name names: the class of class:NAME, the property of
	// style:PROP, the event of on<event> ("click", "enter"), else Name.
	Key   string
	Form  AttrForm
	Text  string // FormText: the text, HTML character references decoded
	Value Expr   // FormExpr
	// ValuePos is where the value begins (the quote or the "{"); zero for
	// a bare attribute.
	ValuePos Pos
}

func (x *ElementLit) Position() Pos   { return x.Pos }
func (x *FragmentLit) Position() Pos  { return x.Pos }
func (x *Text) Position() Pos         { return x.Pos }
func (x *ExprHole) Position() Pos     { return x.Pos }
func (x *ForContent) Position() Pos   { return x.Pos }
func (x *IfContent) Position() Pos    { return x.Pos }
func (x *MatchContent) Position() Pos { return x.Pos }
func (x *ContentArm) Position() Pos   { return x.Pos }
func (x *Attr) Position() Pos         { return x.Pos }

func (*ElementLit) exprNode()  {}
func (*FragmentLit) exprNode() {}

func (*ElementLit) contentNode()   {}
func (*FragmentLit) contentNode()  {}
func (*Text) contentNode()         {}
func (*ExprHole) contentNode()     {}
func (*ForContent) contentNode()   {}
func (*IfContent) contentNode()    {}
func (*MatchContent) contentNode() {}

// IsVoid reports whether the element name is one of HTML's void elements
// (`area base br col embed hr img input link meta source track wbr`): they
// have no children and no closing tag.
func IsVoid(name string) bool {
	switch name {
	case "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr":
		return true
	}
	return false
}
