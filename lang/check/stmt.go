package check

import (
	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/lang/diag"
	"github.com/prog-lang/prog/lang/types"
)

// funcBody checks the body of a function, lambda or task. A lambda's body
// is checked inside its enclosing body, whose scopes it sees.
func (c *checker) funcBody(node ast.Node, params []*ast.Param, result types.Type, body *ast.Block) {
	fs := &funcState{node: node, result: result, outer: c.fn}
	if c.fn != nil {
		fs.scope = c.fn.scope
	}
	c.fn = fs
	c.push()
	for _, p := range params {
		t := c.typ(p.Type)
		c.declare(p.Name, ParamObj, t)
	}
	c.block(body)
	c.pop()
	if !types.Identical(result, types.Unit) && result != types.Invalid && !c.terminates(body) {
		c.errorf(node.Position(), "missing return at the end of %s", describe(node))
	}
	c.fn = fs.outer
	if c.fn != nil {
		c.fn.bindings = append(c.fn.bindings, fs.bindings...)
		c.fn.exprs = append(c.fn.exprs, fs.exprs...)
		return
	}
	c.finish(fs)
}

// finish settles the types of a top-level body: every binding must be
// known, and what nothing constrains (the element of an unused `[]`)
// becomes unit. The expressions and their types go to c.typed.
//
// A type nested deeper than ast.MaxNesting (see typeDepth) is an error
// once per body, at the first binding (or else expression) that has it;
// every such type becomes invalid, so that nothing works on it per level.
func (c *checker) finish(fs *funcState) {
	reported := false
	// what names the binding or expression, only if there is an error:
	// printing every expression would cost more than checking it.
	tooDeep := func(pos diag.Pos, what func() string, t types.Type) bool {
		if c.typeDepth(t) <= ast.MaxNesting {
			return false
		}
		if !reported {
			c.errorf(pos, "the type of %s is nested too deeply: more than %d levels", what(), ast.MaxNesting)
			reported = true
		}
		return true
	}
	for _, obj := range fs.bindings {
		if tooDeep(obj.Pos, func() string { return obj.Name }, obj.Type) {
			obj.Type = types.Invalid
			continue
		}
		if t := obj.Type; types.HasVar(t) {
			c.errorf(obj.Pos, "cannot infer the type of %s (%s): add a type annotation", obj.Name, t)
			types.Default(t)
		}
		obj.Type = types.Resolve(obj.Type)
	}
	for i := range fs.exprs {
		x := &fs.exprs[i]
		if tooDeep(x.e.Position(), func() string { return exprString(x.e) }, x.t) {
			x.t = types.Invalid
			continue
		}
		types.Default(x.t)
		x.t = types.Resolve(x.t)
	}
	c.typed = append(c.typed, fs.exprs)
	c.ntyped += len(fs.exprs)
}

func describe(n ast.Node) string {
	switch n := n.(type) {
	case *ast.FuncDecl:
		return n.Name.Name
	case *ast.FuncLit:
		return "function literal"
	}
	return "task"
}

// terminates reports whether a block always ends in a return (or loops
// forever), so that a function with a result cannot fall off its end.
func (c *checker) terminates(b *ast.Block) bool {
	if len(b.Stmts) == 0 {
		return false
	}
	switch s := b.Stmts[len(b.Stmts)-1].(type) {
	case *ast.ReturnStmt:
		return true
	case *ast.IfStmt:
		return c.ifTerminates(s)
	case *ast.MatchStmt:
		for _, a := range s.Arms {
			if !c.terminates(a.Body) {
				return false
			}
		}
		return len(s.Arms) == 2
	case *ast.WhileStmt:
		return c.info.Endless[s] // there is no break
	}
	return false
}

func (c *checker) ifTerminates(s *ast.IfStmt) bool {
	if s.Else == nil || !c.terminates(s.Then) {
		return false
	}
	if s.Else.If != nil {
		return c.ifTerminates(s.Else.If)
	}
	return c.terminates(s.Else.Block)
}

// isTrue reports whether e is the literal true, perhaps in parentheses.
func isTrue(e ast.Expr) bool {
	for {
		switch x := e.(type) {
		case *ast.ParenExpr:
			e = x.X
		case *ast.BoolLit:
			return x.Value
		default:
			return false
		}
	}
}

func (c *checker) push() {
	c.fn.scope = &scope{parent: c.fn.scope, names: map[string]*Object{}}
}

func (c *checker) pop() { c.fn.scope = c.fn.scope.parent }

// declare adds a local to the innermost scope.
func (c *checker) declare(id *ast.Ident, kind ObjKind, t types.Type) *Object {
	obj := &Object{Kind: kind, Name: id.Name, Pos: id.Pos, Type: t, Scope: c.fn.node}
	if prev, ok := c.fn.scope.names[id.Name]; ok {
		c.errorf(id.Pos, "%s redeclared in this block (first declared at %s)", id.Name, diag.LineCol(prev.Pos))
	}
	for s := c.fn.scope.parent; s != nil && obj.Shadows == nil; s = s.parent {
		obj.Shadows = s.names[id.Name]
	}
	c.fn.scope.names[id.Name] = obj
	c.info.Defs[id] = obj
	if kind != ParamObj {
		c.fn.bindings = append(c.fn.bindings, obj)
	}
	return obj
}

func (c *checker) block(b *ast.Block) {
	c.push()
	for _, s := range b.Stmts {
		c.stmt(s)
	}
	c.pop()
}

func (c *checker) stmt(s ast.Stmt) {
	switch s := s.(type) {
	case *ast.LetStmt:
		c.binding(s.Name, s.Type, s.Value, LetObj)
	case *ast.VarStmt:
		c.binding(s.Name, s.Type, s.Value, VarObj)
	case *ast.IfStmt:
		c.ifStmt(s)
	case *ast.WhileStmt:
		c.cond(s.Cond, "while")
		if isTrue(s.Cond) {
			c.info.Endless[s] = true
		}
		c.block(s.Body)
	case *ast.ForStmt:
		t := c.expr(s.Seq)
		elem, ok := c.listElem(t)
		if !ok {
			c.errorf(s.Seq.Position(), "cannot range over %s: for … in needs a list", t)
		}
		c.push()
		c.declare(s.Var, LetObj, elem)
		c.block(s.Body)
		c.pop()
	case *ast.ReturnStmt:
		c.returnStmt(s)
	case *ast.MatchStmt:
		c.matchStmt(s)
	case *ast.SpawnStmt:
		if _, ok := s.Call.(*ast.CallExpr); !ok {
			c.errorf(s.Call.Position(), "spawn needs a function call, as in spawn f(x)")
		}
		c.expr(s.Call)
	case *ast.InsertStmt:
		c.insert(s)
	case *ast.UpdateStmt:
		c.update(s)
	case *ast.DeleteStmt:
		c.where(c.table(s.Table), s.Where)
	case *ast.ExprStmt:
		if s.Value != nil {
			c.assignment(s)
			return
		}
		if _, ok := s.X.(*ast.CallExpr); !ok {
			c.expr(s.X)
			c.errorf(s.X.Position(), "this expression is not used: only a call or an assignment can stand as a statement")
			return
		}
		c.expr(s.X)
	}
}

func (c *checker) binding(name *ast.Ident, te ast.TypeExpr, value ast.Expr, kind ObjKind) {
	var t types.Type
	if te != nil {
		t = c.typ(te)
		c.assign(value, t, "in the declaration of "+name.Name)
	} else {
		t = c.expr(value)
		if types.Identical(t, types.Unit) {
			c.errorf(value.Position(), "%s has no value to bind to %s", exprString(value), name.Name)
		}
	}
	// Declared after the value is checked: `let x = x + 1` sees the outer x.
	c.declare(name, kind, t)
}

func (c *checker) ifStmt(s *ast.IfStmt) {
	c.cond(s.Cond, "if")
	c.block(s.Then)
	if s.Else != nil {
		if s.Else.If != nil {
			c.ifStmt(s.Else.If)
		} else {
			c.block(s.Else.Block)
		}
	}
}

func (c *checker) cond(e ast.Expr, what string) {
	c.assign(e, types.Bool, "as the condition of "+what)
}

func (c *checker) returnStmt(s *ast.ReturnStmt) {
	want := c.fn.result
	if s.Value == nil {
		if !types.Identical(want, types.Unit) && want != types.Invalid {
			c.errorf(s.Pos, "missing return value: %s returns %s", describe(c.fn.node), want)
		}
		return
	}
	if types.Identical(want, types.Unit) {
		if t := c.expr(s.Value); !types.Identical(t, types.Unit) && t != types.Invalid {
			c.errorf(s.Value.Position(), "unexpected return value: %s has no result type", describe(c.fn.node))
		}
		return
	}
	c.assign(s.Value, want, "in return")
}

func (c *checker) assignment(s *ast.ExprStmt) {
	id, ok := s.X.(*ast.Ident)
	if !ok {
		c.expr(s.X)
		c.expr(s.Value)
		c.errorf(s.X.Position(), "cannot assign to %s: only a variable declared with var can be assigned", exprString(s.X))
		return
	}
	// The target is written, not read: it does not make the variable used.
	obj := c.lookup(id)
	c.use(id, obj)
	t := c.identType(id, obj)
	if obj.Kind != VarObj && obj.Kind != BadObj {
		c.expr(s.Value)
		c.errorf(id.Pos, "cannot assign to %s: it is a %s, not a variable declared with var", id.Name, obj.Kind)
		return
	}
	c.assign(s.Value, t, "in the assignment to "+id.Name)
}

// table resolves the table a statement or select names, and records it
// in Info.Uses.
func (c *checker) table(id *ast.Ident) *ast.TableDecl {
	d := c.tables[id.Name]
	if d == nil {
		if !c.prog.File.Unparsed[id.Name] {
			c.errorf(id.Pos, "undefined table %s", id.Name)
		}
		c.use(id, bad)
		return nil
	}
	c.use(id, c.tableObjs[d])
	return d
}

// where checks an optional where clause with the table's columns in scope.
func (c *checker) where(d *ast.TableDecl, e ast.Expr) {
	switch {
	case e == nil:
	case d == nil:
		c.expr(e)
	default:
		c.withColumns(d, func() { c.cond(e, "where") })
	}
}

func (c *checker) withColumns(d *ast.TableDecl, f func()) {
	c.fn.scope = &scope{parent: c.fn.scope, table: d}
	f()
	c.pop()
}

func (c *checker) insert(s *ast.InsertStmt) { c.insertRow(s.Table, s.Fields) }

// insertExpr checks an insert used as a value: the new row's serial.
func (c *checker) insertExpr(e *ast.InsertExpr) types.Type {
	d := c.insertRow(e.Table, e.Fields)
	if d != nil && c.info.Tables[d].Serial == "" {
		c.errorf(e.Pos, "insert into %s has no value: only a table with a serial column numbers its rows", d.Name.Name)
		return types.Invalid
	}
	return types.Int
}

// insertRow checks an insert's table and columns, and returns the table.
func (c *checker) insertRow(table *ast.Ident, fields []*ast.FieldInit) *ast.TableDecl {
	d := c.table(table)
	given := map[string]bool{}
	for _, fi := range fields {
		if given[fi.Name.Name] {
			c.errorf(fi.Name.Pos, "column %s given twice", fi.Name.Name)
		}
		given[fi.Name.Name] = true
		if d == nil {
			c.expr(fi.Value)
			continue
		}
		col, ok := c.info.Rows[d].Field(fi.Name.Name)
		if !ok {
			c.expr(fi.Value)
			c.errorf(fi.Name.Pos, "table %s has no column %s", d.Name.Name, fi.Name.Name)
			continue
		}
		if col.Name == c.info.Tables[d].Serial {
			c.expr(fi.Value)
			c.errorf(fi.Name.Pos, "column %s is serial: the database numbers it, so leave it out", col.Name)
			continue
		}
		c.assign(fi.Value, col.Type, "for column "+col.Name)
	}
	if d != nil {
		for _, col := range c.info.Rows[d].Fields {
			if !given[col.Name] && col.Name != c.info.Tables[d].Serial {
				c.errorf(table.Pos, "insert into %s is missing column %s", d.Name.Name, col.Name)
			}
		}
	}
	return d
}

// selectExpr checks a select: its where, order by and limit.
func (c *checker) selectExpr(e *ast.SelectExpr) types.Type {
	d := c.table(e.Table)
	c.where(d, e.Where)
	seen := map[string]bool{}
	for _, k := range e.Order {
		if d == nil {
			continue
		}
		col, ok := c.info.Rows[d].Field(k.Column.Name)
		if !ok {
			c.errorf(k.Column.Pos, "table %s has no column %s", d.Name.Name, k.Column.Name)
			continue
		}
		if seen[col.Name] {
			c.errorf(k.Column.Pos, "column %s named twice in order by", col.Name)
		}
		seen[col.Name] = true
		c.use(k.Column, &Object{Kind: ColumnObj, Name: col.Name, Type: col.Type, Table: d})
	}
	if e.Limit != nil {
		c.assign(e.Limit, types.Int, "as the limit")
	}
	if d == nil {
		return types.Invalid
	}
	return &types.List{Elem: c.info.Rows[d]}
}

func (c *checker) update(s *ast.UpdateStmt) {
	d := c.table(s.Table)
	seen := map[string]bool{}
	for _, set := range s.Sets {
		if seen[set.Column.Name] {
			c.errorf(set.Column.Pos, "column %s set twice", set.Column.Name)
		}
		seen[set.Column.Name] = true
		if d == nil {
			c.expr(set.Value)
			continue
		}
		col, ok := c.info.Rows[d].Field(set.Column.Name)
		if !ok {
			c.withColumns(d, func() { c.expr(set.Value) })
			c.errorf(set.Column.Pos, "table %s has no column %s", d.Name.Name, set.Column.Name)
			continue
		}
		if col.Name == c.info.Tables[d].Serial {
			c.errorf(set.Column.Pos, "column %s is serial: the database numbers it, and a row keeps its number", col.Name)
		}
		c.use(set.Column, &Object{Kind: ColumnObj, Name: col.Name, Type: col.Type, Table: d})
		c.withColumns(d, func() { c.assign(set.Value, col.Type, "for column "+col.Name) })
	}
	c.where(d, s.Where)
}

// matchStmt checks a match statement: as a match expression, with
// blocks for arms.
func (c *checker) matchStmt(s *ast.MatchStmt) {
	head := func(a *ast.MatchStmtArm) (bool, ast.Pos, *ast.Ident) { return a.Some, a.Pos, a.Bind }
	some, none := matchArms(c, s.Pos, s.X, s.Arms, head, func(a *ast.MatchStmtArm) { c.block(a.Body) })
	c.info.MatchStmts[s] = MatchStmt{Some: some, None: none}
}

// listElem returns the element type of t, the sequence of a for, and
// false if t is no list. An invalid t (reported already) is a list of
// invalid elements.
func (c *checker) listElem(t types.Type) (types.Type, bool) {
	if l, ok := types.Unalias(t).(*types.List); ok {
		return l.Elem, true
	}
	if t == types.Invalid {
		return types.Invalid, true
	}
	if v := c.u.NewVar(); c.u.Unify(t, &types.List{Elem: v}) {
		return v, true
	}
	return types.Invalid, false
}
