package ast

// An Expr is an expression. Its type is the checker's to record (in
// check.Info), not the tree's.
type Expr interface {
	Node
	exprNode()
}

// IntLit is an integer literal; Value is set by the parser.
type IntLit struct {
	Pos   Pos
	Raw   string
	Value int64
}

// FloatLit is a floating-point literal.
type FloatLit struct {
	Pos   Pos
	Raw   string
	Value float64
}

// StringLit is a string literal, escapes already decoded.
type StringLit struct {
	Pos   Pos
	Value string
}

// BoolLit is `true` or `false`.
type BoolLit struct {
	Pos   Pos
	Value bool
}

// NoneLit is `none`.
type NoneLit struct {
	Pos Pos
}

// SomeExpr is `some(e)`.
type SomeExpr struct {
	Pos Pos
	X   Expr
}

// ListLit is `[a, b]`.
type ListLit struct {
	Pos   Pos
	Elems []Expr
}

// RecordLit is `{ a: 1, b: "x" }`.
type RecordLit struct {
	Pos    Pos
	Fields []*FieldInit
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
}

// CallExpr is `f(a, b)`, or `f<T>(…)` with explicit type arguments.
type CallExpr struct {
	Pos      Pos // the position of Fun
	Fun      Expr
	TypeArgs []TypeExpr
	Lparen   Pos
	Args     []Expr
}

// FieldExpr is `x.name`.
type FieldExpr struct {
	Pos  Pos // the position of X
	X    Expr
	Name *Ident
}

// IndexExpr is `x[i]`.
type IndexExpr struct {
	Pos    Pos // the position of X
	X      Expr
	Lbrack Pos
	Index  Expr
}

// UnaryExpr is `-x` or `!x`.
type UnaryExpr struct {
	Pos Pos // the operator's position
	Op  string
	X   Expr
}

// BinaryExpr is `x op y`.
type BinaryExpr struct {
	Pos   Pos // the position of X
	X     Expr
	Op    string
	OpPos Pos
	Y     Expr
}

// ParenExpr is `(e)`, kept so positions and printing follow the source.
type ParenExpr struct {
	Pos Pos
	X   Expr
}

// SelectExpr is `select table [where e] [order by c [asc|desc], ...]
// [limit n]`, a list of the rows as records.
type SelectExpr struct {
	Pos   Pos
	Table *Ident
	Where Expr
	Order []*OrderKey
	Limit Expr
}

// OrderKey is one column of an `order by`.
type OrderKey struct {
	Pos    Pos
	Column *Ident
	Desc   bool
}

// InsertExpr is `insert table { col: e, ... }` used as a value: the
// serial the database gave the new row.
type InsertExpr struct {
	Pos    Pos
	Table  *Ident
	Fields []*FieldInit
}

// MatchExpr is `match x { some(v) => e1, none => e2 }`.
type MatchExpr struct {
	Pos  Pos
	X    Expr
	Arms []*MatchArm
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
func (x *OrderKey) Position() Pos   { return x.Pos }
func (x *InsertExpr) Position() Pos { return x.Pos }
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
func (*InsertExpr) exprNode() {}
func (*MatchExpr) exprNode()  {}
