package diag

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Print writes each error on its own line as file:line:col: message. With
// source, it also shows the offending line and a caret under the column,
// as compilers do on a terminal.
func (l List) Print(w io.Writer, source func(file string) []byte) {
	for _, e := range l {
		fmt.Fprintln(w, e.Error())
		if source == nil {
			continue
		}
		if line, ok := sourceLine(source(e.Pos.Filename), e.Pos.Line); ok {
			fmt.Fprintf(w, "    %s\n    %s^\n", expandTabs(line), caretPad(line, e.Pos.Column))
		}
	}
}

func sourceLine(src []byte, n int) (string, bool) {
	if src == nil || n < 1 {
		return "", false
	}
	lines := strings.SplitN(string(src), "\n", n+1)
	if len(lines) < n {
		return "", false
	}
	return strings.TrimRight(lines[n-1], "\r"), true
}

func expandTabs(s string) string { return strings.ReplaceAll(s, "\t", "    ") }

// caretPad is the white space that puts a caret under byte column col,
// counting characters rather than bytes and tabs as the expansion does.
func caretPad(line string, col int) string {
	if col-1 > len(line) {
		col = len(line) + 1
	}
	var b strings.Builder
	for _, r := range line[:max(col-1, 0)] {
		if r == '\t' {
			b.WriteString("    ")
		} else if r != utf8.RuneError {
			b.WriteByte(' ')
		}
	}
	return b.String()
}
