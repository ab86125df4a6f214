// Package query turns a program's table statements into SQL: each select,
// insert, update, delete and length(select …) becomes one parameterised
// statement, written for SQLite and for PostgreSQL, that the server half
// runs as it is. It runs after the checker, on the declarations that
// checked clean, and reports what cannot run in the database.
//
// A where, set, order by or limit is translated, not evaluated in the
// program: every largest sub-expression that mentions no column is a
// parameter, computed by the program before the statement runs; the rest
// is SQL. Over columns only what has the same meaning in SQL as in the
// program is translated (LANGUAGE.md lists it); anything else is a compile
// error that names the sub-expression.
//
// The program's meaning is kept where the databases differ from it:
//   - int arithmetic fails on overflow and division by zero: PostgreSQL
//     raises an error (the runtime makes it the program's), SQLite would
//     not, so there it runs in functions the runtime registers (prog_iadd,
//     …), which fail as the program does;
//   - a NaN compares false with everything, itself included, and != true:
//     PostgreSQL holds NaN equal to itself and above every number, and on
//     SQLite a NaN is stored as the text 'NaN' (runtime.sqliteNaN), so each
//     float comparison is guarded; float arithmetic on SQLite runs in
//     functions that read and write that text;
//   - strings compare by code point: COLLATE "C" on PostgreSQL, SQLite's
//     own byte order (UTF-8 keeps code-point order);
//   - none is smallest in order by, NaN largest, and rows that order by
//     leaves tied come in insertion order;
//   - contains(col, s) is instr / strpos, exact and case-sensitive, where
//     LIKE would need escaping and fold ASCII case on SQLite.
package query

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/lang/check"
	"github.com/prog-lang/prog/lang/diag"
	"github.com/prog-lang/prog/lang/types"
)

// Dialect is a database's SQL.
type Dialect int

const (
	SQLite Dialect = iota
	Postgres
)

// Statement is one table statement as SQL.
type Statement struct {
	Table *ast.TableDecl
	// SQL is the statement in each dialect, indexed by Dialect. Parameter
	// N is written ?N on SQLite and $N (with a cast) on PostgreSQL.
	SQL [2]string
	// Params are the expressions the program computes before the
	// statement runs: parameter N is Params[N-1].
	Params []ast.Expr
	// Limit is the index in Params of a select's limit, or -1: the
	// program checks that it is not negative.
	Limit int
	// Columns are the columns a select reads, in this order.
	Columns []string
}

// Plans holds the statement of each table statement of a program, keyed
// by its node: *ast.SelectExpr, *ast.InsertStmt, *ast.InsertExpr,
// *ast.UpdateStmt, *ast.DeleteStmt, and the *ast.CallExpr of a
// length(select …), which counts in the database.
type Plans map[ast.Node]*Statement

// IDColumn is the column that numbers a table's rows in insertion order:
// its serial column, or the hidden _id.
func IDColumn(info *check.Info, t *ast.TableDecl) string {
	if s := info.Tables[t].Serial; s != "" {
		return s
	}
	return "_id"
}

// Plan translates the table statements of the declarations of prog that
// checked clean.
func Plan(prog *check.Program) (Plans, diag.List) {
	p := &planner{info: prog.Info, plans: Plans{}}
	for _, d := range prog.File.Decls {
		if prog.Erroneous[d] {
			continue
		}
		switch d.(type) {
		case *ast.FuncDecl, *ast.EveryDecl, *ast.OnDecl:
		default:
			continue
		}
		ast.Inspect(d, p.visit)
	}
	return p.plans, p.errs
}

type planner struct {
	info  *check.Info
	plans Plans
	errs  diag.List
}

func (p *planner) visit(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.CallExpr:
		if b, ok := p.info.Builtins[n]; ok && b.Builtin.Name == "length" && len(n.Args) == 1 {
			if sel, ok := unparen(n.Args[0]).(*ast.SelectExpr); ok {
				if s := p.selectStmt(sel, true); s != nil {
					p.plans[n] = s
				}
				// The select's own parameters are still visited, for
				// the selects inside them.
				p.visitParams(sel)
				return false
			}
		}
	case *ast.SelectExpr:
		if s := p.selectStmt(n, false); s != nil {
			p.plans[n] = s
		}
		p.visitParams(n)
		return false
	case *ast.InsertStmt:
		if s := p.insert(n.Table, n.Fields, false); s != nil {
			p.plans[n] = s
		}
	case *ast.InsertExpr:
		if s := p.insert(n.Table, n.Fields, true); s != nil {
			p.plans[n] = s
		}
	case *ast.UpdateStmt:
		if s := p.update(n); s != nil {
			p.plans[n] = s
		}
		p.visitWhereParams(n.Table, n.Where)
		for _, set := range n.Sets {
			p.visitWhereParams(n.Table, set.Value)
		}
		return false
	case *ast.DeleteStmt:
		if s := p.delete(n); s != nil {
			p.plans[n] = s
		}
		p.visitWhereParams(n.Table, n.Where)
		return false
	}
	return true
}

// visitParams visits what a select's parameters hold: a select in a
// where's parameter is a statement of its own.
func (p *planner) visitParams(sel *ast.SelectExpr) {
	p.visitWhereParams(sel.Table, sel.Where)
	if sel.Limit != nil {
		ast.Inspect(sel.Limit, p.visit)
	}
}

func (p *planner) visitWhereParams(table *ast.Ident, e ast.Expr) {
	t := p.table(table)
	if e == nil || t == nil {
		return
	}
	ast.Inspect(e, func(n ast.Node) bool {
		if x, ok := n.(ast.Expr); ok && !p.mentionsColumn(x, t) {
			ast.Inspect(x, p.visit)
			return false
		}
		return true
	})
}

// A builder writes one statement in both dialects at once.
type builder struct {
	p      *planner
	t      *ast.TableDecl
	sql    [2]strings.Builder
	params []ast.Expr
	ok     bool
}

func (p *planner) newBuilder(t *ast.TableDecl) *builder {
	return &builder{p: p, t: t, ok: true}
}

// w writes s to both dialects.
func (b *builder) w(s string) {
	b.sql[SQLite].WriteString(s)
	b.sql[Postgres].WriteString(s)
}

// w2 writes a different text to each dialect.
func (b *builder) w2(lite, pg string) {
	b.sql[SQLite].WriteString(lite)
	b.sql[Postgres].WriteString(pg)
}

func (b *builder) stmt() *Statement {
	if !b.ok {
		return nil
	}
	return &Statement{Table: b.t, SQL: [2]string{b.sql[SQLite].String(), b.sql[Postgres].String()},
		Params: b.params, Limit: -1}
}

// param adds e as a parameter, once, and writes a reference to it.
func (b *builder) param(e ast.Expr) {
	for i, p := range b.params {
		if p == e {
			b.paramRef(i+1, b.p.info.TypeOf(e))
			return
		}
	}
	b.params = append(b.params, e)
	b.paramRef(len(b.params), b.p.info.TypeOf(e))
}

// paramRef writes a reference to parameter n, of type t.
func (b *builder) paramRef(n int, t types.Type) {
	b.w2("?"+strconv.Itoa(n), "$"+strconv.Itoa(n)+"::"+pgType(t))
}

// pgType is the PostgreSQL type of a parameter of type t.
func pgType(t types.Type) string {
	t = types.Unalias(t)
	if o, ok := t.(*types.Option); ok {
		t = types.Unalias(o.Elem)
	}
	switch t {
	case types.Float:
		return "float8"
	case types.String:
		return "text"
	case types.Bool:
		return "boolean"
	}
	return "bigint" // int, client, channel
}

func quote(name string) string { return `"` + name + `"` }

func (p *planner) table(id *ast.Ident) *ast.TableDecl { return p.info.TableOf(id) }

func (p *planner) insert(table *ast.Ident, fields []*ast.FieldInit, returning bool) *Statement {
	t := p.table(table)
	if t == nil {
		return nil // a table with an error, reported
	}
	b := p.newBuilder(t)
	var cols []string
	for _, f := range fields {
		cols = append(cols, quote(f.Name.Name))
	}
	b.w("INSERT INTO " + quote(t.Name.Name) + " (" + strings.Join(cols, ", ") + ") VALUES (")
	if len(fields) == 0 {
		b.sql[SQLite].Reset()
		b.sql[Postgres].Reset()
		b.w("INSERT INTO " + quote(t.Name.Name) + " DEFAULT VALUES")
	}
	for i, f := range fields {
		if i > 0 {
			b.w(", ")
		}
		b.param(f.Value)
	}
	if len(fields) > 0 {
		b.w(")")
	}
	if returning {
		b.w(" RETURNING " + quote(IDColumn(p.info, t)))
	}
	return b.stmt()
}

func (p *planner) update(s *ast.UpdateStmt) *Statement {
	t := p.table(s.Table)
	if t == nil {
		return nil // a table with an error, reported
	}
	b := p.newBuilder(t)
	b.w("UPDATE " + quote(t.Name.Name) + " SET ")
	for i, set := range s.Sets {
		if i > 0 {
			b.w(", ")
		}
		b.w(quote(set.Column.Name) + " = ")
		b.value(set.Value)
	}
	b.where(s.Where)
	return b.stmt()
}

func (p *planner) delete(s *ast.DeleteStmt) *Statement {
	t := p.table(s.Table)
	if t == nil {
		return nil // a table with an error, reported
	}
	b := p.newBuilder(t)
	b.w("DELETE FROM " + quote(t.Name.Name))
	b.where(s.Where)
	return b.stmt()
}

// selectStmt translates a select, or with count, the length of one.
func (p *planner) selectStmt(sel *ast.SelectExpr, count bool) *Statement {
	t := p.table(sel.Table)
	if t == nil {
		return nil // a table with an error, reported
	}
	b := p.newBuilder(t)
	row := p.info.Rows[t]
	var cols []string
	for _, f := range row.Fields {
		cols = append(cols, f.Name)
	}
	switch {
	case count && sel.Limit == nil:
		b.w("SELECT count(*) FROM " + quote(t.Name.Name))
	case count:
		b.w("SELECT count(*) FROM (SELECT 1 FROM " + quote(t.Name.Name))
	default:
		var qs []string
		for _, c := range cols {
			qs = append(qs, quote(c))
		}
		b.w("SELECT " + strings.Join(qs, ", ") + " FROM " + quote(t.Name.Name))
	}
	b.where(sel.Where)
	if !count || sel.Limit != nil {
		b.orderBy(sel.Order)
	}
	limit := -1
	if sel.Limit != nil {
		b.w(" LIMIT ")
		limit = len(b.params)
		b.param(sel.Limit)
	}
	if count && sel.Limit != nil {
		b.w(") AS q")
	}
	s := b.stmt()
	if s != nil {
		s.Limit = limit
		if !count {
			s.Columns = cols
		}
	}
	return s
}

// orderBy writes the ORDER BY of a select: its keys, then insertion order.
func (b *builder) orderBy(keys []*ast.OrderKey) {
	id := IDColumn(b.p.info, b.t)
	b.w(" ORDER BY ")
	for _, k := range keys {
		col, _ := b.p.info.Rows[b.t].Field(k.Column.Name)
		b.w(quote(col.Name))
		if types.Identical(elem(col.Type), types.String) {
			b.w2("", ` COLLATE "C"`)
		}
		// none is smallest: first going up, last going down. (Said only
		// for options: PostgreSQL reads a plain column's index in order
		// only when the NULLS are its default.)
		_, opt := types.Unalias(col.Type).(*types.Option)
		switch {
		case k.Desc && opt:
			b.w(" DESC NULLS LAST, ")
		case k.Desc:
			b.w(" DESC, ")
		case opt:
			b.w(" ASC NULLS FIRST, ")
		default:
			b.w(", ")
		}
	}
	b.w(quote(id))
}

// elem is t without its option, if it is one.
func elem(t types.Type) types.Type {
	if o, ok := types.Unalias(t).(*types.Option); ok {
		return types.Unalias(o.Elem)
	}
	return types.Unalias(t)
}

func (b *builder) where(e ast.Expr) {
	if e == nil {
		return
	}
	b.w(" WHERE ")
	b.value(e)
}

// mentionsColumn reports whether e reads a column of table t.
func (p *planner) mentionsColumn(e ast.Expr, t *ast.TableDecl) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if obj := p.info.Uses[id]; obj != nil && obj.Kind == check.ColumnObj && obj.Table == t {
				found = true
			}
		}
		return !found
	})
	return found
}

// fail reports that e, which mentions a column, cannot run in the
// database.
func (b *builder) fail(e ast.Expr, why string) {
	b.ok = false
	b.p.errs.Add(e.Position(), "%s cannot run in the database: %s", ast.ExprString(e), why)
}

const allowed = "over columns a where, set or order by may use literals, == != < <= > >=, && || !, + - * / % on numbers, + on strings, contains(column, s), == none, != none and == some(x)"

// value writes e, an expression of a where or set: a parameter if it
// mentions no column, else its SQL.
func (b *builder) value(e ast.Expr) {
	if !b.p.mentionsColumn(e, b.t) {
		b.param(e)
		return
	}
	info := b.p.info
	switch e := e.(type) {
	case *ast.Ident:
		b.w(quote(e.Name))
	case *ast.ParenExpr:
		b.value(e.X)
	case *ast.SomeExpr:
		b.value(e.X) // a value is its some: NULL is none
	case *ast.UnaryExpr:
		switch {
		case e.Op == "!":
			b.w("(NOT ")
			b.value(e.X)
			b.w(")")
		case types.Identical(info.TypeOf(e), types.Int):
			b.w2("prog_ineg(", "(-")
			b.value(e.X)
			b.w(")")
		default:
			b.w2("prog_fneg(", "(-")
			b.value(e.X)
			b.w(")")
		}
	case *ast.BinaryExpr:
		b.binary(e)
	case *ast.CallExpr:
		bc, ok := info.Builtins[e]
		if !ok || bc.Builtin.Name != "contains" || bc.Overload == nil || !types.Identical(bc.Overload.Params[0], types.String) {
			b.fail(e, "it calls a function; "+allowed)
			return
		}
		b.w2("(instr(", "(strpos(")
		b.value(e.Args[0])
		b.w(", ")
		b.value(e.Args[1])
		b.w(") > 0)")
	default:
		b.fail(e, allowed)
	}
}

var sqlOps = map[string]string{"&&": " AND ", "||": " OR ", "==": " = ", "!=": " <> ", "<": " < ", "<=": " <= ", ">": " > ", ">=": " >= "}

var sqliteArith = map[string]string{"+": "add", "-": "sub", "*": "mul", "/": "div", "%": "mod"}

func (b *builder) binary(e *ast.BinaryExpr) {
	t := types.Unalias(b.p.info.TypeOf(e.X))
	switch e.Op {
	case "&&", "||":
		b.w("(")
		b.value(e.X)
		b.w(sqlOps[e.Op])
		b.value(e.Y)
		b.w(")")
	case "==", "!=":
		b.equal(e, t)
	case "<", "<=", ">", ">=":
		b.compare(e.X, e.Op, e.Y, t)
	case "+", "-", "*", "/", "%":
		switch {
		case types.Identical(t, types.String):
			b.w("(")
			b.value(e.X)
			b.w(" || ")
			b.value(e.Y)
			b.w(")")
		case types.Identical(t, types.Float) && e.Op == "%":
			b.fail(e, "% on floats has no SQL that computes it as the program does; compute it in the program")
		default:
			kind := "i"
			if types.Identical(t, types.Float) {
				kind = "f"
			}
			b.w2("prog_"+kind+sqliteArith[e.Op]+"(", "(")
			b.value(e.X)
			b.w2(", ", " "+e.Op+" ")
			b.value(e.Y)
			b.w(")")
		}
	default:
		b.fail(e, allowed)
	}
}

// compare writes x op y for two values of type t that are never NULL.
func (b *builder) compare(x ast.Expr, op string, y ast.Expr, t types.Type) {
	float := types.Identical(t, types.Float)
	if float {
		b.w("(")
	}
	b.w("(")
	b.value(x)
	b.w(sqlOps[op])
	b.value(y)
	if types.Identical(t, types.String) && op != "==" && op != "!=" {
		b.w2("", ` COLLATE "C"`)
	}
	b.w(")")
	if !float {
		return
	}
	// A NaN on either side makes == < <= > >= false and != true. Each
	// side is written again: a parameter by its number, a column by its
	// name, an expression in full.
	if op == "!=" {
		b.w(" OR ")
		b.nan(x, true)
		b.w(" OR ")
		b.nan(y, true)
	} else {
		b.w(" AND ")
		b.nan(x, false)
		b.w(" AND ")
		b.nan(y, false)
	}
	b.w(")")
}

// nan writes whether a float value is NaN (or, with is false, is not).
func (b *builder) nan(e ast.Expr, is bool) {
	b.w2("typeof(", "(")
	b.value(e)
	if is {
		b.w2(") = 'text'", ` = 'NaN'::float8)`)
	} else {
		b.w2(") <> 'text'", ` <> 'NaN'::float8)`)
	}
}

// equal writes == or != of two values of type t.
func (b *builder) equal(e *ast.BinaryExpr, t types.Type) {
	not := e.Op == "!="
	if _, opt := t.(*types.Option); !opt {
		b.compare(e.X, e.Op, e.Y, t)
		return
	}
	x, y := unparen(e.X), unparen(e.Y)
	if _, ok := x.(*ast.NoneLit); ok {
		x, y = y, x
	}
	if _, ok := y.(*ast.NoneLit); ok {
		b.w("(")
		b.value(x)
		if not {
			b.w(" IS NOT NULL)")
		} else {
			b.w(" IS NULL)")
		}
		return
	}
	// Both none, or both some and equal; never NULL itself, so that !
	// of it is right.
	if not {
		b.w("(NOT ")
	}
	b.w("((")
	b.value(x)
	b.w(" IS NULL AND ")
	b.value(y)
	b.w(" IS NULL) OR (")
	b.value(x)
	b.w(" IS NOT NULL AND ")
	b.value(y)
	b.w(" IS NOT NULL AND ")
	b.compare(x, "==", y, elem(t))
	b.w("))")
	if not {
		b.w(")")
	}
}

func unparen(e ast.Expr) ast.Expr {
	for {
		p, ok := e.(*ast.ParenExpr)
		if !ok {
			return e
		}
		e = p.X
	}
}

// String prints a statement for prog check --explain.
func (s *Statement) String() string {
	return fmt.Sprintf("sqlite:   %s\npostgres: %s", s.SQL[SQLite], s.SQL[Postgres])
}
