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

// passSrc passes functions to map, filter and sort: a lambda that waits
// only because the function it calls, declared after it, waits; a lambda
// that does not wait; a server function (its stub makes a remote call);
// a both function that does not wait, by name; and a function value.
const passSrc = `
fun viaLambda(xs: list<int>): list<int> { return map(xs, fun(x: int): int { return slow(x) }) }
fun slow(x: int): int { sleep(1); return x }
fun quick(xs: list<int>): list<int> { return filter(xs, fun(x: int): bool { return x > 0 }) }
server fun twice(x: int): int { return x * 2 }
fun viaServer(xs: list<int>): list<int> { return map(xs, twice) }
fun inc(x: int): int { return x + 1 }
fun viaName(xs: list<int>): list<int> { return map(xs, (inc)) }
fun viaValue(xs: list<int>, less: fun(int, int): bool): list<int> { return sort(xs, less) }
client fun main() {
  log(str(length(viaLambda([1])) + length(quick([1])) + length(viaServer([1])) + length(viaName([1]))))
  log(str(length(viaValue([2, 1], fun(a: int, b: int): bool { return a < b }))))
}
`

func TestWaitsOfMapFilterSort(t *testing.T) {
	u, errs := pipeline.Load("pass.prog", []byte(passSrc))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, d := range u.Program.Funcs {
		var call *ast.CallExpr // the call of map, filter or sort
		ast.Inspect(d, func(n ast.Node) bool {
			if c, ok := n.(*ast.CallExpr); ok {
				if id, ok := c.Fun.(*ast.Ident); ok && (id.Name == "map" || id.Name == "filter" || id.Name == "sort") {
					call = c
				}
			}
			return true
		})
		want := map[string]bool{"viaLambda": true, "quick": false, "viaServer": true, "viaName": false, "viaValue": true}
		w, ok := want[d.Name.Name]
		if !ok {
			continue
		}
		if got := u.Split.Awaits(call); got != w {
			t.Errorf("%s: Awaits(call of %s) = %v, want %v", d.Name.Name, call.Fun.(*ast.Ident).Name, got, w)
		}
		if got := u.Split.Waits(d); got != w {
			t.Errorf("Waits(%s) = %v, want %v", d.Name.Name, got, w)
		}
	}
}
