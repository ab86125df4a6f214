package split

import (
	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/stdlib"
)

// Which code of the client half waits. On the client, recv, sleep and a
// remote call wait for something outside the page; so does a call
// through a function value (the function may wait; which one it is, is
// known only at run time). A function or lambda whose body (its lambdas'
// bodies aside: a lambda waits on its own) waits, or calls a function
// that waits, waits itself. The client's generator makes exactly these
// functions async and awaits exactly these calls.
//
// The facts are found in one walk of each client unit's body, and spread
// from the functions that wait to their callers with a worklist, so the
// cost is linear in the size of the program.

// Waits reports whether a function (an *ast.FuncDecl) or lambda (an
// *ast.FuncLit) of the client half waits.
func (r *Result) Waits(fn ast.Node) bool { return r.waits[fn] }

// Awaits reports whether a call in the client half waits for its result.
func (r *Result) Awaits(c *ast.CallExpr) bool { return r.awaits[c] }

// waitBody is what one function or lambda body does that may wait.
type waitBody struct {
	node   ast.Node
	direct bool // it waits itself: recv, sleep, a remote call, a call through a value
}

// waiting fills r.waits and r.awaits, once locations are known.
func (s *splitter) waiting() {
	r := s.res
	r.waits = map[ast.Node]bool{}
	r.awaits = map[*ast.CallExpr]bool{}
	callers := map[*ast.FuncDecl][]*waitBody{}
	var local []*ast.CallExpr // calls of functions of the client half
	var bodies []*waitBody
	var scan func(n ast.Node)
	scan = func(n ast.Node) {
		b := &waitBody{node: n}
		bodies = append(bodies, b)
		ast.Inspect(n, func(m ast.Node) bool {
			switch m := m.(type) {
			case *ast.FuncLit:
				if ast.Node(m) != n {
					scan(m)
					return false
				}
			case *ast.Ident:
				if obj := s.funcObj(m); obj != nil && s.onServer(obj.Func) {
					b.direct = true // a remote call, or a stub that makes one
				}
			case *ast.CallExpr:
				if bc, ok := s.info.Builtins[m]; ok {
					if bc.Builtin.Name == "recv" || bc.Builtin.Name == "sleep" {
						b.direct = true
						r.awaits[m] = true
					}
					return true
				}
				id, ok := m.Fun.(*ast.Ident)
				if !ok || s.funcObj(id) == nil {
					b.direct = true // a call through a function value
					r.awaits[m] = true
					return true
				}
				d := s.funcObj(id).Func
				if s.onServer(d) {
					r.awaits[m] = true // a remote call
					return true
				}
				callers[d] = append(callers[d], b)
				local = append(local, m)
			}
			return true
		})
	}
	for _, f := range r.Funcs {
		if f.Loc != stdlib.Server {
			scan(f.Node)
		}
	}
	var work []*waitBody
	for _, b := range bodies {
		if b.direct {
			r.waits[b.node] = true
			work = append(work, b)
		}
	}
	for len(work) > 0 {
		b := work[len(work)-1]
		work = work[:len(work)-1]
		d, ok := b.node.(*ast.FuncDecl)
		if !ok {
			continue // nothing calls a lambda by name
		}
		for _, caller := range callers[d] {
			if !r.waits[caller.node] {
				r.waits[caller.node] = true
				work = append(work, caller)
			}
		}
	}
	for _, c := range local {
		if r.waits[s.funcObj(c.Fun.(*ast.Ident)).Func] {
			r.awaits[c] = true
		}
	}
}

// onServer reports whether fn runs on the server only.
func (s *splitter) onServer(fn *ast.FuncDecl) bool {
	f := s.res.byNode[fn]
	return f != nil && f.Loc == stdlib.Server
}
