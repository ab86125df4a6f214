package ast

// A Stmt is a statement.
type Stmt interface {
	Node
	stmtNode()
}

// Block is `{ stmt; stmt }`. Semicolons are optional separators.
type Block struct {
	Pos   Pos
	Stmts []Stmt
}

// LetStmt is `let x[: T] = e`, an immutable binding.
type LetStmt struct {
	Pos   Pos
	Name  *Ident
	Type  TypeExpr
	Value Expr
}

// VarStmt is `var x[: T] = e`, a mutable local.
type VarStmt struct {
	Pos   Pos
	Name  *Ident
	Type  TypeExpr
	Value Expr
}

// IfStmt is `if c { } [else if ... | else { }]`.
type IfStmt struct {
	Pos  Pos
	Cond Expr
	Then *Block
	Else *ElseIf
}

// ElseIf is what follows `else`: another if, or a block.
type ElseIf struct {
	If    *IfStmt
	Block *Block
}

// WhileStmt is `while c { }`.
type WhileStmt struct {
	Pos  Pos
	Cond Expr
	Body *Block
}

// ForStmt is `for x in xs { }`.
type ForStmt struct {
	Pos  Pos
	Var  *Ident
	Seq  Expr
	Body *Block
}

// ReturnStmt is `return [e]`.
type ReturnStmt struct {
	Pos   Pos
	Value Expr
}

// SpawnStmt is `spawn f(a, b)`: start a call on the client without waiting.
type SpawnStmt struct {
	Pos  Pos
	Call Expr
}

// InsertStmt is `insert table { col: e, ... }`.
type InsertStmt struct {
	Pos    Pos
	Table  *Ident
	Fields []*FieldInit
}

// UpdateStmt is `update table set col = e, ... [where e]`.
type UpdateStmt struct {
	Pos   Pos
	Table *Ident
	Sets  []*SetClause
	Where Expr
}

// SetClause is `col = e` in an update.
type SetClause struct {
	Pos    Pos
	Column *Ident
	Value  Expr
}

// DeleteStmt is `delete table [where e]`.
type DeleteStmt struct {
	Pos   Pos
	Table *Ident
	Where Expr
}

// MatchStmt is the statement `match o { some(v) => { … }, none => { … } }`.
// The braces around an arm's body may be left out for one expression, as
// in a match expression; the parser then wraps it in a Block.
type MatchStmt struct {
	Pos  Pos
	X    Expr
	Arms []*MatchStmtArm
}

// MatchStmtArm is one arm of a match statement. Bind is nil for none.
type MatchStmtArm struct {
	Pos  Pos
	Some bool
	Bind *Ident
	Body *Block
}

// ExprStmt is an expression used as a statement (a call), or, when Value
// is set, an assignment `x = e`.
type ExprStmt struct {
	Pos   Pos
	X     Expr
	Value Expr
}

func (s *Block) Position() Pos        { return s.Pos }
func (s *LetStmt) Position() Pos      { return s.Pos }
func (s *VarStmt) Position() Pos      { return s.Pos }
func (s *IfStmt) Position() Pos       { return s.Pos }
func (s *WhileStmt) Position() Pos    { return s.Pos }
func (s *ForStmt) Position() Pos      { return s.Pos }
func (s *ReturnStmt) Position() Pos   { return s.Pos }
func (s *SpawnStmt) Position() Pos    { return s.Pos }
func (s *InsertStmt) Position() Pos   { return s.Pos }
func (s *UpdateStmt) Position() Pos   { return s.Pos }
func (s *DeleteStmt) Position() Pos   { return s.Pos }
func (s *ExprStmt) Position() Pos     { return s.Pos }
func (s *SetClause) Position() Pos    { return s.Pos }
func (s *MatchStmt) Position() Pos    { return s.Pos }
func (s *MatchStmtArm) Position() Pos { return s.Pos }

func (*LetStmt) stmtNode()    {}
func (*VarStmt) stmtNode()    {}
func (*IfStmt) stmtNode()     {}
func (*WhileStmt) stmtNode()  {}
func (*ForStmt) stmtNode()    {}
func (*ReturnStmt) stmtNode() {}
func (*SpawnStmt) stmtNode()  {}
func (*InsertStmt) stmtNode() {}
func (*UpdateStmt) stmtNode() {}
func (*DeleteStmt) stmtNode() {}
func (*ExprStmt) stmtNode()   {}
func (*MatchStmt) stmtNode()  {}
