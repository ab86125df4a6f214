package check_test

import (
	"fmt"
	"strings"
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

const uiInfoSrc = `
type Item = { id: int, done: bool }
client fun main() {
  let items = source([{ id: 1, done: false }])
  let text = source("")
  let lit = source(true)
  mount("app", <div>
    <a href={"x"} title="t" hidden={true}>a</a>
    <input type="checkbox" bind={lit} checked={true}>
    <input bind={text}> <select bind={text}></select> <textarea bind={text}></textarea>
    <ul>{for t in get(items) key t.id { <li>{t.id}</li> }}</ul>
    {match some(1) { some(v) => v, none => 0 }}
  </div>)
  match some(2) { some(w) => log(str(w)), none => { } }
}
`

// TestUIInfo checks the facts the client's generator reads about HTML
// literals: attribute and bind kinds, each content for's loop variable,
// the arms of content and statement matches, and the types of holes.
func TestUIInfo(t *testing.T) {
	src := strings.ReplaceAll(uiInfoSrc, "let on =", "let lit =")
	src = strings.ReplaceAll(src, "bind={lit}", "bind={lit}")
	file, errs := syntax.Parse("ui.prog", []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	prog, errs := check.Check(file)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	info := prog.Info
	var attrs []string
	fors, matches, stmts := 0, 0, 0
	ast.Inspect(file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Attr:
			a, ok := info.Attrs[n]
			attrs = append(attrs, fmt.Sprintf("%s:%v:%d:%v:%d", n.Name, ok, a.Kind, a.Prop, a.Bind))
		case *ast.ForContent:
			fors++
			obj := info.ContentFors[n]
			if obj == nil || info.Defs[n.Var] != obj || obj.Type.String() != "{ id: int, done: bool }" {
				t.Errorf("content for's variable: %+v", obj)
			}
			// The key and the body read the loop variable.
			key := n.Key.(*ast.FieldExpr).X.(*ast.Ident)
			if info.Uses[key] != obj {
				t.Errorf("the key does not read the loop variable")
			}
			hole := n.Body.(*ast.ExprHole).X.(*ast.ElementLit).Children[0].(*ast.ExprHole)
			if info.TypeOf(hole.X) != types.Int || info.Uses[hole.X.(*ast.FieldExpr).X.(*ast.Ident)] != obj {
				t.Errorf("the body's hole is %v", info.TypeOf(hole.X))
			}
		case *ast.MatchContent:
			matches++
			m := info.ContentMatches[n]
			if m.Some == nil || m.None == nil || m.Some.Bind.Name != "v" {
				t.Errorf("content match arms %+v", m)
			}
		case *ast.MatchStmt:
			stmts++
			m := info.MatchStmts[n]
			if m.Some == nil || m.None == nil || m.Some.Bind.Name != "w" {
				t.Errorf("match statement arms %+v", m)
			}
		case *ast.ElementLit:
			if info.TypeOf(n) != types.HTML {
				t.Errorf("<%s> is %v", n.Name, info.TypeOf(n))
			}
		}
		return true
	})
	want := []string{
		"href:true:2:false:0", "title:true:0:false:0", "hidden:true:1:false:0",
		"type:true:0:false:0", "bind:true:0:false:2", "checked:true:1:true:0",
		"bind:true:0:false:1", "bind:true:0:false:3", "bind:true:0:false:4",
	}
	if strings.Join(attrs, " ") != strings.Join(want, " ") {
		t.Errorf("attributes\n%s\nwant\n%s", strings.Join(attrs, "\n"), strings.Join(want, "\n"))
	}
	if fors != 1 || matches != 1 || stmts != 1 {
		t.Errorf("%d fors, %d content matches, %d match statements", fors, matches, stmts)
	}
}
