package syntax

import (
	"html"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/lang/diag"
)

// Scanning HTML literals.
//
// An HTML literal is scanned by the scanner, not the parser, because what
// is between its tags is text, not tokens. In code, "<" followed by a
// letter or ">" starts an element or a fragment unless the token before
// it ends an operand (a name, a literal, ")", "]", "}", true, false,
// none, or the end of another literal): there it is less-than, or the
// type arguments of `channel<string>()` and `list<int>`. That is the rule
// of JavaScript's JSX too, and it needs one token of look-behind.
//
// Inside a literal the scanner keeps a stack of frames: an open tag being
// read (attributes), an element's content (text, children, holes), and a
// hole (`{…}` in content or as an attribute's value), where it scans code
// again, counting braces to find the hole's end. The stack is a slice,
// not recursion, so any depth of nesting scans without growing the Go
// stack; the parser then applies ast.MaxNesting.

type frameKind uint8

const (
	frameTag     frameKind = iota // in an open tag, reading attributes
	frameContent                  // between an element's tags
	frameHole                     // in a hole's code
)

type htmlFrame struct {
	kind  frameKind
	name  string         // the element's name ("" for a fragment); frameTag, frameContent
	depth int            // frameHole: braces open inside the hole
	open  lexer.Position // frameTag: where the tag's "<" is
}

// endsOperand reports whether t ends an operand, so that a "<" after it
// is an operator, not the start of an element.
func endsOperand(t *lexer.Token) bool {
	switch t.Type {
	case Ident, Int, Float, String, RawString, TagClose:
		return true
	case TagEnd:
		// In code, a tag's ">" ends a void element (after a non-void one
		// the scanner is in its content) and "/>" a self-closed one.
		return true
	case Keyword:
		return t.Value == "true" || t.Value == "false" || t.Value == "none"
	case Punct:
		return t.Value == ")" || t.Value == "]" || t.Value == "}"
	}
	return false
}

// startsElement reports whether the "<" at s.off starts an element or a
// fragment.
func (s *scanner) startsElement() bool {
	c := s.peek(1)
	if !isLetter(c) && c != '>' {
		return false
	}
	n := len(s.toks)
	return n == 0 || !endsOperand(&s.toks[n-1])
}

// holeBrace follows the braces of the code in a hole: the "}" that
// matches the hole's "{" ends it. It is called after each Punct.
func (s *scanner) holeBrace(f *htmlFrame) {
	t := &s.toks[len(s.toks)-1]
	if t.Type != Punct || f.kind != frameHole {
		return
	}
	switch t.Value {
	case "{":
		f.depth++
	case "}":
		if f.depth == 0 {
			s.html = s.html[:len(s.html)-1]
		} else {
			f.depth--
		}
	}
}

// openTag scans "<name" or "<>" at s.off.
func (s *scanner) openTag() {
	pos := s.pos()
	s.advance(1)
	if s.peek(0) == '>' {
		s.advance(1)
		s.emit(TagOpen, "", pos)
		s.html = append(s.html, htmlFrame{kind: frameContent})
		return
	}
	name := s.htmlName(false)
	s.emit(TagOpen, name, pos)
	s.html = append(s.html, htmlFrame{kind: frameTag, name: name, open: pos})
}

// htmlName scans a tag name (letters, digits, "-") or, when attr is true,
// an attribute name (also "_", ":" and ".").
func (s *scanner) htmlName(attr bool) string {
	end := s.off
	for end < len(s.src) {
		c := s.src[end]
		if !(isLetter(c) || isDigit(c) || c == '-' || attr && (c == ':' || c == '.')) {
			break
		}
		end++
	}
	name := s.src[s.off:end]
	s.advance(end - s.off)
	return name
}

// skipSpace skips white space, newlines included.
func (s *scanner) skipSpace() {
	for s.off < len(s.src) {
		switch s.src[s.off] {
		case '\n':
			s.newline()
		case ' ', '\t', '\r':
			s.advance(1)
		default:
			return
		}
	}
}

// skipText moves past src[s.off:end], which may hold newlines.
func (s *scanner) skipText(end int) {
	for s.off < end {
		if s.src[s.off] == '\n' {
			s.newline()
		} else {
			s.advance(1)
		}
	}
}

// tagStep scans one thing in an open tag: an attribute's name, "=", its
// value, or the tag's end.
func (s *scanner) tagStep() {
	f := &s.html[len(s.html)-1]
	s.skipSpace()
	if s.off >= len(s.src) {
		return
	}
	pos := s.pos()
	c := s.src[s.off]
	switch {
	case c == '/' && s.peek(1) == '/':
		// A comment between attributes, as in code.
		for s.off < len(s.src) && s.src[s.off] != '\n' {
			s.advance(1)
		}
	case c == '/' && s.peek(1) == '>':
		s.advance(2)
		s.emit(TagEnd, "/>", pos)
		s.html = s.html[:len(s.html)-1]
	case c == '>':
		s.advance(1)
		s.emit(TagEnd, ">", pos)
		if ast.IsVoid(f.name) {
			s.html = s.html[:len(s.html)-1]
		} else {
			f.kind = frameContent
		}
	case isLetter(c):
		s.emit(AttrName, s.htmlName(true), pos)
	case c == '=':
		s.advance(1)
		s.emit(Punct, "=", pos)
	case c == '"' || c == '\'':
		end := strings.IndexByte(s.src[s.off+1:], c)
		if end < 0 {
			s.errs.Add(pos, "attribute value not terminated")
			s.skipText(len(s.src))
			s.emit(Invalid, string(c), pos)
			return
		}
		text := s.src[s.off+1 : s.off+1+end]
		s.advance(1)
		s.checkUTF8(text)
		s.skipText(s.off + end + 1)
		s.emit(AttrText, html.UnescapeString(text), pos)
	case c == '{':
		s.advance(1)
		s.emit(Punct, "{", pos)
		s.html = append(s.html, htmlFrame{kind: frameHole})
	case c == '<':
		// A tag runs into the next one: its ">" is missing. Close it here
		// (without consuming the "<"), so the rest scans as intended and
		// the mistake is reported once.
		s.errs.Add(pos, "the tag <%s> opened at %d:%d has no closing >", f.name, f.open.Line, f.open.Column)
		s.emit(TagEnd, ">", pos)
		if ast.IsVoid(f.name) {
			s.html = s.html[:len(s.html)-1]
		} else {
			f.kind = frameContent
		}
	default:
		s.punctOrInvalid(pos, "in the tag <"+f.name+">")
	}
}

// checkUTF8 reports invalid UTF-8 in text, which begins at s.off, at the
// first bad byte, as the scanner does in code (columns count bytes).
func (s *scanner) checkUTF8(text string) {
	if utf8.ValidString(text) {
		return
	}
	bad := 0
	for bad < len(text) {
		r, n := utf8.DecodeRuneInString(text[bad:])
		if r == utf8.RuneError && n == 1 {
			break
		}
		bad += n
	}
	pos := s.pos()
	pos.Offset += bad
	if nl := strings.LastIndexByte(text[:bad], '\n'); nl >= 0 {
		pos.Line += strings.Count(text[:bad], "\n")
		pos.Column = bad - nl
	} else {
		pos.Column += bad
	}
	s.errs.Add(pos, "invalid UTF-8 in source")
}

// punctOrInvalid reports the character at s.off, out of place at pos, and
// emits it as an Invalid token.
func (s *scanner) punctOrInvalid(pos lexer.Position, where string) {
	r := s.src[s.off:]
	n := 1
	for n < len(r) && n < 4 && r[n]&0xC0 == 0x80 {
		n++
	}
	s.errs.Add(pos, "unexpected %q %s", r[:n], where)
	s.advance(n)
	s.emit(Invalid, r[:n], pos)
}

// contentStep scans one thing between tags: text, a hole's "{", a
// closing tag, or a child's open tag.
func (s *scanner) contentStep() {
	pos := s.pos()
	end := s.off
	for end < len(s.src) && s.src[end] != '<' && s.src[end] != '{' {
		end++
	}
	if end > s.off {
		raw := s.src[s.off:end]
		s.checkUTF8(raw)
		s.skipText(end)
		if text := cookText(raw); text != "" {
			s.emit(Text, html.UnescapeString(text), pos)
		}
		return
	}
	switch c := s.peek(1); {
	case s.src[s.off] == '{':
		s.advance(1)
		s.emit(Punct, "{", pos)
		s.html = append(s.html, htmlFrame{kind: frameHole})
	case c == '/':
		s.closeTag()
	case isLetter(c) || c == '>':
		s.openTag()
	default:
		s.punctOrInvalid(pos, `in text (write {"<"} for a less-than sign)`)
	}
}

// closeTag scans "</name>" and ends the element it closes. A closing tag
// that does not match the innermost element is the parser's to report;
// here, if it matches an element further out (within the same literal),
// the elements inside that are ended too, so that the rest of the file
// scans as it was meant: one mistake gives one error.
func (s *scanner) closeTag() {
	pos := s.pos()
	s.advance(2)
	name := s.htmlName(false)
	s.skipSpace()
	if s.peek(0) == '>' {
		s.advance(1)
	} else {
		s.errs.Add(s.pos(), "expected > to end the closing tag </%s>", name)
	}
	s.emit(TagClose, name, pos)
	top := len(s.html) - 1
	for i := top; i >= 0 && s.html[i].kind != frameHole; i-- {
		if s.html[i].name == name {
			s.html = s.html[:i]
			return
		}
	}
	s.html = s.html[:top]
}

// cookText applies JSX's rule to the text between two tags or holes: white
// space next to a line break is removed (tabs count as spaces), lines left
// empty are dropped, and the rest are joined with one space. Text with no
// line break is kept exactly as written. (This is Babel's
// cleanJSXElementLiteralChild.)
func cookText(raw string) string {
	if !strings.ContainsAny(raw, "\n\r") {
		return raw
	}
	lines := strings.Split(strings.ReplaceAll(strings.ReplaceAll(raw, "\r\n", "\n"), "\r", "\n"), "\n")
	last := -1
	for i, l := range lines {
		if strings.Trim(l, " \t") != "" {
			last = i
		}
	}
	var b strings.Builder
	for i, l := range lines {
		l = strings.ReplaceAll(l, "\t", " ")
		if i > 0 {
			l = strings.TrimLeft(l, " ")
		}
		if i < len(lines)-1 {
			l = strings.TrimRight(l, " ")
		}
		if l != "" {
			b.WriteString(l)
			if i != last {
				b.WriteByte(' ')
			}
		}
	}
	return b.String()
}

// ---- Parsing HTML literals ----
//
//	Element  = TagOpen {Attr} ( "/>" | ">" [ {Child} TagClose ] ) .   // no children when void
//	Fragment = TagOpen("") {Child} TagClose("") .
//	Attr     = AttrName [ "=" ( AttrText | "{" Expr "}" ) ] .
//	Child    = Text | Element | Fragment | "{" Hole "}" .
//	Hole     = "for" Ident "in" Expr ["key" Expr] "{" Hole "}"
//	         | "if" Expr "{" Hole "}" ["else" ( "if" … | "{" Hole "}" )]
//	         | "match" Expr "{" Arm {"," Arm} [","] "}"
//	         | Expr .
//	Arm      = ( "some" "(" Ident ")" | "none" ) "=>" ( "{" Hole "}" | Hole ) .

// parseLiteral parses an element or fragment literal at a TagOpen.
func parseLiteral(p *parser) (ast.Expr, error) {
	t := p.Next()
	if err := p.enter(t); err != nil {
		return nil, err
	}
	defer p.leave()
	if t.Value == "" {
		frag := &ast.FragmentLit{Pos: t.Pos}
		children, close, err := parseChildren(p, t)
		if err != nil {
			return nil, err
		}
		frag.Children, frag.Close = children, close
		return frag, nil
	}
	namePos := t.Pos
	namePos.Offset++
	namePos.Column++
	el := &ast.ElementLit{Pos: t.Pos, Name: t.Value, NamePos: namePos}
	for {
		a := p.Peek()
		switch a.Type {
		case AttrName:
			attr, err := parseAttr(p)
			if err != nil {
				return nil, err
			}
			el.Attrs = append(el.Attrs, attr)
			continue
		case TagEnd:
			p.Next()
			el.Void = ast.IsVoid(el.Name)
			if a.Value == "/>" {
				el.SelfClosed = true
				return el, nil
			}
			if el.Void {
				return el, nil
			}
			children, close, err := parseChildren(p, t)
			if err != nil {
				return nil, err
			}
			el.Children, el.Close = children, close
			return el, nil
		}
		return nil, unexpected(a, `attribute or ">"`)
	}
}

// parseAttr parses one attribute of an open tag.
func parseAttr(p *parser) (*ast.Attr, error) {
	t := p.Next()
	a := &ast.Attr{Pos: t.Pos, Name: t.Value, Key: t.Value}
	switch name := t.Value; {
	case name == "bind":
		a.Kind = ast.AttrBind
	case strings.HasPrefix(name, "class:"):
		a.Kind, a.Key = ast.AttrClass, name[len("class:"):]
	case strings.HasPrefix(name, "style:"):
		a.Kind, a.Key = ast.AttrStyle, name[len("style:"):]
	case strings.HasPrefix(name, "on") && len(name) > 2:
		a.Kind, a.Key = ast.AttrOn, name[2:]
	}
	if !isPunct(p.Peek(), "=") {
		return a, nil
	}
	p.Next()
	v := p.Peek()
	a.ValuePos = v.Pos
	switch {
	case v.Type == AttrText:
		p.Next()
		a.Form, a.Text = ast.FormText, v.Value
	case isPunct(v, "{"):
		p.Next()
		x, err := parseExprRequired(p)
		if err != nil {
			return nil, err
		}
		if err := expect(p, "}"); err != nil {
			return nil, err
		}
		a.Form, a.Value = ast.FormExpr, x
	default:
		return nil, unexpected(v, `"text" or {expression} for the attribute's value`)
	}
	return a, nil
}

// parseChildren parses the content of the literal opened by open, up to
// and including its closing tag, and returns the closing tag's position.
func parseChildren(p *parser, open *lexer.Token) ([]ast.Content, lexer.Position, error) {
	var out []ast.Content
	for {
		t := p.Peek()
		switch {
		case t.Type == Text:
			p.Next()
			out = append(out, &ast.Text{Pos: t.Pos, Value: t.Value})
		case t.Type == TagOpen:
			x, err := parseLiteral(p)
			if err != nil {
				return nil, lexer.Position{}, err
			}
			out = append(out, x.(ast.Content))
		case isPunct(t, "{"):
			p.Next()
			c, err := parseHole(p)
			if err != nil {
				return nil, lexer.Position{}, err
			}
			if h, ok := c.(*ast.ExprHole); ok {
				h.Pos = t.Pos // a hole between tags is at its "{"
			}
			if err := expect(p, "}"); err != nil {
				return nil, lexer.Position{}, err
			}
			out = append(out, c)
		case t.Type == TagClose:
			p.Next()
			if t.Value != open.Value {
				return nil, lexer.Position{}, participle.Errorf(t.Pos, "closing tag %s does not match %s at %s",
					closeTagName(t.Value), openTagName(open.Value), diag.LineCol(open.Pos))
			}
			return out, t.Pos, nil
		case t.Type == Invalid:
			return nil, lexer.Position{}, unexpected(t, "") // the scanner has reported it
		default:
			return nil, lexer.Position{}, participle.Errorf(t.Pos, "unexpected %s, expected %s to close %s at %s",
				describe(*t), closeTagName(open.Value), openTagName(open.Value), diag.LineCol(open.Pos))
		}
	}
}

func openTagName(name string) string  { return "<" + name + ">" }
func closeTagName(name string) string { return "</" + name + ">" }

// parseHole parses what is inside a hole's braces, or a content body.
func parseHole(p *parser) (ast.Content, error) {
	t := p.Peek()
	if err := p.enter(t); err != nil {
		return nil, err
	}
	defer p.leave()
	if t.Type == Keyword {
		switch t.Value {
		case "for":
			return parseContentFor(p)
		case "if":
			return parseContentIf(p)
		case "match":
			return parseContentMatch(p)
		}
	}
	x, err := parseExprRequired(p)
	if err != nil {
		return nil, err
	}
	return &ast.ExprHole{Pos: t.Pos, X: x}, nil
}

// parseBody parses `{ hole }`, the body of a content for, if or else.
func parseBody(p *parser) (ast.Content, error) {
	t := p.Peek()
	if err := expect(p, "{"); err != nil {
		return nil, err
	}
	if err := p.enter(t); err != nil {
		return nil, err
	}
	defer p.leave()
	c, err := parseHole(p)
	if err != nil {
		return nil, err
	}
	return c, expect(p, "}")
}

func parseContentFor(p *parser) (ast.Content, error) {
	f := &ast.ForContent{Pos: p.Next().Pos}
	var err error
	if f.Var, err = expectIdent(p, "name"); err != nil {
		return nil, err
	}
	if f.Seq, err = expectExpr(p, "in"); err != nil {
		return nil, err
	}
	if t := p.Peek(); t.Type == Ident && t.Value == "key" {
		p.Next()
		if f.Key, err = parseExprRequired(p); err != nil {
			return nil, err
		}
	}
	f.Body, err = parseBody(p)
	return f, err
}

func parseContentIf(p *parser) (ast.Content, error) {
	t := p.Next()
	if err := p.enter(t); err != nil {
		return nil, err
	}
	defer p.leave()
	c := &ast.IfContent{Pos: t.Pos}
	var err error
	if c.Cond, err = parseExprRequired(p); err != nil {
		return nil, err
	}
	if c.Then, err = parseBody(p); err != nil {
		return nil, err
	}
	if !isKeyword(p.Peek(), "else") {
		return c, nil
	}
	p.Next()
	if isKeyword(p.Peek(), "if") {
		c.Else, err = parseContentIf(p)
	} else {
		c.Else, err = parseBody(p)
	}
	return c, err
}

func parseContentMatch(p *parser) (ast.Content, error) {
	m := &ast.MatchContent{Pos: p.Next().Pos}
	var err error
	if m.X, err = parseExprRequired(p); err != nil {
		return nil, err
	}
	if err := expect(p, "{"); err != nil {
		return nil, err
	}
	m.Arms, err = parseList(p, "}", func(p *parser) (*ast.ContentArm, error) {
		some, bind, pos, err := parseArmHead(p)
		if err != nil {
			return nil, err
		}
		arm := &ast.ContentArm{Pos: pos, Some: some, Bind: bind}
		if isPunct(p.Peek(), "{") {
			arm.Body, err = parseBody(p)
		} else {
			arm.Body, err = parseHole(p)
		}
		return arm, err
	})
	return m, err
}
