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
	if !types.Identical(result, types.Unit) && result != types.Invalid && !terminates(body) {
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
func terminates(b *ast.Block) bool {
	if len(b.Stmts) == 0 {
		return false
	}
	switch s := b.Stmts[len(b.Stmts)-1].(type) {
	case *ast.ReturnStmt:
		return true
	case *ast.IfStmt:
		return ifTerminates(s)
	case *ast.MatchStmt:
		for _, a := range s.Arms {
			if !terminates(a.Body) {
				return false
			}
		}
		return len(s.Arms) == 2
	case *ast.WhileStmt:
		lit, ok := s.Cond.(*ast.BoolLit)
		return ok && lit.Value // there is no break
	}
	return false
}

func ifTerminates(s *ast.IfStmt) bool {
	if s.Else == nil || !terminates(s.Then) {
		return false
	}
	if s.Else.If != nil {
		return ifTerminates(s.Else.If)
	}
	return terminates(s.Else.Block)
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
		c.block(s.Body)
	case *ast.ForStmt:
		t := c.expr(s.Seq)
		elem := types.Type(types.Invalid)
		if l, ok := types.Unalias(t).(*types.List); ok {
			elem = l.Elem
		} else if t == types.Invalid {
			// reported already
		} else if v := c.u.NewVar(); c.u.Unify(t, &types.List{Elem: v}) {
			elem = v
		} else {
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

func (c *checker) insert(s *ast.InsertStmt) {
	d := c.table(s.Table)
	given := map[string]bool{}
	for _, fi := range s.Fields {
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
		c.assign(fi.Value, col.Type, "for column "+col.Name)
	}
	if d != nil {
		for _, col := range c.info.Rows[d].Fields {
			if !given[col.Name] {
				c.errorf(s.Table.Pos, "insert into %s is missing column %s", d.Name.Name, col.Name)
			}
		}
	}
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
		c.use(set.Column, &Object{Kind: ColumnObj, Name: col.Name, Type: col.Type, Table: d})
		c.withColumns(d, func() { c.assign(set.Value, col.Type, "for column "+col.Name) })
	}
	c.where(d, s.Where)
}

// matchStmt checks a match statement: as a match expression, with
// blocks for arms.
func (c *checker) matchStmt(s *ast.MatchStmt) {
	xt := c.expr(s.X)
	elem := types.Type(c.u.NewVar())
	if !c.u.Unify(xt, &types.Option{Elem: elem}) {
		c.errorf(s.X.Position(), "cannot match on %s (%s): match needs an option", exprString(s.X), xt)
		elem = types.Invalid
	}
	var m MatchStmt
	for _, arm := range s.Arms {
		seen := &m.None
		if arm.Some {
			seen = &m.Some
		}
		if *seen != nil {
			c.errorf(arm.Pos, "duplicate %s arm in match (first at %s)", someOrNone(arm.Some), diag.LineCol((*seen).Pos))
		}
		*seen = arm
		c.push()
		if arm.Some {
			c.declare(arm.Bind, LetObj, elem)
		}
		c.block(arm.Body)
		c.pop()
	}
	c.missingArms(s.Pos, m.Some != nil, m.None != nil)
	c.info.MatchStmts[s] = m
}
