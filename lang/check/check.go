// Package check resolves names and checks types in a parsed Prog file.
//
// It works in two passes over the declarations. The first collects every
// top-level name (types, tables, functions) so that declarations may come
// in any order, and resolves type declarations, table rows and function
// signatures. The second checks each body: functions, lambdas and tasks.
//
// Checking records what it decides in an Info, side tables keyed by the
// tree's nodes: each expression's type, each name's object (a function's
// holds its signature), each table's row type, each task's period, the
// built-in overload of each call. The tree itself is left as parsed.
// Types are inferred inside a body by unification (package types); at the
// end of a body every binding must have a known type, or the checker asks
// for an annotation.
//
// Errors accumulate in a diag.List. An expression whose check failed gets
// types.Invalid, which is accepted everywhere, so one mistake gives one
// message.
//
// Where code runs (server, client) is not checked here: that is package
// split, which reads the tree and the Info.
package check

import (
	"strconv"

	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/lang/diag"
	"github.com/prog-lang/prog/lang/types"
)

// Program is a checked file and its top-level declarations by kind.
type Program struct {
	File   *ast.File
	Funcs  []*ast.FuncDecl // in source order
	Tables []*ast.TableDecl
	Tasks  []ast.Decl // *ast.EveryDecl and *ast.OnDecl, in source order
	Page   *ast.PageDecl
	Main   *ast.FuncDecl

	TypeNames map[string]*types.Named

	// Info is what the checker decided about the file's bodies.
	Info *Info

	// Erroneous holds the declarations in which checking found an error.
	// The split leaves out the functions and tasks among them: where code
	// runs is decided on the declarations that check clean, so its errors
	// come in the same run as the type errors, and none is caused by one.
	Erroneous map[ast.Decl]bool
}

// Check resolves and type-checks file. The Program is returned even when
// there are errors, its Info filled as far as checking got.
func Check(file *ast.File) (*Program, diag.List) {
	c := &checker{
		prog: &Program{File: file, TypeNames: map[string]*types.Named{}, Erroneous: map[ast.Decl]bool{},
			Info: &Info{
				Defs:     map[*ast.Ident]*Object{},
				Rows:     map[*ast.TableDecl]*types.Record{},
				Periods:  map[*ast.EveryDecl]int64{},
				Matches:  map[*ast.MatchExpr]Match{},
				Builtins: map[*ast.CallExpr]BuiltinCall{},

				MatchStmts:     map[*ast.MatchStmt]MatchStmt{},
				Attrs:          map[*ast.Attr]AttrInfo{},
				ContentFors:    map[*ast.ForContent]*Object{},
				ContentMatches: map[*ast.MatchContent]ContentMatch{},
			}},
		typeDecls: map[string]*ast.TypeDecl{},
		resolving: map[string]bool{},
		depths:    map[types.Type]int{},
		cut:       map[*types.Named]bool{},
		funcs:     map[string]*Object{},
		tables:    map[string]*ast.TableDecl{},
		tableObjs: map[*ast.TableDecl]*Object{},
	}
	c.info = c.prog.Info
	c.collect()
	c.signatures()
	for _, d := range file.Decls {
		c.decl = d
		switch d := d.(type) {
		case *ast.FuncDecl:
			c.funcBody(d, d.Params, c.info.Signature(d).Result, d.Body)
		case *ast.EveryDecl:
			c.funcBody(d, nil, types.Unit, d.Body)
		case *ast.OnDecl:
			c.funcBody(d, d.Params, types.Unit, d.Body)
		}
	}
	// Maps of the right size, filled once: recording each fact as it is
	// found would grow the maps step by step, a good part of the
	// checker's time.
	c.info.Uses = make(map[*ast.Ident]*Object, len(c.uses))
	for _, u := range c.uses {
		c.info.Uses[u.id] = u.obj
	}
	c.info.Types = make(map[ast.Expr]types.Type, c.ntyped)
	for _, body := range c.typed {
		for _, x := range body {
			c.info.Types[x.e] = x.t
		}
	}
	return c.prog, c.errs
}

type checker struct {
	errs diag.List
	prog *Program
	info *Info // prog.Info
	u    types.Unifier
	decl ast.Decl // the declaration being checked, which an error marks

	typeDecls map[string]*ast.TypeDecl
	resolving map[string]bool       // type names being resolved, to find cycles
	depths    map[types.Type]int    // how deeply each composite type nests (typeDepth)
	cut       map[*types.Named]bool // type names nested too deeply, now invalid
	funcs     map[string]*Object
	tables    map[string]*ast.TableDecl
	tableObjs map[*ast.TableDecl]*Object

	// The body being checked.
	fn *funcState
	// typed holds the expressions of finished bodies and their resolved
	// types, for Info.Types, body by body; ntyped counts them.
	typed  [][]typedExpr
	ntyped int
	// uses holds what each Ident refers to, for Info.Uses.
	uses []identObject
}

// funcState is the state of one function, lambda or task body.
type funcState struct {
	node   ast.Node   // the FuncDecl, FuncLit, EveryDecl or OnDecl
	result types.Type // what return must give
	scope  *scope
	// outer is the enclosing body, for a lambda; its scopes stay visible.
	outer *funcState
	// Bindings and expressions whose types are resolved when the
	// outermost body is finished, and recorded in Info.Types then.
	bindings []*Object
	exprs    []typedExpr
}

// typedExpr is an expression and the type inferred for it so far.
type typedExpr struct {
	e ast.Expr
	t types.Type
}

// identObject is an Ident and the object it refers to.
type identObject struct {
	id  *ast.Ident
	obj *Object
}

// scope is one block of local names. A scope with a table is the column
// scope of a where or set clause.
type scope struct {
	parent *scope
	names  map[string]*Object
	table  *ast.TableDecl
}

func (c *checker) errorf(pos diag.Pos, format string, args ...any) {
	c.errs.Add(pos, format, args...)
	if c.decl != nil {
		c.prog.Erroneous[c.decl] = true
	}
}

// ---- Pass 1: top-level names, types, signatures ----

var builtinTypes = map[string]types.Type{
	"int": types.Int, "float": types.Float, "bool": types.Bool,
	"string": types.String, "unit": types.Unit, "client": types.Client,
	"html": types.HTML,
}

var typeConstructors = map[string]bool{"list": true, "option": true, "channel": true, "source": true}

func (c *checker) collect() {
	seen := map[string]diag.Pos{}
	declare := func(id *ast.Ident, what string) bool {
		if prev, ok := seen[what+" "+id.Name]; ok {
			c.errorf(id.Pos, "%s %s redeclared (first declared at %s)", what, id.Name, diag.LineCol(prev))
			return false
		}
		seen[what+" "+id.Name] = id.Pos
		return true
	}
	for _, d := range c.prog.File.Decls {
		c.decl = d
		switch d := d.(type) {
		case *ast.TypeDecl:
			switch {
			case builtinTypes[d.Name.Name] != nil || typeConstructors[d.Name.Name]:
				c.errorf(d.Name.Pos, "type %s redeclares a built-in type", d.Name.Name)
			case declare(d.Name, "type"):
				c.typeDecls[d.Name.Name] = d
			}
		case *ast.TableDecl:
			if declare(d.Name, "table") {
				c.tables[d.Name.Name] = d
				c.prog.Tables = append(c.prog.Tables, d)
			}
		case *ast.FuncDecl:
			// A function may take a built-in's name (rooms.prog declares
			// join); in this program the name then means the function.
			// A redeclared function has an object too, for its
			// signature, which its body is checked against.
			obj := &Object{Kind: FuncObj, Name: d.Name.Name, Pos: d.Name.Pos, Func: d}
			c.info.Defs[d.Name] = obj
			if declare(d.Name, "function") {
				c.funcs[d.Name.Name] = obj
				c.prog.Funcs = append(c.prog.Funcs, d)
			}
		case *ast.PageDecl:
			if c.prog.Page != nil {
				c.errorf(d.Pos, "a program has at most one page (first at %s)", diag.LineCol(c.prog.Page.Pos))
			} else {
				c.prog.Page = d
			}
		case *ast.EveryDecl, *ast.OnDecl:
			c.prog.Tasks = append(c.prog.Tasks, d)
		}
	}
}

func (c *checker) signatures() {
	for _, d := range c.prog.File.Decls {
		c.decl = d
		switch d := d.(type) {
		case *ast.TypeDecl:
			if c.typeDecls[d.Name.Name] == d { // not a rejected redeclaration
				c.namedType(d.Name.Name)
			}
		case *ast.TableDecl:
			c.tableRow(d)
		case *ast.FuncDecl:
			c.funcSignature(d)
		case *ast.EveryDecl:
			c.every(d)
		case *ast.OnDecl:
			c.on(d)
		}
	}
	c.decl = nil
	main := c.funcs["main"]
	if main == nil && c.prog.File.Unparsed["main"] {
		return // its syntax error is reported
	}
	if main == nil {
		pos := diag.Pos{Filename: c.prog.File.Name, Line: 1, Column: 1}
		if len(c.prog.File.Decls) > 0 {
			pos = c.prog.File.Decls[0].Position()
		}
		c.errorf(pos, "program has no client fun main()")
		return
	}
	d := main.Func
	c.prog.Main = d
	c.decl = d
	defer func() { c.decl = nil }()
	if d.Side == "server" {
		c.errorf(d.Pos, "main must run on the client: declare it client fun main()")
	}
	if len(d.Params) > 0 {
		c.errorf(d.Params[0].Pos, "main must have no parameters")
	}
	if d.Result != nil {
		c.errorf(d.Result.Position(), "main must not return a value")
	}
}

// namedType resolves the type declared as name, once.
func (c *checker) namedType(name string) *types.Named {
	if n, ok := c.prog.TypeNames[name]; ok {
		return n
	}
	d := c.typeDecls[name]
	if c.resolving[name] {
		c.errorf(d.Name.Pos, "invalid recursive type %s", name)
		return &types.Named{Name: name, Under: types.Invalid}
	}
	// Errors in the definition are the type declaration's, whichever
	// declaration made it resolve the name.
	outer := c.decl
	c.decl = d
	defer func() { c.decl = outer }()
	n := &types.Named{Name: name, Under: types.Invalid}
	// Each name in the chain of names being resolved is a call deeper:
	// a thousand aliases of aliases stop here, as a deep type does below.
	if len(c.resolving) < ast.MaxNesting {
		c.resolving[name] = true
		n.Under = c.typ(d.Type)
		delete(c.resolving, name)
	}
	// A type made of one cut short is cut short too, quietly: one
	// message for a chain of aliases.
	if cut := c.mentionsCut(n.Under); cut || len(c.resolving) >= ast.MaxNesting || c.typeDepth(n.Under) > ast.MaxNesting {
		if !cut {
			c.errorf(d.Name.Pos, "type %s is nested too deeply: more than %d levels, aliases expanded", name, ast.MaxNesting)
		}
		n.Under = types.Invalid
		c.cut[n] = true
	}
	c.prog.TypeNames[name] = n
	return n
}

// mentionsCut reports whether t, as written, names a type that nested too
// deeply.
func (c *checker) mentionsCut(t types.Type) bool {
	switch u := t.(type) {
	case *types.Named:
		return c.cut[u]
	case *types.List:
		return c.mentionsCut(u.Elem)
	case *types.Option:
		return c.mentionsCut(u.Elem)
	case *types.Channel:
		return c.mentionsCut(u.Elem)
	case *types.Source:
		return c.mentionsCut(u.Elem)
	case *types.Record:
		for _, f := range u.Fields {
			if c.mentionsCut(f.Type) {
				return true
			}
		}
	case *types.Func:
		for _, p := range u.Params {
			if c.mentionsCut(p) {
				return true
			}
		}
		return c.mentionsCut(u.Result)
	}
	return false
}

// typeDepth returns how many levels t nests, aliases expanded, as the
// parser counts them (ast.MaxNesting). A type may nest deeper than any
// one declaration does: through aliases, or by inference (each of a chain
// of lets may wrap the last in some(…)). The later stages would then do
// work per level for each use, so the checker holds types to the parser's
// limit. Types share their parts, and the depth of each part is kept:
// a chain costs one step per link. A Var counts as bound at the time; the
// checker asks only once a body's types are settled.
func (c *checker) typeDepth(t types.Type) int {
	t = types.Prune(t)
	switch t.(type) {
	case *types.Basic, *types.Var, *types.Param:
		return 0
	}
	if d, ok := c.depths[t]; ok {
		return d
	}
	d := 0
	switch u := t.(type) {
	case *types.Named:
		d = c.typeDepth(u.Under)
	case *types.List:
		d = 1 + c.typeDepth(u.Elem)
	case *types.Option:
		d = 1 + c.typeDepth(u.Elem)
	case *types.Channel:
		d = 1 + c.typeDepth(u.Elem)
	case *types.Source:
		d = 1 + c.typeDepth(u.Elem)
	case *types.Record:
		for _, f := range u.Fields {
			d = max(d, c.typeDepth(f.Type))
		}
		d++
	case *types.Func:
		d = c.typeDepth(u.Result)
		for _, p := range u.Params {
			d = max(d, c.typeDepth(p))
		}
		d++
	}
	c.depths[t] = d
	return d
}

// typ resolves a type expression.
func (c *checker) typ(te ast.TypeExpr) types.Type {
	switch te := te.(type) {
	case nil:
		return types.Unit
	case *ast.NamedType:
		if t, ok := builtinTypes[te.Name]; ok {
			if len(te.Args) > 0 {
				c.errorf(te.Pos, "type %s takes no type arguments", te.Name)
			}
			return t
		}
		if typeConstructors[te.Name] {
			if len(te.Args) != 1 {
				c.errorf(te.Pos, "%s needs exactly one type argument, as in %s<int>", te.Name, te.Name)
				return types.Invalid
			}
			elem := c.typ(te.Args[0])
			switch te.Name {
			case "list":
				return &types.List{Elem: elem}
			case "option":
				return &types.Option{Elem: elem}
			case "source":
				return &types.Source{Elem: elem}
			}
			c.channelElem(te.Args[0].Position(), elem)
			return &types.Channel{Elem: elem}
		}
		if _, ok := c.typeDecls[te.Name]; ok {
			if len(te.Args) > 0 {
				c.errorf(te.Pos, "type %s takes no type arguments", te.Name)
			}
			return c.namedType(te.Name)
		}
		if _, ok := c.tables[te.Name]; ok {
			c.errorf(te.Pos, "%s is a table, not a type", te.Name)
			return types.Invalid
		}
		if !c.prog.File.Unparsed[te.Name] {
			c.errorf(te.Pos, "undefined type %s", te.Name)
		}
		return types.Invalid
	case *ast.RecordType:
		return c.record(te.Fields, "record field")
	case *ast.FuncType:
		f := &types.Func{Result: c.typ(te.Result)}
		for _, p := range te.Params {
			f.Params = append(f.Params, c.typ(p))
		}
		return f
	}
	panic("unreachable")
}

// channelElem reports message types that cannot travel to a client.
func (c *checker) channelElem(pos diag.Pos, elem types.Type) {
	if bad := holdsFunc(elem); bad {
		c.errorf(pos, "a channel cannot carry %s: functions never cross the network", elem)
	} else if bad := types.ClientOnly(elem); bad != "" {
		c.errorf(pos, "a channel cannot carry %s: %s cannot cross the network", elem, bad)
	}
}

func holdsFunc(t types.Type) bool {
	found := false
	types.Walk(t, func(t types.Type) {
		if _, ok := t.(*types.Func); ok {
			found = true
		}
	})
	return found
}

func (c *checker) record(fields []*ast.Field, what string) *types.Record {
	r := &types.Record{}
	seen := map[string]bool{}
	for _, f := range fields {
		if seen[f.Name.Name] {
			c.errorf(f.Name.Pos, "duplicate %s %s", what, f.Name.Name)
			continue
		}
		seen[f.Name.Name] = true
		r.Fields = append(r.Fields, types.Field{Name: f.Name.Name, Type: c.typ(f.Type)})
	}
	return r
}

func (c *checker) tableRow(d *ast.TableDecl) {
	if len(d.Columns) == 0 {
		c.errorf(d.Name.Pos, "table %s has no columns", d.Name.Name)
	}
	row := c.record(d.Columns, "column")
	c.info.Rows[d] = row
	c.tableObjs[d] = &Object{Kind: TableObj, Name: d.Name.Name, Pos: d.Name.Pos, Type: row, Table: d}
	for i, col := range d.Columns {
		if i >= len(row.Fields) {
			continue
		}
		if bad := types.ClientOnly(row.Fields[i].Type); bad != "" {
			c.errorf(col.Type.Position(), "column %s cannot hold %s: %s cannot cross the network (it lives on the client)",
				col.Name.Name, row.Fields[i].Type, bad)
		} else if !isColumnType(row.Fields[i].Type) {
			c.errorf(col.Type.Position(), "column %s cannot hold %s: a column is int, float, bool, string, client, channel<T> or option<T> of those",
				col.Name.Name, row.Fields[i].Type)
		}
	}
}

func isColumnType(t types.Type) bool {
	switch t := types.Unalias(t).(type) {
	case *types.Basic:
		return t != types.Unit && t != types.HTML
	case *types.Channel:
		return true
	case *types.Option:
		_, nested := types.Unalias(t.Elem).(*types.Option)
		return !nested && isColumnType(t.Elem)
	}
	return false
}

func (c *checker) funcSignature(d *ast.FuncDecl) {
	f := &types.Func{Result: c.typ(d.Result)}
	for _, p := range d.Params {
		f.Params = append(f.Params, c.typ(p.Type))
	}
	c.info.Defs[d.Name].Type = f
}

func (c *checker) every(d *ast.EveryDecl) {
	lit, err := strconv.ParseInt(d.Period, 10, 64)
	if err != nil || lit <= 0 {
		c.errorf(d.Pos, "every needs a period in milliseconds greater than 0, not %s", d.Period)
		return
	}
	c.info.Periods[d] = lit
}

func (c *checker) on(d *ast.OnDecl) {
	if d.Event.Name != "leave" {
		c.errorf(d.Event.Pos, "unknown event %s: the only event is leave, as in on leave(c: client)", d.Event.Name)
		return
	}
	if len(d.Params) != 1 {
		c.errorf(d.Event.Pos, "on leave takes one parameter of type client")
		return
	}
	if t := c.typ(d.Params[0].Type); !types.Identical(t, types.Client) && t != types.Invalid {
		c.errorf(d.Params[0].Type.Position(), "the parameter of on leave must be client, not %s", t)
	}
}
