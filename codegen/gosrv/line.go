package gosrv

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"

	"github.com/prog-lang/prog/lang/ast"
)

// Line directives map the generated Go back to the .prog file, so that a
// Go build error or a panic's stack names the program's line, as a-h/templ
// and cgo do. The generator writes "//line chat.prog:12" before each
// function, each statement and each arm of a match, and a mark
// (generatedMark) where code of its own follows code from the program.
// After gofmt, compact drops the directives that say what the lines before
// them already imply, and turns each mark into a directive naming
// main.go's own line. A directive names a line only: Go then reports
// no column, as the Go columns would not be the program's.

// generatedMark marks where the lines that follow are the generator's own.
const generatedMark = "//line <generated>"

// line writes a directive mapping the next line to p's line. It must be
// written at the start of a line. (An else if, which cannot start a line,
// takes an inline directive instead: see ifStmt.)
func (g *gen) line(p ast.Pos) { g.out.WriteString(lineDirective(p)) }

// lineDirective is a directive, ending its line, that maps the next line
// to p's line.
func lineDirective(p ast.Pos) string { return "//line " + linePos(p) + "\n" }

// linePos is p as a directive names it: the file's base name (as logPos),
// so that the Go does not depend on where it was generated, and the line.
func linePos(p ast.Pos) string { return fmt.Sprintf("%s:%d", filepath.Base(p.Filename), p.Line) }

// generated writes a mark: the lines that follow are the generator's.
func (g *gen) generated() { g.p("%s\n", generatedMark) }

// compact rewrites the line directives of formatted source src. It drops
// each directive inside a declaration that its line would have without it
// (the line after a directive for line n is n+1). It turns a mark into "//line main.go:N",
// N being the next line's own number in the result, unless no directive
// is in force there or another comes before the next line of code; a
// mark it drops takes the blank line after it along, if one is before it.
func compact(src []byte) []byte {
	lines := bytes.SplitAfter(src, []byte("\n"))
	var out [][]byte
	mapped := false // a directive is in force
	file, next := "", 0
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		text := bytes.TrimSpace(l)
		if string(text) == generatedMark {
			if mapped && codeBeforeDirective(lines[i+1:]) {
				out = append(out, fmt.Appendf(nil, "//line main.go:%d\n", len(out)+2))
				mapped = false
			} else if i+1 < len(lines) && len(bytes.TrimSpace(lines[i+1])) == 0 &&
				len(out) > 0 && len(bytes.TrimSpace(out[len(out)-1])) == 0 {
				i++
			}
			continue
		}
		if f, n, ok := directive(text); ok {
			topLevel := i+1 < len(lines) && !bytes.HasPrefix(lines[i+1], []byte("\t"))
			if !mapped || f != file || n != next || topLevel {
				out = append(out, l)
				mapped, file, next = true, f, n
			}
			continue
		}
		if m := inlineDirective.FindSubmatchIndex(l); m != nil {
			f, n := string(l[m[2]:m[3]]), atoi(l[m[4]:m[5]])
			if mapped && f == file && n == next {
				l = slices.Concat(l[:m[0]], l[m[1]:])
			}
			mapped, file, next = true, f, n
		}
		out = append(out, l)
		next++
	}
	return bytes.Join(out, nil)
}

// inlineDirective is a directive inside a line, " /*line file:n*/",
// which maps what follows it on the line to line n.
var inlineDirective = regexp.MustCompile(` /\*line (.+):([0-9]+)\*/`)

func atoi(b []byte) int {
	n, _ := strconv.Atoi(string(b))
	return n
}

// codeBeforeDirective reports whether lines hold a line of code before
// any line directive or mark.
func codeBeforeDirective(lines [][]byte) bool {
	for _, l := range lines {
		text := bytes.TrimSpace(l)
		switch {
		case bytes.HasPrefix(text, []byte("//line ")):
			return false
		case len(text) > 0 && !bytes.HasPrefix(text, []byte("//")):
			return true
		}
	}
	return false
}

// directive parses a line "//line file:n", trimmed.
func directive(l []byte) (file string, n int, ok bool) {
	rest, ok := bytes.CutPrefix(l, []byte("//line "))
	if !ok {
		return "", 0, false
	}
	i := bytes.LastIndexByte(rest, ':')
	if i < 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(string(rest[i+1:]))
	return string(rest[:i]), n, err == nil
}
