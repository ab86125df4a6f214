package codegen_test

import (
	"testing"

	"github.com/prog-lang/prog/codegen"
	"github.com/prog-lang/prog/pipeline"
)

// gen loads src (from file) and generates program name, failing tb on
// any error.
func gen(tb testing.TB, name, file string, src []byte) *codegen.Output {
	tb.Helper()
	u, errs := pipeline.Load(file, src)
	if len(errs) > 0 {
		tb.Fatal(errs.Err())
	}
	out, err := codegen.Generate(name, file, src, u)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}
