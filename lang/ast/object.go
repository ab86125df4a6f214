package ast

import (
	"github.com/prog-lang/prog/lang/types"
	"github.com/prog-lang/prog/stdlib"
)

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
)

var objKindNames = [...]string{"undefined", "constant", "variable", "parameter", "function", "built-in", "column"}

func (k ObjKind) String() string { return objKindNames[k] }

// An Object is what a name refers to. Each declaration has one Object,
// shared by every Ident that uses it.
type Object struct {
	Kind ObjKind
	Name string
	Pos  Pos // where it is declared; zero for built-ins
	Type types.Type

	Func    *FuncDecl       // FuncObj
	Builtin *stdlib.Builtin // BuiltinObj
	Table   *TableDecl      // ColumnObj

	// Scope is the function or task whose body declares the local; nil for
	// globals. The split uses it to tell a closure's captured variables.
	Scope Node
}

// IsLocal reports whether the object is declared inside a body.
func (o *Object) IsLocal() bool {
	return o.Kind == LetObj || o.Kind == VarObj || o.Kind == ParamObj
}
