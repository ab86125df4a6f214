package split

import (
	"github.com/prog-lang/prog/lang/ast"
)

// Which code of the client half waits. On the client, recv, sleep and a
// remote call wait for something outside the page; so does a call
// through a function value (the function may wait; which one it is, is
// known only at run time). A function or lambda whose body (its lambdas'
// bodies aside: a lambda waits on its own) waits, or calls a function
// that waits, waits itself. The client's generator makes exactly these
// functions async and awaits exactly these calls.
//
// collect notes, for each body, the calls that wait whatever the
// locations (waits) and its calls and references of functions (calls);
// once locations are known, the functions that wait spread to their
// callers through a worklist. The cost is linear in the size of the
// program.

// Waits reports whether a function (an *ast.FuncDecl) or lambda (an
// *ast.FuncLit) of the client half waits.
func (r *Result) Waits(fn ast.Node) bool { return r.waits[fn] }

// Awaits reports whether a call in the client half waits for its result.
func (r *Result) Awaits(c *ast.CallExpr) bool { return r.awaits[c] }

// waitBody is what one function or lambda body does that may make it
// wait.
type waitBody struct {
	unit  *Func
	node  ast.Node        // the *ast.FuncDecl, *ast.FuncLit or task
	waits []*ast.CallExpr // recv, sleep, calls through function values
	calls []call          // calls and references of functions
}

func (s *splitter) newBody(f *Func, n ast.Node) *waitBody {
	b := &waitBody{unit: f, node: n}
	s.bodies = append(s.bodies, b)
	return b
}

// waiting fills r.waits and r.awaits, once locations are known.
func (s *splitter) waiting() {
	r := s.res
	r.waits = map[ast.Node]bool{}
	r.awaits = map[*ast.CallExpr]bool{}
	callers := map[*ast.FuncDecl][]*waitBody{}
	var local []call // calls of functions of the client half
	var work []*waitBody
	for _, b := range s.bodies {
		if b.unit.Loc == Server {
			continue
		}
		waits := len(b.waits) > 0
		for _, c := range b.waits {
			r.awaits[c] = true
		}
		for _, c := range b.calls {
			switch {
			case s.onServer(c.callee):
				waits = true // a remote call, or a stub that makes one
				if c.expr != nil {
					r.awaits[c.expr] = true
				}
			case c.expr != nil:
				callers[c.callee] = append(callers[c.callee], b)
				local = append(local, c)
			}
		}
		if waits {
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
		if r.waits[c.callee] {
			r.awaits[c.expr] = true
		}
	}
}

// onServer reports whether fn runs on the server only.
func (s *splitter) onServer(fn *ast.FuncDecl) bool {
	f := s.res.byNode[fn]
	return f != nil && f.Loc == Server
}
