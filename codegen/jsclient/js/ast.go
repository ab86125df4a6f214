// Package js is a small JavaScript syntax tree and its printer: the node
// kinds the client half of a Prog program needs and no others.
//
// The generator (package jsclient) builds a tree and Print writes it as
// readable source: two spaces per block, one statement per line, what
// would run past the line width broken (a call one argument per line, a
// conditional one branch per line, a + chain where the line is full), and
// parentheses only where precedence needs them. Names are printed as
// given: choosing them so that JavaScript's scoping means what the program
// means is the generator's job.
//
// Every node may carry the position of the Prog source it came from, and
// Print records one source mapping for each node that has one, at the
// generated line and column where the node starts. Columns on both sides
// count UTF-16 code units, as source maps do.
package js

// Loc is a position in the original source: a 1-based line and a 0-based
// column in UTF-16 code units. The zero Loc is no position.
type Loc struct {
	Line, Col int
}

// ---- Expressions ----

// An Expr is an expression.
type Expr interface{ exprNode() }

// Lit is a literal printed as written: a number ("1.5", "-3n"), true,
// false, null.
type Lit struct {
	Loc
	Text string
}

// Str is a string literal.
type Str struct {
	Loc
	Value string
}

// Name is a reference to a binding.
type Name struct {
	Loc
	Name string
}

// Dot is x.name.
type Dot struct {
	Loc
	X    Expr
	Name string
}

// Index is x[i].
type Index struct {
	Loc
	X, Index Expr
}

// Call is fun(args).
type Call struct {
	Loc
	Fun  Expr
	Args []Expr
}

// Unary is a prefix operator: "!", "-".
type Unary struct {
	Loc
	Op string
	X  Expr
}

// Await is await x.
type Await struct {
	Loc
	X Expr
}

// Binary is x op y, for the arithmetic, comparison and logical operators.
type Binary struct {
	Loc
	Op   string
	X, Y Expr
}

// Assign is target = value.
type Assign struct {
	Loc
	Target, Value Expr
}

// Cond is test ? yes : no.
type Cond struct {
	Loc
	Test, Yes, No Expr
}

// Seq is a comma expression: each in order, the value of the last.
type Seq struct {
	Loc
	List []Expr
}

// Array is [elems].
type Array struct {
	Loc
	Elems []Expr
}

// Object is an object literal. Every key becomes an own property, even
// __proto__ (which a plain `__proto__: v` would take as the prototype).
type Object struct {
	Loc
	Props []Prop
}

// Prop is one property of an object literal.
type Prop struct {
	Key   string
	Value Expr
}

// Arrow is an arrow function: (params) => { body }, or (params) => expr
// when Expr is set.
type Arrow struct {
	Loc
	Async  bool
	Params []string
	Body   []Stmt
	Expr   Expr
}

func (*Lit) exprNode()    {}
func (*Str) exprNode()    {}
func (*Name) exprNode()   {}
func (*Dot) exprNode()    {}
func (*Index) exprNode()  {}
func (*Call) exprNode()   {}
func (*Unary) exprNode()  {}
func (*Await) exprNode()  {}
func (*Binary) exprNode() {}
func (*Assign) exprNode() {}
func (*Cond) exprNode()   {}
func (*Seq) exprNode()    {}
func (*Array) exprNode()  {}
func (*Object) exprNode() {}
func (*Arrow) exprNode()  {}

// ---- Statements ----

// A Stmt is a statement.
type Stmt interface{ stmtNode() }

// ImportAll is import * as Name from "Path".
type ImportAll struct {
	Name, Path string
}

// Func is a function declaration.
type Func struct {
	Loc
	Async  bool
	Name   string
	Params []string
	Body   []Stmt
}

// Decl declares block-scoped bindings: const or let, each with an
// optional initial value.
type Decl struct {
	Loc
	Kind  string // "const" or "let"
	Binds []Bind
}

// Bind is one binding of a Decl; Value may be nil (let only).
type Bind struct {
	Name  string
	Value Expr
}

// ExprStmt is an expression evaluated for its effect.
type ExprStmt struct {
	Loc
	X Expr
}

// If is if (cond) { then } else { else }; an Else that is one If prints
// as else if.
type If struct {
	Loc
	Cond Expr
	Then []Stmt
	Else []Stmt
}

// While is while (cond) { body }.
type While struct {
	Loc
	Cond Expr
	Body []Stmt
}

// ForOf is for (const name of seq) { body }: a new binding each turn.
type ForOf struct {
	Loc
	Name string
	Seq  Expr
	Body []Stmt
}

// Return is return [value].
type Return struct {
	Loc
	Value Expr
}

// Break is break.
type Break struct {
	Loc
}

func (*ImportAll) stmtNode() {}
func (*Func) stmtNode()      {}
func (*Decl) stmtNode()      {}
func (*ExprStmt) stmtNode()  {}
func (*If) stmtNode()        {}
func (*While) stmtNode()     {}
func (*ForOf) stmtNode()     {}
func (*Return) stmtNode()    {}
func (*Break) stmtNode()     {}
