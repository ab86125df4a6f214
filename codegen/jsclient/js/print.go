package js

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Width is the column past which a call, array or object literal is
// printed one element per line.
const Width = 100

// Print writes a module: its source text and the source map mappings
// (the "mappings" field of a version 3 source map, for one source) from
// each node's Loc.
func Print(module []Stmt) (code []byte, mappings string) {
	p := &printer{widths: map[Expr]int{}, heads: map[Expr]int{}}
	for i, s := range module {
		if _, ok := s.(*Func); ok && i > 0 {
			p.newline() // a blank line before each top-level function
		}
		p.stmt(s)
	}
	return p.buf, encodeMappings(p.maps)
}

type printer struct {
	buf    []byte
	line   int // the generated line, from 0
	col    int // the generated column, in UTF-16 code units
	indent int
	maps   []mapping

	// flat is set while measuring how wide an expression is on one line;
	// multiline is then set if it cannot be on one line (a block).
	flat, multiline bool
	head            int          // while flat: the column of the first line break
	widths          map[Expr]int // flatWidth's answers
	heads           map[Expr]int // headWidth's answers
}

// print writes s, which holds no line break.
func (p *printer) print(s string) {
	p.buf = append(p.buf, s...)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < utf8.RuneSelf {
			p.col++
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			p.col += utf16Len(r)
			i += size - 1
		}
	}
}

func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

func (p *printer) newline() {
	if p.flat {
		if !p.multiline {
			p.head = p.col
		}
		p.multiline = true
		return
	}
	p.buf = append(p.buf, '\n')
	p.line++
	p.col = 0
}

func (p *printer) startLine() {
	p.print(strings.Repeat("  ", p.indent))
}

// mapTo records that the text printed next comes from loc.
func (p *printer) mapTo(loc Loc) {
	if loc.Line == 0 || p.flat {
		return
	}
	m := mapping{genLine: p.line, genCol: p.col, loc: loc}
	if n := len(p.maps); n > 0 {
		last := &p.maps[n-1]
		if last.genLine == m.genLine && last.genCol == m.genCol {
			*last = m // an inner node starting where its parent does
			return
		}
		if last.genLine == m.genLine && last.loc == m.loc {
			return // the mapping before already says so
		}
	}
	p.maps = append(p.maps, m)
}

// ---- Statements ----

func (p *printer) block(body []Stmt) {
	p.print("{")
	if p.flat {
		p.newline() // the block's lines are not measured
		return
	}
	p.newline()
	p.indent++
	for _, s := range body {
		p.stmt(s)
	}
	p.indent--
	p.startLine()
	p.print("}")
}

func (p *printer) stmt(s Stmt) {
	p.startLine()
	p.stmtInline(s)
	p.newline()
}

// stmtInline prints s from the current position, without the line end.
func (p *printer) stmtInline(s Stmt) {
	switch s := s.(type) {
	case *ImportAll:
		p.print("import * as " + s.Name + " from ")
		p.print(Quote(s.Path))
		p.print(";")
	case *Func:
		p.mapTo(s.Loc)
		if s.Async {
			p.print("async ")
		}
		p.print("function " + s.Name)
		p.params(s.Params)
		p.print(" ")
		p.block(s.Body)
	case *Decl:
		p.mapTo(s.Loc)
		p.print(s.Kind + " ")
		for i, b := range s.Binds {
			if i > 0 {
				p.print(", ")
			}
			p.print(b.Name)
			if b.Value != nil {
				p.print(" = ")
				p.expr(b.Value, precAssign)
			}
		}
		p.print(";")
	case *ExprStmt:
		p.mapTo(s.Loc)
		if startsWithBrace(s.X) {
			// A statement that starts with { would be a block.
			p.print("(")
			p.expr(s.X, precLowest)
			p.print(")")
		} else {
			p.expr(s.X, precLowest)
		}
		p.print(";")
	case *If:
		p.mapTo(s.Loc)
		p.print("if (")
		p.expr(s.Cond, precLowest)
		p.print(") ")
		p.block(s.Then)
		if len(s.Else) == 1 {
			if elif, ok := s.Else[0].(*If); ok {
				p.print(" else ")
				p.stmtInline(elif)
				return
			}
		}
		if len(s.Else) > 0 {
			p.print(" else ")
			p.block(s.Else)
		}
	case *While:
		p.mapTo(s.Loc)
		p.print("while (")
		p.expr(s.Cond, precLowest)
		p.print(") ")
		p.block(s.Body)
	case *ForOf:
		p.mapTo(s.Loc)
		p.print("for (const " + s.Name + " of ")
		p.expr(s.Seq, precAssign)
		p.print(") ")
		p.block(s.Body)
	case *Return:
		p.mapTo(s.Loc)
		p.print("return")
		if s.Value != nil {
			p.print(" ")
			p.expr(s.Value, precLowest)
		}
		p.print(";")
	case *Break:
		p.mapTo(s.Loc)
		p.print("break;")
	default:
		panic("js: unknown statement")
	}
}

func (p *printer) params(names []string) {
	p.print("(" + strings.Join(names, ", ") + ")")
}

// ---- Expressions ----

// Precedence levels, loosest first: an expression is put in parentheses
// where the context asks for a tighter level than its own.
type prec int

const (
	precLowest prec = iota
	precComma
	precAssign // also arrow functions
	precCond
	precOr
	precAnd
	precEquals
	precCompare
	precAdd
	precMul
	precPrefix
	precCall // calls and member access
)

var binaryPrec = map[string]prec{
	"||": precOr, "&&": precAnd,
	"==": precEquals, "!=": precEquals, "===": precEquals, "!==": precEquals,
	"<": precCompare, "<=": precCompare, ">": precCompare, ">=": precCompare,
	"+": precAdd, "-": precAdd, "*": precMul, "/": precMul, "%": precMul,
}

// wrap opens a parenthesis if an expression of precedence own appears
// where level is asked for, and returns what closes it.
func (p *printer) wrap(own, level prec) func() {
	if own >= level {
		return func() {}
	}
	p.print("(")
	return func() { p.print(")") }
}

func (p *printer) expr(e Expr, level prec) {
	switch e := e.(type) {
	case *Lit:
		p.mapTo(e.Loc)
		own := precCall
		if strings.HasPrefix(e.Text, "-") {
			own = precPrefix
		}
		defer p.wrap(own, level)()
		p.print(e.Text)
	case *Str:
		p.mapTo(e.Loc)
		p.print(Quote(e.Value))
	case *Name:
		p.mapTo(e.Loc)
		p.print(e.Name)
	case *Dot:
		p.mapTo(e.Loc)
		if _, ok := e.X.(*Lit); ok {
			p.print("(") // 1.x would be a number
			p.expr(e.X, precLowest)
			p.print(")")
		} else {
			p.expr(e.X, precCall)
		}
		p.print("." + e.Name)
	case *Index:
		p.mapTo(e.Loc)
		p.expr(e.X, precCall)
		p.print("[")
		p.expr(e.Index, precLowest)
		p.print("]")
	case *Call:
		p.mapTo(e.Loc)
		start := p.col
		p.expr(e.Fun, precCall)
		p.list(e, start, "(", ")", len(e.Args), func(i int) { p.expr(e.Args[i], precAssign) })
	case *Unary:
		p.mapTo(e.Loc)
		defer p.wrap(precPrefix, level)()
		p.print(e.Op)
		if e.Op == "-" && startsWithMinus(e.X) {
			p.print(" ") // - -x, never --x
		}
		p.expr(e.X, precPrefix)
	case *Await:
		p.mapTo(e.Loc)
		defer p.wrap(precPrefix, level)()
		p.print("await ")
		p.expr(e.X, precPrefix)
	case *Binary:
		p.mapTo(e.Loc)
		own, ok := binaryPrec[e.Op]
		if !ok {
			panic("js: unknown operator " + e.Op)
		}
		defer p.wrap(own, level)()
		if !p.flat && p.col+p.flatWidth(e) > Width && p.flatWidth(e) >= 0 {
			p.binaryChain(e, own)
			return
		}
		p.expr(e.X, own)
		p.print(" " + e.Op + " ")
		p.expr(e.Y, own+1)
	case *Assign:
		p.mapTo(e.Loc)
		defer p.wrap(precAssign, level)()
		p.expr(e.Target, precCall)
		p.print(" = ")
		p.expr(e.Value, precAssign)
	case *Cond:
		p.mapTo(e.Loc)
		defer p.wrap(precCond, level)()
		p.expr(e.Test, precOr)
		if !p.flat && p.col+p.flatWidth(e) > Width && p.flatWidth(e) >= 0 {
			// Too wide: each branch on a line of its own.
			p.indent++
			p.newline()
			p.startLine()
			p.print("? ")
			p.expr(e.Yes, precAssign)
			p.newline()
			p.startLine()
			p.print(": ")
			p.expr(e.No, precAssign)
			p.indent--
			return
		}
		p.print(" ? ")
		p.expr(e.Yes, precAssign)
		p.print(" : ")
		p.expr(e.No, precAssign)
	case *Seq:
		p.mapTo(e.Loc)
		defer p.wrap(precComma, level)()
		for i, x := range e.List {
			if i > 0 {
				p.print(", ")
			}
			p.expr(x, precAssign)
		}
	case *Array:
		p.mapTo(e.Loc)
		p.list(e, p.col, "[", "]", len(e.Elems), func(i int) { p.expr(e.Elems[i], precAssign) })
	case *Object:
		p.mapTo(e.Loc)
		if len(e.Props) == 0 {
			p.print("{}")
			return
		}
		p.list(e, p.col, "{ ", " }", len(e.Props), func(i int) {
			p.print(propertyKey(e.Props[i].Key) + ": ")
			p.expr(e.Props[i].Value, precAssign)
		})
	case *Arrow:
		p.mapTo(e.Loc)
		defer p.wrap(precAssign, level)()
		if e.Async {
			p.print("async ")
		}
		p.params(e.Params)
		p.print(" => ")
		if e.Expr == nil {
			p.block(e.Body)
		} else if startsWithBrace(e.Expr) {
			p.print("(")
			p.expr(e.Expr, precLowest)
			p.print(")")
		} else {
			p.expr(e.Expr, precAssign)
		}
	default:
		panic("js: unknown expression")
	}
}

// list prints n elements of e, which starts at column start, between
// open and close: on one line, or, if e would pass Width, one element per
// line. A list is followed on its line by at least one character (the ;
// of its statement, the , after it in a broken list), which counts.
func (p *printer) list(e Expr, start int, open, close string, n int, elem func(i int)) {
	broken := false
	if !p.flat && n > 1 {
		if w := p.flatWidth(e); w >= 0 && start+w+1 > Width || w < 0 && start+p.headWidth(e)+1 > Width {
			broken = true
		}
	}
	if !broken {
		p.print(open)
		for i := range n {
			if i > 0 {
				p.print(", ")
			}
			elem(i)
		}
		p.print(close)
		return
	}
	p.print(strings.TrimSpace(open))
	p.newline()
	p.indent++
	for i := range n {
		p.startLine()
		elem(i)
		if i < n-1 {
			p.print(",")
		}
		p.newline()
	}
	p.indent--
	p.startLine()
	p.print(strings.TrimSpace(close))
}

// binaryChain prints a chain of operators of one precedence, a + b + c,
// too long for its line: as many operands on each line as fit, the lines
// after the first indented once more.
func (p *printer) binaryChain(e *Binary, own prec) {
	var ops []string
	var operands []Expr
	var x Expr = e
	for {
		b, ok := x.(*Binary)
		if !ok || binaryPrec[b.Op] != own {
			break
		}
		ops = append(ops, b.Op)
		operands = append(operands, b.Y)
		x = b.X
	}
	p.expr(x, own)
	p.indent++
	for i := len(ops) - 1; i >= 0; i-- {
		y := operands[i]
		// What follows y on its line counts: the next operator, or the
		// ; or , after the chain. An operand holding a block is judged
		// by its first line.
		after := 1
		if i > 0 {
			after += len(ops[i-1])
		}
		w := p.flatWidth(y)
		if w < 0 {
			w, after = p.headWidth(y), 0
		}
		if p.col+len(ops[i])+2+w+after > Width {
			p.print(" " + ops[i])
			p.newline()
			p.startLine()
		} else {
			p.print(" " + ops[i] + " ")
		}
		p.expr(y, own+1)
	}
	p.indent--
}

// flatWidth returns how wide e is printed on one line, or -1 if it holds
// a block and so takes several lines anyway.
func (p *printer) flatWidth(e Expr) int {
	if w, ok := p.widths[e]; ok {
		return w
	}
	m := &printer{flat: true, widths: p.widths, heads: p.heads}
	m.expr(e, precLowest)
	w := m.col
	if m.multiline {
		w = -1
		p.heads[e] = m.head
	}
	p.widths[e] = w
	return w
}

// headWidth returns how wide the first line of e is, printed where it
// takes several lines (it holds a block): a call whose last argument is a
// function is broken when its first line would be too wide.
func (p *printer) headWidth(e Expr) int {
	p.flatWidth(e)
	return p.heads[e]
}

// startsWithBrace reports whether e, printed, starts with {.
func startsWithBrace(e Expr) bool {
	for {
		switch x := e.(type) {
		case *Object:
			return true
		case *Dot:
			e = x.X
		case *Index:
			e = x.X
		case *Call:
			e = x.Fun
		case *Binary:
			e = x.X
		case *Assign:
			e = x.Target
		case *Cond:
			e = x.Test
		case *Seq:
			e = x.List[0]
		default:
			return false
		}
	}
}

func startsWithMinus(e Expr) bool {
	switch x := e.(type) {
	case *Unary:
		return x.Op == "-"
	case *Lit:
		return strings.HasPrefix(x.Text, "-")
	}
	return false
}

// propertyKey is key as an object literal writes it. __proto__ is computed
// (["__proto__"]), so that it makes an own property like any other key.
func propertyKey(key string) string {
	if key == "__proto__" || !IsIdentifier(key) {
		return "[" + Quote(key) + "]"
	}
	return key
}

// IsIdentifier reports whether s is an ASCII JavaScript identifier name.
func IsIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || c == '$' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9' {
			continue
		}
		return false
	}
	return true
}

// Quote returns s as a JavaScript string literal in double quotes. Text
// other than quotes, backslashes, control characters, the line separators
// U+2028 and U+2029 and what an editor would not show is kept as it is;
// invalid UTF-8 becomes U+FFFD.
func Quote(s string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20:
			b.WriteString(`\x`)
			b.WriteByte(hex[r>>4])
			b.WriteByte(hex[r&0xf])
		case r == '\u2028' || r == '\u2029':
			b.WriteString(`\u202`)
			b.WriteByte(hex[r&0xf])
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\ufffd`)
		case r >= utf8.RuneSelf && !unicode.IsPrint(r):
			fmt.Fprintf(&b, `\u{%X}`, r) // unseen in an editor: private use, formats, spaces
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
