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

// A block still open at the end of the file is reported there, naming the
// innermost block left open (issue 13). (Chunked test files cannot mark a
// line after their last.)
func TestUnclosedBlockAtEOF(t *testing.T) {
	src := "client fun main() {\n  onClick(\"b\", fun() {\n    log(\"x\")\n  })\n"
	_, errs := Parse("eof.prog", []byte(src))
	want := "eof.prog:5:1: unexpected end of file, expected } to close the block opened at 1:19"
	if len(errs) != 1 || errs[0].Error() != want {
		t.Errorf("errors:\n%v\nwant:\n%s", errs, want)
	}
}
