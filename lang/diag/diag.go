// Package diag holds the compiler's diagnostics: errors with source
// positions that accumulate as the front end runs, in the manner of
// go/scanner's ErrorList.
//
// Every stage (lexer, parser, checker, split) adds to one List instead of
// stopping at its first mistake, so a user sees every error in the file at
// once. A List is sorted by position and stripped of repeats before it is
// shown; each entry prints as "file:line:col: message", which editors and
// terminals know how to jump to.
package diag

import (
	"fmt"
	"sort"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Pos is a position in a source file: file name, byte offset, and 1-based
// line and column (the column counts bytes, as go/scanner's does).
type Pos = lexer.Position

// An Error is one diagnostic.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s", FormatPos(e.Pos), e.Msg)
}

// FormatPos prints a position as file:line:col, leaving out what is unknown.
func FormatPos(p Pos) string {
	var b strings.Builder
	b.WriteString(p.Filename)
	if p.Line > 0 {
		if b.Len() > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%d:%d", p.Line, p.Column)
	}
	if b.Len() == 0 {
		return "-"
	}
	return b.String()
}

// LineCol prints a position as line:col, for messages that name a second
// place in the same file.
func LineCol(p Pos) string { return fmt.Sprintf("%d:%d", p.Line, p.Column) }

// List is a list of errors. The zero value is an empty list ready to use.
type List []*Error

// Add appends an error at pos. Messages quote source text, which may be
// malformed UTF-8; they are made valid here, once for every stage.
func (l *List) Add(pos Pos, format string, args ...any) {
	msg := strings.ToValidUTF8(fmt.Sprintf(format, args...), "\uFFFD")
	*l = append(*l, &Error{Pos: pos, Msg: msg})
}

// Len is the number of errors.
func (l List) Len() int { return len(l) }

// Sort orders the list by file, line, column and message.
func (l List) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.Pos.Filename != b.Pos.Filename {
			return a.Pos.Filename < b.Pos.Filename
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Column != b.Pos.Column {
			return a.Pos.Column < b.Pos.Column
		}
		return a.Msg < b.Msg
	})
}

// RemoveMultiples sorts the list and drops repeats of the same message on
// the same line. Unlike go/scanner it keeps different errors on one line:
// the checker avoids cascades itself (an invalid type stays quiet), so a
// second message on a line is a second mistake.
func (l *List) RemoveMultiples() {
	l.Sort()
	out := (*l)[:0]
	for i, e := range *l {
		if i > 0 {
			p := out[len(out)-1]
			if p.Pos.Filename == e.Pos.Filename && p.Pos.Line == e.Pos.Line && p.Msg == e.Msg {
				continue
			}
		}
		out = append(out, e)
	}
	*l = out
}

// Error prints the first error and how many more there are.
func (l List) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more errors)", l[0], len(l)-1)
}

// Err returns nil for an empty list and the list itself otherwise.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}
