package pipeline_test

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/prog-lang/prog/pipeline"
)

// FuzzLoad feeds arbitrary text to the whole front end: it must never
// panic or hang, and every error must carry a position inside the input.
// The seed corpus is every example and every chunked test file; `go test`
// runs the seeds, `make fuzz` explores.
func FuzzLoad(f *testing.F) {
	for _, pat := range []string{"../testdata/examples/*.prog", "../testdata/check/*.prog"} {
		files, _ := filepath.Glob(pat)
		for _, file := range files {
			src, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(src)
		}
	}
	f.Add([]byte("fun"))
	f.Add([]byte("client fun main() { match"))
	f.Add([]byte("type A = { a: fun(fun(list<"))
	// HTML literals: the scanner's modes (tag, content, hole) and their ends.
	f.Add([]byte("client fun main() { mount(\"a\", <p class:x={true}>\n  a &amp; {1}\n</p>) }"))
	f.Add([]byte("fun f(): html { return <ul>{for x in [1] key x { <li>{x}</li> }}</ul> }"))
	f.Add([]byte("fun f(): html { return <>{if a < b { <br> } else { \"x\" }}{match o { some(v) => v, none => <i/> }}</> }"))
	f.Add([]byte("fun f() { let x = <a href='x' onclick={fun() {}}><b></a>"))
	f.Add([]byte("fun f() { match o { some(v) => { }, none => log(\"\") } }"))
	f.Fuzz(func(t *testing.T, src []byte) {
		_, errs := pipeline.Load("fuzz.prog", src)
		lines := 1
		for _, b := range src {
			if b == '\n' {
				lines++
			}
		}
		for _, e := range errs {
			if e.Pos.Line < 1 || e.Pos.Line > lines || e.Pos.Column < 1 {
				t.Errorf("error outside the input (%d lines): %v", lines, e)
			}
			if !utf8.ValidString(e.Msg) {
				t.Errorf("message is not UTF-8: %q", e.Msg)
			}
		}
	})
}
