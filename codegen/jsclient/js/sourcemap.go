package js

import (
	"encoding/base64"
	"encoding/json"
	"strings"
)

// mapping says that generated text at (genLine, genCol) comes from loc.
type mapping struct {
	genLine, genCol int
	loc             Loc
}

// encodeMappings writes mappings, in generated order, as a source map's
// "mappings": lines separated by ";", segments by ",", each segment the
// base64 VLQ deltas of generated column, source index (always 0), source
// line and source column.
func encodeMappings(ms []mapping) string {
	var b strings.Builder
	line, prevGenCol, prevLine, prevCol := 0, 0, 0, 0
	first := true
	for _, m := range ms {
		for line < m.genLine {
			b.WriteByte(';')
			line++
			prevGenCol = 0
			first = true
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		srcLine, srcCol := m.loc.Line-1, m.loc.Col
		b.WriteString(vlq(m.genCol - prevGenCol))
		b.WriteString(vlq(0))
		b.WriteString(vlq(srcLine - prevLine))
		b.WriteString(vlq(srcCol - prevCol))
		prevGenCol, prevLine, prevCol = m.genCol, srcLine, srcCol
	}
	return b.String()
}

const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// vlq encodes n as a source map base64 VLQ.
func vlq(n int) string {
	v := n << 1
	if n < 0 {
		v = (-n << 1) | 1
	}
	var s []byte
	for {
		d := v & 31
		v >>= 5
		if v > 0 {
			d |= 32
		}
		s = append(s, b64[d])
		if v == 0 {
			return string(s)
		}
	}
}

// InlineSourceMap returns the comment that ends a module with its source
// map inline (esbuild reads it and maps its own output through it): one
// source, filename, whose text is src.
func InlineSourceMap(mappings, filename string, src []byte) string {
	sm, _ := json.Marshal(map[string]any{
		"version":        3,
		"sources":        []string{filename},
		"sourcesContent": []string{string(src)},
		"names":          []string{},
		"mappings":       mappings,
	})
	return "//# sourceMappingURL=data:application/json;base64," + base64.StdEncoding.EncodeToString(sm) + "\n"
}

// Lines converts positions in a source text to Locs: from a 1-based line
// and byte column to the UTF-16 column source maps count.
type Lines struct {
	src    []byte
	starts []int // the byte offset of each line's start
}

// NewLines indexes the lines of src.
func NewLines(src []byte) *Lines {
	l := &Lines{src: src, starts: []int{0}}
	for i, c := range src {
		if c == '\n' {
			l.starts = append(l.starts, i+1)
		}
	}
	return l
}

// Loc returns the Loc of line (from 1) and byte column (from 1); a line
// of 0 gives the zero Loc.
func (l *Lines) Loc(line, byteCol int) Loc {
	if line <= 0 || line > len(l.starts) {
		return Loc{}
	}
	start := l.starts[line-1]
	end := min(start+max(byteCol-1, 0), len(l.src))
	col := 0 // invalid UTF-8 counts a unit a byte, as U+FFFD
	for _, r := range string(l.src[start:end]) {
		col += utf16Len(r)
	}
	return Loc{Line: line, Col: col}
}
