package check_test

import (
	"testing"

	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/lang/check"
	"github.com/prog-lang/prog/lang/syntax"
	"github.com/prog-lang/prog/lang/types"
	"github.com/prog-lang/prog/stdlib"
)

const infoSrc = `
table scores { who: string, points: int }
type Score = {who: string, points: int}
every 250 { delete scores where points < 0 }
fun best(): list<Score> { return select scores where points > 10 }
fun show(x: float): string {
  let unused = 1
  var n = 0
  n = 2
  return str(x)
}
client fun main() { log(show(1.5)) }
`

// TestInfo checks that the checker records its decisions beside the tree.
func TestInfo(t *testing.T) {
	file, errs := syntax.Parse("info.prog", []byte(infoSrc))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	prog, errs := check.Check(file)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	info := prog.Info
	var show *ast.FuncDecl
	var every *ast.EveryDecl
	for _, d := range file.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Name.Name == "show" {
				show = d
			}
		case *ast.EveryDecl:
			every = d
		}
	}
	if got := info.Signature(show).String(); got != "fun(float): string" {
		t.Errorf("Signature(show) = %s", got)
	}
	if got := info.Periods[every]; got != 250 {
		t.Errorf("Periods[every] = %d, want 250", got)
	}
	table := prog.Tables[0]
	if got := info.Rows[table].String(); got != "{ who: string, points: int }" {
		t.Errorf("Rows[scores] = %s", got)
	}

	used := map[string]bool{}
	ast.Inspect(file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.LetStmt:
			used[n.Name.Name] = info.Defs[n.Name].Used
		case *ast.VarStmt:
			used[n.Name.Name] = info.Defs[n.Name].Used
		case *ast.SelectExpr:
			if info.TableOf(n.Table) != table {
				t.Errorf("the select names no table")
			}
		case *ast.DeleteStmt:
			if info.TableOf(n.Table) != table {
				t.Errorf("the delete names no table")
			}
		case *ast.CallExpr:
			id := n.Fun.(*ast.Ident)
			switch id.Name {
			case "str":
				b := info.Builtins[n]
				if b.Builtin != stdlib.Lookup("str") || b.Overload != b.Builtin.Sigs[1] {
					t.Errorf("str(x) chose %v, want the float overload %v", b.Overload, stdlib.Lookup("str").Sigs[1])
				}
				if info.TypeOf(n) != types.String || info.TypeOf(n.Args[0]) != types.Float {
					t.Errorf("str(x) is %v of %v", info.TypeOf(n), info.TypeOf(n.Args[0]))
				}
				if obj := info.Uses[n.Args[0].(*ast.Ident)]; obj.Kind != check.ParamObj || !obj.Used {
					t.Errorf("x in str(x) refers to %v, used %v", obj.Kind, obj.Used)
				}
			case "show":
				if obj := info.Uses[id]; obj.Kind != check.FuncObj || obj.Func != show {
					t.Errorf("show in main refers to %v", obj.Kind)
				}
			}
		}
		return true
	})
	// An assignment is not a use: Go would reject n, which is never read.
	if want := map[string]bool{"unused": false, "n": false}; used["unused"] != want["unused"] || used["n"] != want["n"] {
		t.Errorf("Used = %v, want %v", used, want)
	}
}

// TestEndlessAndShadows checks two facts the server's generator reads: a
// while on the literal true (in parentheses too) ends its body, and a
// local that declares a parameter of its own function again shadows it.
func TestEndlessAndShadows(t *testing.T) {
	const src = `
fun first(xs: list<int>, x: int): int {
  let x = x + 1
  while (true) {
    if xs[x] > 0 { return xs[x] }
  }
}
client fun main() { log(str(first([1], 0))) }
`
	file, errs := syntax.Parse("endless.prog", []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	prog, errs := check.Check(file)
	if len(errs) > 0 {
		t.Fatal(errs) // before Endless: missing return at the end of first
	}
	first := file.Decls[0].(*ast.FuncDecl)
	if w := first.Body.Stmts[1].(*ast.WhileStmt); !prog.Info.Endless[w] {
		t.Error("Endless[while (true)] = false")
	}
	let := prog.Info.Defs[first.Body.Stmts[0].(*ast.LetStmt).Name]
	if let.Shadows == nil || let.Shadows.Kind != check.ParamObj || let.Shadows.Pos != first.Params[1].Name.Pos {
		t.Errorf("let x shadows %+v, want the parameter x", let.Shadows)
	}
}
