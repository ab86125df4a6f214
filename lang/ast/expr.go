package ast

import (
	"github.com/prog-lang/prog/lang/types"
	"github.com/prog-lang/prog/stdlib"
)

// An Expr is an expression. The checker records its type with SetType.
type Expr interface {
	Node
	Type() types.Type
	SetType(types.Type)
	exprNode()
}

// typed holds the checker's type annotation of an expression.
type typed struct{ T types.Type }

// Type returns the type the checker gave the expression, or nil.
func (t *typed) Type() types.Type { return t.T }

// SetType records the expression's type.
func (t *typed) SetType(x types.Type) { t.T = x }

// IntLit is an integer literal; Value is set by the parser.
type IntLit struct {
	Pos   Pos
	Raw   string
	Value int64
	typed
}

// FloatLit is a floating-point literal.
type FloatLit struct {
	Pos   Pos
	Raw   string
	Value float64
	typed
}

// StringLit is a string literal, escapes already decoded.
type StringLit struct {
	Pos   Pos
	Value string
	typed
}

// BoolLit is `true` or `false`.
type BoolLit struct {
	Pos   Pos
	Value bool
	typed
}

// NoneLit is `none`.
type NoneLit struct {
	Pos Pos
	typed
}

// SomeExpr is `some(e)`.
type SomeExpr struct {
	Pos Pos
	X   Expr
	typed
}

// ListLit is `[a, b]`.
type ListLit struct {
	Pos   Pos
	Elems []Expr
	typed
}

// RecordLit is `{ a: 1, b: "x" }`.
type RecordLit struct {
	Pos    Pos
	Fields []*FieldInit
	typed
}

// FieldInit is `name: e` in a record literal or an insert.
type FieldInit struct {
	Pos   Pos
	Name  *Ident
	Value Expr
}

// FuncLit is a lambda: `fun(x: int): int { return x * 2 }`.
type FuncLit struct {
	Pos    Pos
	Params []*Param
	Result TypeExpr // nil for none
	Body   *Block
	typed
}

// CallExpr is `f(a, b)`, or `f<T>(…)` with explicit type arguments.
type CallExpr struct {
	Pos      Pos // the position of Fun
	Fun      Expr
	TypeArgs []TypeExpr
	Lparen   Pos
	Args     []Expr

	// Set by the checker when Fun names a built-in: the overload chosen,
	// instantiated for this call.
	Builtin *stdlib.Builtin
	Sig     *types.Func
	typed
}

// FieldExpr is `x.name`.
type FieldExpr struct {
	Pos  Pos // the position of X
	X    Expr
	Name *Ident
	typed
}

// IndexExpr is `x[i]`.
type IndexExpr struct {
	Pos    Pos // the position of X
	X      Expr
	Lbrack Pos
	Index  Expr
	typed
}

// UnaryExpr is `-x` or `!x`.
type UnaryExpr struct {
	Pos Pos // the operator's position
	Op  string
	X   Expr
	typed
}

// BinaryExpr is `x op y`.
type BinaryExpr struct {
	Pos   Pos // the position of X
	X     Expr
	Op    string
	OpPos Pos
	Y     Expr
	typed
}

// ParenExpr is `(e)`, kept so positions and printing follow the source.
type ParenExpr struct {
	Pos Pos
	X   Expr
	typed
}

// SelectExpr is `select table [where e]`, a list of the rows as records.
type SelectExpr struct {
	Pos   Pos
	Table *Ident
	Where Expr

	Decl *TableDecl // set by the checker
	typed
}

// MatchExpr is `match x { some(v) => e1, none => e2 }`.
type MatchExpr struct {
	Pos  Pos
	X    Expr
	Arms []*MatchArm
	typed
}

// MatchArm is one arm of a match: `some(v) => e` or `none => e`.
// Bind is nil for the none arm.
type MatchArm struct {
	Pos  Pos
	Some bool
	Bind *Ident
	Body Expr
}

func (x *IntLit) Position() Pos     { return x.Pos }
func (x *FloatLit) Position() Pos   { return x.Pos }
func (x *StringLit) Position() Pos  { return x.Pos }
func (x *BoolLit) Position() Pos    { return x.Pos }
func (x *NoneLit) Position() Pos    { return x.Pos }
func (x *SomeExpr) Position() Pos   { return x.Pos }
func (x *ListLit) Position() Pos    { return x.Pos }
func (x *RecordLit) Position() Pos  { return x.Pos }
func (x *FieldInit) Position() Pos  { return x.Pos }
func (x *FuncLit) Position() Pos    { return x.Pos }
func (x *CallExpr) Position() Pos   { return x.Pos }
func (x *FieldExpr) Position() Pos  { return x.Pos }
func (x *IndexExpr) Position() Pos  { return x.Pos }
func (x *UnaryExpr) Position() Pos  { return x.Pos }
func (x *BinaryExpr) Position() Pos { return x.Pos }
func (x *ParenExpr) Position() Pos  { return x.Pos }
func (x *SelectExpr) Position() Pos { return x.Pos }
func (x *MatchExpr) Position() Pos  { return x.Pos }
func (x *MatchArm) Position() Pos   { return x.Pos }

func (*Ident) exprNode()      {}
func (*IntLit) exprNode()     {}
func (*FloatLit) exprNode()   {}
func (*StringLit) exprNode()  {}
func (*BoolLit) exprNode()    {}
func (*NoneLit) exprNode()    {}
func (*SomeExpr) exprNode()   {}
func (*ListLit) exprNode()    {}
func (*RecordLit) exprNode()  {}
func (*FuncLit) exprNode()    {}
func (*CallExpr) exprNode()   {}
func (*FieldExpr) exprNode()  {}
func (*IndexExpr) exprNode()  {}
func (*UnaryExpr) exprNode()  {}
func (*BinaryExpr) exprNode() {}
func (*ParenExpr) exprNode()  {}
func (*SelectExpr) exprNode() {}
func (*MatchExpr) exprNode()  {}
