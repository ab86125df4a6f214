// Package ast declares the syntax tree of a Prog program.
//
// The tree is what the parser (package syntax) produces. Declaration
// headers and the types in them carry participle grammar tags and are
// filled by participle; blocks, statements, expressions, lambdas and the
// types inside bodies are built by the syntax package's hand-written
// parser, by the same grammar. Every node has a position.
//
// The tree holds syntax and positions only. What later passes decide
// about it is theirs to record, beside it, as go/types' Info is: the
// checker records what each name refers to, each expression's type, each
// declaration's resolved type and which overload a built-in call chose in
// a check.Info keyed by the tree's nodes; the split records where each
// function runs.
package ast

import (
	"github.com/prog-lang/prog/lang/diag"
)

// MaxNesting is how many levels deep a declaration may nest, where a
// person writes a dozen: deeper is an error, "nesting too deep". The
// parser counts a level for each expression operand, block, if and type
// in another, and for each link of a chain of operators, calls, fields or
// indexes (each puts the chain before it a level deeper); the checker
// applies the same limit to types, aliases expanded. Every later stage
// walks trees and types by recursion, and some build a string per level,
// so the limit keeps each of them safe and fast; the deepest program the
// parser accepts goes through every stage in codegen's
// TestDeepestAccepted. (go/parser's limit, 100,000, would let quadratic
// work in later stages run for minutes.)
const MaxNesting = 1000

// Pos is a source position.
type Pos = diag.Pos

// A Node is any node of the tree.
type Node interface {
	Position() Pos
}

// File is one parsed .prog file.
type File struct {
	Name  string // the file name, as given to the parser
	Decls []Decl

	// Unparsed holds the names of declarations that had syntax errors,
	// so that the checker does not report their uses as undefined.
	Unparsed map[string]bool
}

// Position is the start of the file.
func (f *File) Position() Pos { return Pos{Filename: f.Name, Line: 1, Column: 1} }

// Ident is a name where it is used or declared.
type Ident struct {
	Pos  Pos
	Name string `parser:"@Ident"`
}

// ---- Declarations ----

// A Decl is a top-level declaration.
type Decl interface {
	Node
	declNode()
}

// TypeDecl is `type Name = T`.
type TypeDecl struct {
	Pos  Pos
	Name *Ident   `parser:"'type' @@ '='"`
	Type TypeExpr `parser:"@@"`
}

// TableDecl is `table name { col: T, ... } [clause, ...]`.
type TableDecl struct {
	Pos     Pos
	Name    *Ident         `parser:"'table' @@"`
	Columns []*Field       `parser:"'{' ( @@ ( ',' @@? )* )? '}'"`
	Clauses []*TableClause `parser:"( @@ ( ',' @@ )* )?"`
}

// TableClause is `key C`, `unique C` or `index C` after a table's columns,
// C a column or a parenthesised list of columns.
type TableClause struct {
	Pos     Pos
	Kind    string   `parser:"@( 'key' | 'unique' | 'index' )"`
	Columns []*Ident `parser:"( '(' @@ ( ',' @@ )* ','? ')' | @@ )"`
}

// PageDecl is `page "html"`, usually with a raw string.
type PageDecl struct {
	Pos  Pos
	HTML string `parser:"'page' @( RawString | String )"`
}

// FuncDecl is a named function, optionally fixed to one side.
type FuncDecl struct {
	Pos    Pos
	Side   string   `parser:"@( 'server' | 'client' )?"`
	Name   *Ident   `parser:"'fun' @@"`
	Params []*Param `parser:"'(' ( @@ ( ',' @@? )* )? ')'"`
	Result TypeExpr `parser:"( ':' @@ )?"`
	Body   *Block   // parsed by hand, after the header
}

// EveryDecl is a periodic server task: `every 1000 { ... }`.
type EveryDecl struct {
	Pos    Pos
	Period string `parser:"'every' @Int"`
	Body   *Block // parsed by hand, after the header
}

// OnDecl is an event task: `on leave(c: client) { ... }`.
type OnDecl struct {
	Pos    Pos
	Event  *Ident   `parser:"'on' @@"`
	Params []*Param `parser:"'(' ( @@ ( ',' @@? )* )? ')'"`
	Body   *Block   // parsed by hand, after the header
}

// Param is a function parameter.
type Param struct {
	Pos  Pos
	Name *Ident   `parser:"@@ ':'"`
	Type TypeExpr `parser:"@@"`
}

// Field is a field of a table or record type.
type Field struct {
	Pos  Pos
	Name *Ident   `parser:"@@ ':'"`
	Type TypeExpr `parser:"@@"`
}

func (d *TypeDecl) Position() Pos    { return d.Pos }
func (d *TableDecl) Position() Pos   { return d.Pos }
func (d *PageDecl) Position() Pos    { return d.Pos }
func (d *FuncDecl) Position() Pos    { return d.Pos }
func (d *EveryDecl) Position() Pos   { return d.Pos }
func (d *OnDecl) Position() Pos      { return d.Pos }
func (p *Param) Position() Pos       { return p.Pos }
func (f *Field) Position() Pos       { return f.Pos }
func (c *TableClause) Position() Pos { return c.Pos }
func (x *Ident) Position() Pos       { return x.Pos }

func (*TypeDecl) declNode()  {}
func (*TableDecl) declNode() {}
func (*PageDecl) declNode()  {}
func (*FuncDecl) declNode()  {}
func (*EveryDecl) declNode() {}
func (*OnDecl) declNode()    {}

// ---- Type expressions ----

// A TypeExpr is a type as written.
type TypeExpr interface {
	Node
	typeExprNode()
}

// NamedType is a type name with optional arguments: `int`, `Msg`,
// `list<int>`, `channel<Msg>`.
type NamedType struct {
	Pos  Pos
	Name string     `parser:"@Ident"`
	Args []TypeExpr `parser:"( '<' @@ ( ',' @@ )* '>' )?"`
}

// RecordType is `{ a: int, b: string }`.
type RecordType struct {
	Pos    Pos
	Fields []*Field `parser:"'{' ( @@ ( ',' @@? )* )? '}'"`
}

// FuncType is `fun(int, string): bool`.
type FuncType struct {
	Pos    Pos
	Params []TypeExpr `parser:"'fun' '(' ( @@ ( ',' @@? )* )? ')'"`
	Result TypeExpr   `parser:"( ':' @@ )?"`
}

func (t *NamedType) Position() Pos  { return t.Pos }
func (t *RecordType) Position() Pos { return t.Pos }
func (t *FuncType) Position() Pos   { return t.Pos }

func (*NamedType) typeExprNode()  {}
func (*RecordType) typeExprNode() {}
func (*FuncType) typeExprNode()   {}
