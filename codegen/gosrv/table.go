package gosrv

import (
	"fmt"
	"strings"

	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/query"
)

func quote(name string) string { return `"` + name + `"` }

// scanner writes scan_T, which reads every row of table t with its id in
// insertion order (a select without where, order by or limit, which the
// runtime may answer from its cache), and row_T, which reads one row of
// a select.
func (g *gen) scanner(t *ast.TableDecl) {
	rec := g.recs.of(g.info.Rows[t])
	id := query.IDColumn(g.info, t)
	cols := []string{quote(id)}
	dsts := []string{"&id"}
	var fields []string
	for _, f := range g.info.Rows[t].Fields {
		cols = append(cols, quote(f.Name))
		dsts = append(dsts, "&r."+rec.goName[f.Name])
		fields = append(fields, "&r."+rec.goName[f.Name])
	}
	name := t.Name.Name
	g.p("// scan_%s reads the rows of table %s.\n", name, name)
	g.p("func scan_%s(ctx *rt.Ctx) ([]int64, []%s) {\n", name, rec.name)
	g.p("return rt.ScanTable(ctx, %q, `SELECT %s FROM %s ORDER BY %s`, func(q *rt.Rows) (id int64, r %s) {\n",
		name, strings.Join(cols, ", "), quote(name), quote(id), rec.name)
	g.p("q.Scan(%s)\nreturn id, r\n})\n}\n\n", strings.Join(dsts, ", "))
	g.p("// row_%s reads a row of table %s.\n", name, name)
	g.p("func row_%s(q *rt.Rows) (r %s) {\nq.Scan(%s)\nreturn r\n}\n\n", name, rec.name, strings.Join(fields, ", "))
}

// arg is a value for a query's parameters, which are of type any: an int
// literal there would be a Go int, too small for int64's range on 32-bit
// targets, so it is converted to int64.
func (g *gen) arg(e ast.Expr) string {
	if _, ok := unparen(e).(*ast.IntLit); ok {
		return "int64(" + g.expr(e) + ")"
	}
	return g.expr(e)
}

// sqlArgs is a table statement's SQL and parameters, as the arguments of
// the runtime's rt.Select, rt.Count, rt.Insert and rt.Write after ctx.
func (g *gen) sqlArgs(n ast.Node) string {
	s := g.queries[n]
	var b strings.Builder
	fmt.Fprintf(&b, "rt.SQL{SQLite: `%s`, Postgres: `%s`}", s.SQL[query.SQLite], s.SQL[query.Postgres])
	for i, p := range s.Params {
		if i == s.Limit {
			fmt.Fprintf(&b, ", rt.Limit(%s)", g.expr(p))
			continue
		}
		b.WriteString(", " + g.arg(p))
	}
	return b.String()
}

func (g *gen) insert(s *ast.InsertStmt) { g.p("rt.Write(ctx, %s)\n", g.sqlArgs(s)) }

func (g *gen) update(s *ast.UpdateStmt) { g.p("rt.Write(ctx, %s)\n", g.sqlArgs(s)) }

func (g *gen) delete(s *ast.DeleteStmt) { g.p("rt.Write(ctx, %s)\n", g.sqlArgs(s)) }

// selectExpr is a select: from the table's scanner when it reads every
// row in insertion order, else through its SQL.
func (g *gen) selectExpr(e *ast.SelectExpr) string {
	if e.Where == nil && e.Order == nil && e.Limit == nil {
		return fmt.Sprintf("rt.All(ctx, scan_%s)", e.Table.Name)
	}
	return fmt.Sprintf("rt.Select(ctx, row_%s, %s)", e.Table.Name, g.sqlArgs(e))
}
