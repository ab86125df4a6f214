package jsclient_test

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/prog-lang/prog/codegen/jsclient"
	"github.com/prog-lang/prog/pipeline"
)

// generate loads src and returns its client module, without the inline
// source map, and the map's mappings.
func generate(t *testing.T, file string, src []byte) (module, mappings string) {
	module, mappings, _ = generateAll(t, file, src)
	return module, mappings
}

// generateAll is generate that also returns the whole module, with its
// inline source map.
func generateAll(t *testing.T, file string, src []byte) (module, mappings, whole string) {
	t.Helper()
	u, errs := pipeline.Load(file, src)
	if len(errs) > 0 {
		t.Fatal(errs.Err())
	}
	out := string(jsclient.Generate(filepath.Base(file), src, u.Program, u.Split))
	i := strings.LastIndex(out, "//# sourceMappingURL=data:application/json;base64,")
	if i < 0 {
		t.Fatalf("no inline source map:\n%s", out)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(out[i+len("//# sourceMappingURL=data:application/json;base64,"):]))
	if err != nil {
		t.Fatal(err)
	}
	var sm struct{ Mappings string }
	if err := json.Unmarshal(raw, &sm); err != nil {
		t.Fatal(err)
	}
	return out[:i], sm.Mappings, out
}

// A binding that JavaScript would see as a redeclaration (a parameter
// declared again in the body) gets a name of its own: the module bundles,
// and reads the parameter where Prog does.
func TestParameterRedeclaredInBody(t *testing.T) {
	src := []byte(`page ` + "`<p id=\"t\"></p>`" + `
client fun inc(x: int): int {
  let x = x + 1
  return x
}
client fun main() {
  let double = fun(y: int): int { let y = y * 2; return y }
  text("t", str(inc(1)) + str(double(2)))
}
`)
	module, _ := generate(t, "p.prog", src)
	if _, _, err := jsclient.Bundle([]byte(module), "p"); err != nil {
		t.Fatalf("%v\n%s", err, module)
	}
	for _, want := range []string{"function inc(x) {", "const x$1 = $.iadd(x, 1n);", "return x$1;", "(y) => {", "const y$1 = $.imul(y, 2n);"} {
		if !strings.Contains(module, want) {
			t.Errorf("the module lacks %q:\n%s", want, module)
		}
	}
}

// The module reads as code: no line longer than 100 columns except where
// one string is, and each block indented.
func TestModuleIsReadable(t *testing.T) {
	var files []string
	for _, dir := range []string{"examples", "golden", "e2e"} {
		fs, _ := filepath.Glob(filepath.Join("..", "..", "testdata", dir, "*.prog"))
		files = append(files, fs...)
	}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		module, _ := generate(t, file, src)
		depth := 0
		for n, line := range strings.Split(strings.TrimSuffix(module, "\n"), "\n") {
			if w := utf8.RuneCountInString(line); w > 100 {
				t.Errorf("%s: line %d is %d columns:\n%s", file, n+1, w, line)
			}
			trimmed := strings.TrimLeft(line, " ")
			if strings.HasPrefix(trimmed, "}") || strings.HasPrefix(trimmed, ")") || strings.HasPrefix(trimmed, "]") {
				depth--
			}
			if indent := len(line) - len(trimmed); line != "" && indent < 2*depth {
				t.Errorf("%s: line %d is indented %d, inside %d blocks:\n%s", file, n+1, indent, depth, module)
				break
			}
			depth += strings.Count(line, "{") - strings.Count(line, "}")
			if strings.HasPrefix(trimmed, "}") {
				depth++
			}
		}
	}
}

// segment is one decoded source map segment.
type segment struct{ genLine, genCol, source, line, col int }

// decode decodes a source map's mappings (one source).
func decode(t *testing.T, mappings string) []segment {
	t.Helper()
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var out []segment
	var cur segment
	for genLine, l := range strings.Split(mappings, ";") {
		cur.genCol = 0
		for _, seg := range strings.Split(l, ",") {
			if seg == "" {
				continue
			}
			var vals []int
			v, shift := 0, 0
			for _, c := range seg {
				d := strings.IndexRune(b64, c)
				if d < 0 {
					t.Fatalf("bad mappings %q", mappings)
				}
				v |= (d & 31) << shift
				shift += 5
				if d&32 == 0 {
					if v&1 != 0 {
						vals = append(vals, -(v >> 1))
					} else {
						vals = append(vals, v>>1)
					}
					v, shift = 0, 0
				}
			}
			if len(vals) < 4 {
				t.Fatalf("segment %q has %d fields", seg, len(vals))
			}
			cur.genLine = genLine
			cur.genCol += vals[0]
			cur.source += vals[1]
			cur.line += vals[2]
			cur.col += vals[3]
			out = append(out, cur)
		}
	}
	return out
}

// utf16Col is the UTF-16 column (from 0) of the first sub in the line of
// src that holds it, and that line's index (from 0).
func utf16Col(src, sub string) (line, col int) {
	i := strings.Index(src, sub)
	start := strings.LastIndex(src[:i], "\n") + 1
	for _, r := range src[start:i] {
		col++
		if r >= 0x10000 {
			col++
		}
	}
	return strings.Count(src[:i], "\n"), col
}

// Each node maps to its place in the .prog file, in UTF-16 columns on
// both sides, and the bundle's source map still leads there.
func TestSourceMapPerNode(t *testing.T) {
	src := "page `<p id=\"t\"></p>`\nclient fun main() {\n  let s = \"é😀\"; text(\"t\", s + str(len(s) * 2))\n}\n"
	module, mappings, whole := generateAll(t, "m.prog", []byte(src))
	segs := decode(t, mappings)
	lines := strings.Split(module, "\n")
	// In the module: where each of these starts, its mapping leads to
	// the same text in the .prog file.
	for _, c := range []struct{ js, prog string }{
		{`const s = `, `let s`},
		{`"é😀"`, `"é😀"`},
		{`$.text(`, `text(`},
		{`"t", s`, `"t", s`},
		{`s + String(`, `s + str`},
		{`String($.imul`, `str(len`},
		{`$.imul(`, `len(s) * 2`},
		{`$.len(`, `len(s) * 2`},
		{`2n)`, `2)`},
	} {
		wantLine, wantCol := utf16Col(src, c.prog)
		genLine, genCol := -1, 0
		for i, l := range lines {
			if strings.Contains(l, c.js) {
				genLine, genCol = utf16Col(strings.Join(lines[i:], "\n"), c.js)
				genLine += i
				break
			}
		}
		// The mapping in effect there: the last one at or before it on
		// its line, as a source map's readers take it.
		var at *segment
		for i, s := range segs {
			if s.genLine == genLine && s.genCol <= genCol {
				at = &segs[i]
			}
		}
		if at == nil {
			t.Errorf("%s (at %d:%d) has no mapping; mappings %v", c.js, genLine, genCol, segs)
		} else if at.line != wantLine || at.col != wantCol {
			t.Errorf("%s (at %d:%d) maps to %d:%d, want %d:%d (%s)", c.js, genLine, genCol, at.line, at.col, wantLine, wantCol, c.prog)
		}
	}
	// The bundle: minified by esbuild through the module's map.
	_, bundleMap, err := jsclient.Bundle([]byte(whole), "m")
	if err != nil {
		t.Fatal(err)
	}
	var sm struct {
		Sources  []string
		Mappings string
	}
	if err := json.Unmarshal(bundleMap, &sm); err != nil {
		t.Fatal(err)
	}
	source := -1
	for i, name := range sm.Sources {
		if strings.HasSuffix(name, "m.prog") {
			source = i
		}
	}
	if source < 0 {
		t.Fatalf("the bundle's map has sources %q, none m.prog", sm.Sources)
	}
	wantLine, wantCol := utf16Col(src, "str(len")
	found := false
	for _, s := range decode(t, sm.Mappings) {
		found = found || s.source == source && s.line == wantLine && s.col == wantCol
	}
	if !found {
		t.Errorf("no mapping of the bundle leads to str(len at %d:%d", wantLine, wantCol)
	}
}
