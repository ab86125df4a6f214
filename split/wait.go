package split

import (
	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/lang/types"
)

// Which code of the client half waits. On the client, recv, sleep and a
// remote call wait for something outside the page; so does a call
// through a function value (the function may wait; which one it is, is
// known only at run time). A function or lambda whose body (its lambdas'
// bodies aside: a lambda waits on its own) waits, or calls a function
// that waits, waits itself. A built-in that calls its function arguments
// (map, filter, sort: stdlib.Builtin.Calls) waits when one of them may
// wait: a lambda or a function that waits, a server function (its stub
// makes a remote call), or any other function value. The client's
// generator makes exactly these functions async and awaits exactly these
// calls.
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
	// passes are calls of built-ins that call the lambdas and functions
	// passed to them: each waits when one of those does.
	passes []pass
}

// pass is a call of a built-in that calls its function arguments (map,
// filter, sort): it waits when one of fns (*ast.FuncLit or
// *ast.FuncDecl) waits.
type pass struct {
	call *ast.CallExpr
	fns  []ast.Node
}

// callsArgs notes, in b, a call of a built-in that calls its function
// arguments: a lambda or a function passed by name waits if it does; a
// call through another function value may always wait.
func (s *splitter) callsArgs(b *waitBody, c *ast.CallExpr) {
	p := pass{call: c}
	params := s.info.Builtins[c].Builtin.Sigs[0].Params
	for i, a := range c.Args {
		if i >= len(params) {
			break // too many arguments: the checker said so
		}
		if _, ok := params[i].(*types.Func); !ok {
			continue
		}
		for {
			paren, ok := a.(*ast.ParenExpr)
			if !ok {
				break
			}
			a = paren.X
		}
		switch a := a.(type) {
		case *ast.FuncLit:
			p.fns = append(p.fns, a)
			continue
		case *ast.Ident:
			if obj := s.funcObj(a); obj != nil {
				p.fns = append(p.fns, obj.Func)
				continue
			}
		}
		b.waits = append(b.waits, c)
		return
	}
	b.passes = append(b.passes, p)
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
	// callers holds, for each function and lambda, the bodies that wait
	// when it does: the bodies that call the function, and those that
	// pass it (or the lambda) to map, filter or sort.
	callers := map[ast.Node][]*waitBody{}
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
		for _, p := range b.passes {
			for _, fn := range p.fns {
				if d, ok := fn.(*ast.FuncDecl); ok && s.onServer(d) {
					waits = true // a stub that makes a remote call
					r.awaits[p.call] = true
				}
				callers[fn] = append(callers[fn], b)
			}
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
		for _, caller := range callers[b.node] {
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
	for _, b := range s.bodies {
		if b.unit.Loc == Server {
			continue
		}
		for _, p := range b.passes {
			for _, fn := range p.fns {
				if r.waits[fn] {
					r.awaits[p.call] = true
				}
			}
		}
	}
}

// onServer reports whether fn runs on the server only.
func (s *splitter) onServer(fn *ast.FuncDecl) bool {
	f := s.res.byNode[fn]
	return f != nil && f.Loc == Server
}
