package jsclient

import (
	"strconv"
	"strings"

	"github.com/prog-lang/prog/lang/ast"
)

// Names. JavaScript's let and const are scoped to the whole block they
// are in, from its first line (reading one before its declaration throws),
// and a function's parameters share a scope with the top of its body;
// Prog's bindings are in scope from their declaration on, and a body may
// redeclare a parameter. So `let x = x + 1` in Prog reads an outer x where
// the same text in JavaScript reads the new x, too early.
//
// The generator therefore never lets one binding shadow another: a local
// takes its Prog name unless that name is visible at its declaration (in
// any enclosing scope of the generated code, the module's included), and
// otherwise the first free name$1, name$2, …. Prog names hold no "$", so
// these never meet a Prog name, nor the generator's own names ($ for the
// runtime, $d1… for decoders). Given that, a name read anywhere means the
// one binding of that name in scope, in both languages. (esbuild's
// renamer works the same way, for the same reason.)

// scope is a scope of the generated code: the module, a function, a block.
type scope struct {
	parent *scope
	names  map[string]bool
}

// moduleScope holds what no local may be called: JavaScript's reserved
// words, and the globals that generated code uses.
func moduleScope() *scope {
	s := &scope{names: map[string]bool{}}
	for _, w := range strings.Fields(`break case catch class const continue debugger default delete do else enum
		export extends false finally for function if import in instanceof new null return super switch this
		throw true try typeof var void while with yield let static implements interface package private
		protected public await async arguments eval undefined NaN Infinity globalThis
		String Number BigInt Object Array`) {
		s.names[w] = true
	}
	return s
}

func (s *scope) visible(name string) bool {
	for ; s != nil; s = s.parent {
		if s.names[name] {
			return true
		}
	}
	return false
}

// add declares a binding named after name in s and returns its name.
func (s *scope) add(name string) string {
	js := name
	for i := 1; s.visible(js); i++ {
		js = name + "$" + strconv.Itoa(i)
	}
	s.names[js] = true
	return js
}

func (g *gen) push() { g.scope = &scope{parent: g.scope, names: map[string]bool{}} }
func (g *gen) pop()  { g.scope = g.scope.parent }

// declare names a local declared by id in the innermost scope.
func (g *gen) declare(id *ast.Ident) string {
	n := g.scope.add(id.Name)
	g.names[g.info.Defs[id]] = n
	return n
}
