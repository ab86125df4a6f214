package split

import (
	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/stdlib"
)

// HTML is built at once. An element literal is evaluated where its html is
// inserted (a hole, mount, a row of a keyed list), and again in place each
// time a source it read is set: the client runs it then and there, and
// cannot stop to wait. So a literal's holes and attributes may not wait:
// no remote call, no recv or sleep, no call of a function that waits. The
// handlers inside it are lambdas, which wait on their own, and may.
//
// A call through a function value, which elsewhere is taken to wait
// (wait.go), is made here without waiting: which function it calls is
// known only at run time, and one passed to build html (a row renderer)
// does not wait. (One that does gives a hole a promise, not html: a
// run-time error.) No call in a literal is awaited, and none makes the
// function around the literal wait.

// literal is an element or fragment literal and the unit it is in.
type literal struct {
	unit *Func
	node ast.Expr // *ast.ElementLit or *ast.FragmentLit
}

// literalsWait reports each call inside a literal (its nested literals
// and lambdas aside, which are visited on their own) that waits.
func (s *splitter) literalsWait() {
	for _, l := range s.literals {
		if l.unit.conflict || l.unit.Loc == stdlib.Server {
			continue // reported already
		}
		ast.Inspect(l.node, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.ElementLit, *ast.FragmentLit:
				return n == l.node
			case *ast.CallExpr:
				if why := s.callWaits(n); why != "" {
					s.errs.Add(n.Pos, "html cannot wait: %s %s; call it before the literal (let x = …) or in a handler",
						ast.ExprString(n), why)
				}
			}
			return true
		})
	}
}

// callWaits says why a call inside a literal would wait, or "" if it
// does not (or is a call through a function value). The calls in literals
// are left out of the wait analysis (collect), which is done by now.
func (s *splitter) callWaits(c *ast.CallExpr) string {
	if b := s.info.Builtins[c].Builtin; b != nil {
		if b.Name == "recv" || b.Name == "sleep" {
			return "waits"
		}
		return ""
	}
	id, ok := c.Fun.(*ast.Ident)
	if !ok {
		return ""
	}
	obj := s.funcObj(id)
	switch {
	case obj == nil:
		return ""
	case s.onServer(obj.Func):
		return "calls the server"
	case s.res.waits[obj.Func]:
		return "waits (it calls the server or waits for a message)"
	}
	return ""
}
