package check

import (
	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/lang/types"
	"github.com/prog-lang/prog/stdlib"
)

// Info is what the checker decided about a file, in side tables keyed by
// the nodes of its tree, as go/types' Info is: the tree itself holds only
// syntax and positions. Later stages (split, the code generators) read
// these facts and do not derive them again.
type Info struct {
	// Types is the type of each expression the checker reached,
	// resolved: inference is finished, and what nothing constrained is
	// unit. Names and literals of basic types are left out: a name's type
	// is its object's, a literal's is its kind, and they are most of a
	// program's expressions (recording them cost the front end a tenth of
	// its speed). TypeOf gives the type of every expression.
	Types map[ast.Expr]types.Type

	// Defs is the object each declaring Ident declares: a function's
	// name (its object's Type is its signature), a parameter, a let, var,
	// for or match binding.
	Defs map[*ast.Ident]*Object

	// Uses is the object each other Ident refers to: locals, functions,
	// built-ins (the callee of a built-in call), table columns (in a
	// where clause, and the column of each set clause) and tables (the
	// table a select, insert, update or delete names). A name that is
	// undefined refers to an object of kind BadObj.
	Uses map[*ast.Ident]*Object

	// Rows is the row type of each table: a record of its columns.
	Rows map[*ast.TableDecl]*types.Record

	// Periods is the period of each every task, in milliseconds.
	Periods map[*ast.EveryDecl]int64

	// Matches holds each match's arms, whichever order they were
	// written in: what the generators lower a match to.
	Matches map[*ast.MatchExpr]Match

	// Builtins holds, for each call of a built-in, the built-in and the
	// overload chosen, instantiated for the call.
	Builtins map[*ast.CallExpr]BuiltinCall

	// MatchStmts holds each match statement's arms, as Matches does a
	// match expression's.
	MatchStmts map[*ast.MatchStmt]MatchStmt

	// Attrs holds, for each plain attribute (name, name="text",
	// name={e}) and each bind of an element literal that checked, how the
	// client writes it (html.go). class:, style: and on<event> need no
	// more than the tree says.
	Attrs map[*ast.Attr]AttrInfo

	// ContentFors holds each content for's loop variable. Every read of it
	// in the body is a use of this object (Uses), which the client's
	// generator compiles as a read of the row's source.
	ContentFors map[*ast.ForContent]*Object

	// ContentMatches holds each content match's arms.
	ContentMatches map[*ast.MatchContent]ContentMatch
}

// BuiltinCall is the checker's reading of a call of a built-in.
type BuiltinCall struct {
	Builtin *stdlib.Builtin
	// Overload is the signature chosen, one of Builtin.Sigs as written
	// there (its type parameters not instantiated): the code generators
	// pick their code by it. Nil when the call had an error.
	Overload *types.Func
	// Sig is the signature chosen among Builtin.Sigs, its type
	// parameters instantiated for this call; nil when the call had an
	// error.
	Sig *types.Func
}

// Match is the checker's reading of a match: its some(…) arm and its
// none arm. The value of Match.Some.Bind is the option's element; whether
// it is used is its object's Used.
type Match struct {
	Some, None *ast.MatchArm
}

// MatchStmt is the checker's reading of a match statement.
type MatchStmt struct {
	Some, None *ast.MatchStmtArm
}

// ContentMatch is the checker's reading of a content match: like a match
// expression, it has both arms.
type ContentMatch struct {
	Some, None *ast.ContentArm
}

// TypeOf returns the type of e, or nil if the checker did not reach it.
func (info *Info) TypeOf(e ast.Expr) types.Type {
	switch e := e.(type) {
	case *ast.Ident:
		obj := info.Uses[e]
		switch {
		case obj == nil:
			return nil
		case obj.Kind == BuiltinObj:
			return types.Invalid // a built-in is no value
		}
		return obj.Type
	}
	if t := basicLitType(e); t != nil {
		return t
	}
	return info.Types[e]
}

// basicLitType is the type of a basic literal (which Info.Types leaves
// out, for speed), or nil for any other expression.
func basicLitType(e ast.Expr) types.Type {
	switch e.(type) {
	case *ast.IntLit:
		return types.Int
	case *ast.FloatLit:
		return types.Float
	case *ast.StringLit:
		return types.String
	case *ast.BoolLit:
		return types.Bool
	}
	return nil
}

// ObjectOf returns the object id declares or refers to, or nil.
func (info *Info) ObjectOf(id *ast.Ident) *Object {
	if obj := info.Defs[id]; obj != nil {
		return obj
	}
	return info.Uses[id]
}

// Signature returns the type of a top-level function, or nil if the
// checker did not reach it.
func (info *Info) Signature(d *ast.FuncDecl) *types.Func {
	if obj := info.Defs[d.Name]; obj != nil {
		f, _ := obj.Type.(*types.Func)
		return f
	}
	return nil
}

// TableOf returns the table id names in a select, insert, update or
// delete, or nil if it names none.
func (info *Info) TableOf(id *ast.Ident) *ast.TableDecl {
	if obj := info.Uses[id]; obj != nil && obj.Kind == TableObj {
		return obj.Table
	}
	return nil
}

// ObjKind says what sort of thing a name refers to.
type ObjKind int

const (
	BadObj     ObjKind = iota // an undefined name, already reported
	LetObj                    // an immutable local: let, for, match binding
	VarObj                    // a mutable local: var
	ParamObj                  // a function or task parameter
	FuncObj                   // a top-level function
	BuiltinObj                // a built-in function
	ColumnObj                 // a table column, in a where or set clause
	TableObj                  // a table, named by a select or a table statement
)

var objKindNames = [...]string{"undefined", "constant", "variable", "parameter", "function", "built-in", "column", "table"}

func (k ObjKind) String() string { return objKindNames[k] }

// An Object is what a name refers to. Each declaration has one Object,
// shared by every Ident that uses it.
type Object struct {
	Kind ObjKind
	Name string
	Pos  ast.Pos // where it is declared; zero for built-ins
	Type types.Type

	Func    *ast.FuncDecl   // FuncObj
	Builtin *stdlib.Builtin // BuiltinObj
	Table   *ast.TableDecl  // ColumnObj, TableObj

	// Scope is the function or task whose body declares the local; nil for
	// globals. The split uses it to tell a closure's captured variables.
	Scope ast.Node

	// Used reports, for a local, whether some expression reads it (the
	// target of an assignment does not). Go rejects a local that is never
	// read: the server's generator then writes _ = x.
	Used bool
}

// IsLocal reports whether the object is declared inside a body.
func (o *Object) IsLocal() bool {
	return o.Kind == LetObj || o.Kind == VarObj || o.Kind == ParamObj
}
