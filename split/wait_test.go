package split_test

import (
	"testing"

	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/pipeline"
)

// waitSrc has a chain of callers declared before what they call (a waits
// because b does, because c sleeps), a lambda that waits on its own
// (inside a function that does not), a call through a function value, a
// remote call, and a both function that does not wait.
const waitSrc = `
fun a() { b() }
fun b() { c() }
client fun c() { sleep(10) }
fun pure(x: int): int { return x + 1 }
fun later() {
  let f = fun() { a() }
  onClick("go", f)
}
fun viaValue(f: fun(): int): int { return f() }
server fun time(): int { return now() }
client fun main() {
  let n = pure(1)
  log(str(time() + n))
  later()
}
`

func TestWaits(t *testing.T) {
	u, errs := pipeline.Load("wait.prog", []byte(waitSrc))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	funcs := map[string]*ast.FuncDecl{}
	var lambda *ast.FuncLit
	calls := map[string]*ast.CallExpr{} // by the name called
	for _, d := range u.Program.Funcs {
		funcs[d.Name.Name] = d
		ast.Inspect(d, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				lambda = n
			case *ast.CallExpr:
				calls[n.Fun.(*ast.Ident).Name] = n
			}
			return true
		})
	}
	for name, want := range map[string]bool{
		"a": true, "b": true, "c": true, "pure": false, "later": false, "viaValue": true, "main": true,
	} {
		if got := u.Split.Waits(funcs[name]); got != want {
			t.Errorf("Waits(%s) = %v, want %v", name, got, want)
		}
	}
	if !u.Split.Waits(lambda) {
		t.Errorf("the lambda in later calls a, which waits, but does not wait")
	}
	for name, want := range map[string]bool{
		"a": true, "b": true, "c": true, "sleep": true, "f": true, "time": true,
		"pure": false, "later": false, "onClick": false, "str": false, "log": false,
	} {
		if got := u.Split.Awaits(calls[name]); got != want {
			t.Errorf("Awaits(call of %s) = %v, want %v", name, got, want)
		}
	}
}

// uiWaitSrc builds html: a handler lambda waits on its own (it makes a
// remote call), while the function building the literal does not; a call
// through a function value inside a literal is not awaited; a function
// that waits before its literal waits, and is called outside literals.
const uiWaitSrc = `
table t { a: int }
fun count(): int { return length(select t) }
fun add() { insert t { a: 1 } }
fun row(n: int, fmt: fun(int): string): html {
  return <li onclick={fun() { add() }}>{fmt(n)}</li>
}
fun build(): html {
  let n = count()
  return <ul>{row(n, fun(i: int): string { return str(i) })}</ul>
}
client fun main() {
  let p = build()
  mount("app", <div>{p}<button onclick={add}>+</button></div>)
}
`

func TestUIWaits(t *testing.T) {
	u, errs := pipeline.Load("ui.prog", []byte(uiWaitSrc))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	funcs := map[string]*ast.FuncDecl{}
	var handler *ast.FuncLit
	calls := map[string]*ast.CallExpr{}
	for _, d := range u.Program.Funcs {
		funcs[d.Name.Name] = d
		ast.Inspect(d, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				if handler == nil {
					handler = n
				}
			case *ast.CallExpr:
				calls[n.Fun.(*ast.Ident).Name] = n
			}
			return true
		})
	}
	for name, want := range map[string]bool{"row": false, "build": true, "main": true} {
		if got := u.Split.Waits(funcs[name]); got != want {
			t.Errorf("Waits(%s) = %v, want %v", name, got, want)
		}
	}
	if !u.Split.Waits(handler) {
		t.Errorf("the handler calls add on the server, but does not wait")
	}
	for name, want := range map[string]bool{"add": true, "fmt": false, "row": false, "count": true, "build": true, "mount": false} {
		if got := u.Split.Awaits(calls[name]); got != want {
			t.Errorf("Awaits(call of %s) = %v, want %v", name, got, want)
		}
	}
	if got := u.Split.Of(funcs["row"]).Loc.String(); got != "client" {
		t.Errorf("row runs on %s", got)
	}
}
