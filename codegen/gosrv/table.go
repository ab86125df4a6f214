package gosrv

import (
	"strings"

	"github.com/prog-lang/prog/lang/ast"
)

func quote(name string) string { return `"` + name + `"` }

// scanner writes scan_T, which reads every row of table t with its id.
func (g *gen) scanner(t *ast.TableDecl) {
	rec := g.recs.of(g.info.Rows[t])
	cols := []string{`"_id"`}
	dsts := []string{"&id"}
	for _, f := range g.info.Rows[t].Fields {
		cols = append(cols, quote(f.Name))
		dsts = append(dsts, "&r."+rec.goName[f.Name])
	}
	g.p("// scan_%s reads the rows of table %s.\n", t.Name.Name, t.Name.Name)
	g.p("func scan_%s(ctx *rt.Ctx) ([]int64, []%s) {\n", t.Name.Name, rec.name)
	g.p("return rt.ScanTable(ctx, %q, `SELECT %s FROM %s`, func(q *rt.Rows) (id int64, r %s) {\n",
		t.Name.Name, strings.Join(cols, ", "), quote(t.Name.Name), rec.name)
	g.p("q.Scan(%s)\nreturn id, r\n})\n}\n\n", strings.Join(dsts, ", "))
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

func (g *gen) insert(s *ast.InsertStmt) {
	var cols, marks, vals []string
	for _, f := range s.Fields {
		cols = append(cols, quote(f.Name.Name))
		marks = append(marks, "?")
		vals = append(vals, g.arg(f.Value))
	}
	g.p("ctx.Exec(`INSERT INTO %s (%s) VALUES (%s)`%s)\n", quote(s.Table.Name),
		strings.Join(cols, ", "), strings.Join(marks, ", "), prefixJoin(vals))
}

func (g *gen) update(s *ast.UpdateStmt) {
	t := g.info.TableOf(s.Table)
	rec := g.recs.of(g.info.Rows[t])
	var sets, vals []string
	for _, c := range s.Sets {
		sets = append(sets, quote(c.Column.Name)+" = ?")
		vals = append(vals, g.arg(c.Value))
	}
	where := "nil"
	if s.Where != nil {
		where = g.pred(t, s.Where)
	}
	g.p("rt.Update(ctx, `UPDATE %s SET %s WHERE \"_id\" = ?`, scan_%s, %s, func(row %s) []any { return []any{%s} })\n",
		quote(s.Table.Name), strings.Join(sets, ", "), s.Table.Name, where, rec.name, strings.Join(vals, ", "))
}

func (g *gen) delete(s *ast.DeleteStmt) {
	if s.Where == nil {
		g.p("ctx.Exec(`DELETE FROM %s`)\n", quote(s.Table.Name))
		return
	}
	g.p("rt.Delete(ctx, `DELETE FROM %s WHERE \"_id\" = ?`, scan_%s, %s)\n",
		quote(s.Table.Name), s.Table.Name, g.pred(g.info.TableOf(s.Table), s.Where))
}
