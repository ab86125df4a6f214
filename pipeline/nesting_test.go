package pipeline_test

import (
	"fmt"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/prog-lang/prog/lang/diag"
	"github.com/prog-lang/prog/pipeline"
)

// A program nested far past the limit, in any way, is one error at the
// token that passes it, never a stack overflow (issue 13: 3 MB of !!!…true
// killed the compiler). The stack is capped at 64 MB, a 16th of Go's
// default, so that the overflow this guards against comes soon.
func TestNestingTooDeep(t *testing.T) {
	const n = 100_000
	r := strings.Repeat
	cases := []struct {
		name, src string
		at        string // line:col of the error, when easy to tell
	}{
		{"unary", "client fun main() { let x = " + r("!", n) + "true }", "1:1028"},
		{"parentheses", "client fun main() { let x = " + r("(", n) + "1" + r(")", n) + " }", "1:1028"},
		{"operator chain", "client fun main() { let x = 1" + r(" + 1", n) + " }", ""},
		{"chains in first operands", "client fun main() { let x = " + r("(", n) + "1" + r(" + 1)", n) + " }", ""},
		{"fields", "client fun main() { let x = y" + r(".a", n) + " }", ""},
		{"calls", "client fun main() { let x = " + r("f(", n) + "1" + r(")", n) + " }", ""},
		{"ifs", "client fun main() {\n" + r("if true {\n", n) + r("}\n", n) + "}", "501:4"},
		{"else-if chain", "client fun main() { if a {}" + r(" else if a {}", n) + " }", ""},
		{"lambdas", "client fun main() { let f = " + r("fun() { let g = ", n) + "1" + r(" }", n) + " }", ""},
		{"lists", "client fun main() { let x = " + r("[", n) + r("]", n) + " }", ""},
		{"records", "client fun main() { let x = " + r("{ a: ", n) + "1" + r(" }", n) + " }", ""},
		{"option types", "client fun main() { let x: " + r("option<", n) + "int" + r(">", n) + " = none }", ""},
		{"option types in a header", "fun f(x: " + r("option<", n) + "int" + r(">", n) + ") {}\nclient fun main() {}", ""},
		{"record types in a type", "type T = " + r("{ a: ", n) + "int" + r(" }", n) + "\nclient fun main() {}", ""},
	}
	// Types may nest deeper than any declaration, through aliases or by
	// inference: the checker holds them to the same limit, with one error.
	var aliases, lets strings.Builder
	aliases.WriteString("type T0 = int\n")
	lets.WriteString("client fun main() {\n  let a0 = 1\n")
	for i := 1; i <= 3000; i++ {
		fmt.Fprintf(&aliases, "type T%d = option<T%d>\n", i, i-1)
		fmt.Fprintf(&lets, "  let a%d = some(a%d)\n", i, i-1)
	}
	aliases.WriteString("client fun main() { let x: T3000 = none; log(str(x == none)) }")
	lets.WriteString("  log(str(a3000 == none))\n}")
	cases = append(cases, []struct{ name, src, at string }{
		{"alias chain", aliases.String(), "1002:6"},
		{"let chain", lets.String(), "1003:7"},
	}...)
	defer debug.SetMaxStack(debug.SetMaxStack(64 << 20))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, errs := pipeline.Load("deep.prog", []byte(c.src))
			if len(errs) != 1 || !strings.Contains(errs[0].Msg, "too deep") {
				t.Fatalf("want one error, nested too deep; got %d: %.300v", len(errs), errs)
			}
			if at := diag.LineCol(errs[0].Pos); c.at != "" && at != c.at {
				t.Errorf("at %s, want %s", at, c.at)
			}
		})
	}
}
