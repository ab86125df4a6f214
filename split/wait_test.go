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

// TestRemoteAt checks that the split names each remote call and each
// reference to a server function from client code, and nothing else.
func TestRemoteAt(t *testing.T) {
	const src = `
server fun time(): int { return now() }
fun pure(x: int): int { return x + 1 }
client fun main() {
  let f = time
  log(str(time() + pure(f())))
}
`
	u, errs := pipeline.Load("remote.prog", []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var calls []*ast.CallExpr
	var refs []*ast.Ident
	ast.Inspect(u.Program.Main, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			calls = append(calls, n)
		case *ast.LetStmt:
			refs = append(refs, n.Value.(*ast.Ident))
		}
		return true
	})
	remote := map[string]bool{}
	for _, c := range calls {
		if r := u.Split.RemoteAt(c); r != nil {
			remote[ast.ExprString(c)] = true
			if r.Call != c || r.Callee.Name.Name != "time" {
				t.Errorf("RemoteAt(%s) = %+v", ast.ExprString(c), r)
			}
		}
	}
	if len(remote) != 1 || !remote["time()"] {
		t.Errorf("remote calls %v, want time() only", remote)
	}
	if r := u.Split.RemoteAt(refs[0]); r == nil || r.Ref != refs[0] || r.Call != nil {
		t.Errorf("RemoteAt(reference to time) = %+v", r)
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
