package codegen_test

import (
	"fmt"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/pipeline"
)

// nested builds programs that nest n levels deep in one way each.
var nested = map[string]func(n int) string{
	"unary": func(n int) string {
		return "client fun main() { let x = " + strings.Repeat("!", n) + "true; log(str(x)) }"
	},
	"negation": func(n int) string {
		return "client fun main() { let x = " + strings.Repeat("-", n) + "x1(); log(str(x)) }\nfun x1(): int { return 1 }"
	},
	"parentheses": func(n int) string {
		return "client fun main() { log(str(" + strings.Repeat("(", n) + "1" + strings.Repeat(")", n) + ")) }"
	},
	"operator chain": func(n int) string {
		return "client fun main() { log(str(1" + strings.Repeat(" + 1", n) + ")) }"
	},
	// The chain before each ( is its first operand: the parser's own
	// recursion stays shallow while the tree grows by whole chains.
	"chains in first operands": func(n int) string {
		return "client fun main() { log(str(" + strings.Repeat("(", n) + "1" + strings.Repeat(" + 1)", n) + ")) }"
	},
	"calls": func(n int) string {
		return "fun f(x: int): int { return x }\nclient fun main() { log(str(" + strings.Repeat("f(", n) + "1" + strings.Repeat(")", n) + ")) }"
	},
	"fields": func(n int) string {
		return "client fun main() { let r = " + strings.Repeat("{ a: ", n) + "1" + strings.Repeat(" }", n) +
			"; log(str(r" + strings.Repeat(".a", n) + ")) }"
	},
	"indexes": func(n int) string {
		return "client fun main() { let xs = " + strings.Repeat("[", n) + "1" + strings.Repeat("]", n) +
			"; log(str(xs" + strings.Repeat("[0]", n) + ")) }"
	},
	"options": func(n int) string {
		return "client fun main() { let o = " + strings.Repeat("some(", n) + "1" + strings.Repeat(")", n) + "; log(str(o == none)) }"
	},
	"option types": func(n int) string {
		return "client fun main() { let o: " + strings.Repeat("option<", n) + "int" + strings.Repeat(">", n) + " = none; log(str(o == none)) }"
	},
	"option types in a header": func(n int) string {
		return "fun f(o: " + strings.Repeat("option<", n) + "int" + strings.Repeat(">", n) + "): bool { return o == none }\nclient fun main() { log(str(f(none))) }"
	},
	"record types in a header": func(n int) string {
		return "type T = " + strings.Repeat("{ a: ", n) + "int" + strings.Repeat(" }", n) + "\nfun f(t: T): T { return t }\nclient fun main() {}"
	},
	"function types": func(n int) string {
		return "client fun main() { let fs: list<" + strings.Repeat("fun(): ", n) + "int> = []; log(str(length(fs))) }"
	},
	"matches": func(n int) string {
		return "client fun main() { let o = some(1); log(str(" + strings.Repeat("match o { none => 0, some(v) => ", n) + "1" + strings.Repeat(" }", n) + ")) }"
	},
	"ifs": func(n int) string {
		return "client fun main() { " + strings.Repeat("if true { ", n) + "log(\"x\")" + strings.Repeat(" }", n) + " }"
	},
	"else-if chain": func(n int) string {
		return "client fun main() { let x = 1; if x == 0 { log(\"0\") }" + strings.Repeat(" else if x == 1 { log(\"1\") }", n) + " }"
	},
	"whiles": func(n int) string {
		return "client fun main() { " + strings.Repeat("while false { ", n) + "log(\"x\")" + strings.Repeat(" }", n) + " }"
	},
	"lambdas": func(n int) string {
		return "client fun main() { onClick(\"b\", " + strings.Repeat("fun() { log(\"x\"); let f = ", n) + "1" + strings.Repeat(" }", n) + ") }"
	},
	"lists of lambdas": func(n int) string {
		return "client fun main() { let fs = " + strings.Repeat("[fun() { let xs = ", n) + "1" + strings.Repeat(" }]", n) + "; log(str(length(fs))) }"
	},
	"alias chain": func(n int) string {
		var b strings.Builder
		b.WriteString("type T0 = int\n")
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&b, "type T%d = option<T%d>\n", i, i-1)
		}
		fmt.Fprintf(&b, "client fun main() { let x: T%d = none; log(str(x == none)) }", n)
		return b.String()
	},
	"let chain": func(n int) string {
		var b strings.Builder
		b.WriteString("client fun main() {\n  let a0 = 1\n")
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&b, "  let a%d = some(a%d)\n", i, i-1)
		}
		fmt.Fprintf(&b, "  log(str(a%d == none))\n}", n)
		return b.String()
	},
	"select where": func(n int) string {
		return "table t { a: int }\nfun count(): int { return length(select t where " + strings.Repeat("!", n) + "(a == 1)) }\nclient fun main() { log(str(count())) }"
	},
}

// deepestAccepted finds the largest n for which build(n) has no error
// about nesting too deep, by bisection between 1 and ast.MaxNesting+1.
func deepestAccepted(t *testing.T, build func(int) string) int {
	tooDeep := func(n int) bool {
		_, errs := pipeline.Load("deep.prog", []byte(build(n)))
		for _, e := range errs {
			if strings.Contains(e.Msg, "too deep") {
				return true
			}
		}
		return false
	}
	lo, hi := 1, ast.MaxNesting+1 // lo is accepted, hi is not
	if tooDeep(lo) || !tooDeep(hi) {
		t.Fatalf("nesting 1 too deep (%v) or %d levels not (%v)", tooDeep(lo), hi, !tooDeep(hi))
	}
	for hi-lo > 1 {
		if mid := (lo + hi) / 2; tooDeep(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return lo
}

// TestDeepestAccepted builds, for every way to nest, the deepest program
// the parser accepts, and runs every stage on it: check, split, both
// generators and the bundler. The stack is capped far below Go's default
// of 1 GB, and each program must compile fast: any stage that recurses
// or works harder per level than it should fails here, as a fatal stack
// overflow or as too slow.
func TestDeepestAccepted(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ~20 programs a thousand levels deep")
	}
	defer debug.SetMaxStack(debug.SetMaxStack(64 << 20))
	for name, build := range nested {
		t.Run(name, func(t *testing.T) {
			n := deepestAccepted(t, build)
			// The limit counts levels of the tree, a few nodes each.
			if n < ast.MaxNesting/4 {
				t.Errorf("only %d levels accepted", n)
			}
			src := []byte(build(n))
			start := time.Now()
			gen(t, "deep", "deep.prog", src)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("%d levels took %v", n, d)
			}
			t.Logf("%d levels in %v", n, time.Since(start).Round(time.Millisecond))
		})
	}
}
