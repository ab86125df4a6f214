package syntax

import (
	"fmt"
	goruntime "runtime"
	"strings"
	"testing"
)

// A large file's declarations are parsed on every core; the tree and the
// errors must be those of parsing them one after another.
func TestParseInParallel(t *testing.T) {
	var b strings.Builder
	for i := range 500 {
		switch i % 7 {
		case 3:
			fmt.Fprintf(&b, "fun broken%d( { return }\n", i) // a syntax error
		case 5:
			fmt.Fprintf(&b, "table t%d { a: int, b: option<string> }\n", i)
		default:
			fmt.Fprintf(&b, "fun f%d(x: int): int {\n  let y = x * %d\n  if y > 3 { return y } else { return -y }\n}\n", i, i)
		}
	}
	src := []byte(b.String())
	summary := func() string {
		file, errs := Parse("big.prog", src)
		var s strings.Builder
		for _, d := range file.Decls {
			fmt.Fprintf(&s, "%T at %v\n", d, d.Position())
		}
		fmt.Fprintf(&s, "unparsed %d\n%v", len(file.Unparsed), errs)
		return s.String()
	}
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(1))
	inTurn := summary()
	goruntime.GOMAXPROCS(4)
	parallel := summary()
	if inTurn != parallel {
		t.Errorf("parsed in turn:\n%.2000s\n\nin parallel:\n%.2000s", inTurn, parallel)
	}
	if !strings.Contains(inTurn, "big.prog:") || strings.Count(inTurn, "FuncDecl") < 300 {
		t.Errorf("the file did not parse as intended:\n%.2000s", inTurn)
	}
}
