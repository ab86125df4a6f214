package syntax

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/prog-lang/prog/lang/diag"
)

// Token types. Keywords have their own type so that `@Ident` never matches
// one; `server` and `client` are identifiers (they are keywords only before
// `fun`, which the grammar says).
const (
	Ident lexer.TokenType = iota + 1
	Keyword
	Int
	Float
	String
	RawString
	Punct
	// Invalid is a character the scanner reported; it matches nothing, so
	// the declaration holding it fails to parse without a second message.
	Invalid

	// The tokens of HTML literals (html.go). Holes and attribute
	// expressions are ordinary tokens between Punct "{" and "}".
	TagOpen  // "<name" (Value the name), or "<>" (Value "")
	AttrName // an attribute's name, never a keyword
	AttrText // an attribute's quoted text, character references decoded
	TagEnd   // ">" or "/>", ending an open tag
	Text     // text between tags, cooked (Value may not be empty)
	TagClose // "</name>" (Value the name), or "</>" (Value "")
)

var symbols = map[string]lexer.TokenType{
	"EOF":       lexer.EOF,
	"Ident":     Ident,
	"Keyword":   Keyword,
	"Int":       Int,
	"Float":     Float,
	"String":    String,
	"RawString": RawString,
	"Punct":     Punct,
	"Invalid":   Invalid,
	"TagOpen":   TagOpen,
	"AttrName":  AttrName,
	"AttrText":  AttrText,
	"TagEnd":    TagEnd,
	"Text":      Text,
	"TagClose":  TagClose,
}

// Keywords of the language. `match` is reserved too: LANGUAGE.md uses it
// for option matching, so it cannot name anything else.
var keywords = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`fun type table page let var if else while for in
		return spawn true false none some insert update delete set where select every on match`) {
		keywords[k] = true
	}
}

// `set` is the keyword of `update … set`, and the built-in set(s, v) of
// the user interface: directly followed by "(", it is a name (ident).

// IsKeyword reports whether s is a reserved word.
func IsKeyword(s string) bool { return keywords[s] }

// definition is the participle lexer.Definition for Prog. Parse never
// calls its Lex (it scans first and hands participle the tokens), but
// participle needs the symbol table to compile the grammar.
type definition struct{}

func (definition) Symbols() map[string]lexer.TokenType { return symbols }

// scanner turns source text into tokens. It never stops at a bad
// character: it reports it and goes on, so every lexical error in a file
// is found in one pass.
type scanner struct {
	src  string
	file string
	off  int
	line int
	col  int // 1-based column of src[off]
	errs *diag.List
	toks []lexer.Token

	// html is the stack of HTML literals being scanned (html.go); empty
	// in plain code.
	html []htmlFrame
}

// scan returns every token of src followed by an EOF token.
func scan(file, src string, errs *diag.List) []lexer.Token {
	s := &scanner{src: src, file: file, line: 1, col: 1, errs: errs}
	// Prog source averages a token per three or four bytes: one allocation
	// of the right size instead of a series of copies as the slice grows.
	s.toks = make([]lexer.Token, 0, len(src)/3+16)
	s.run()
	return s.toks
}

func (s *scanner) pos() lexer.Position {
	return lexer.Position{Filename: s.file, Offset: s.off, Line: s.line, Column: s.col}
}

// advance moves past n bytes that contain no newline.
func (s *scanner) advance(n int) {
	s.off += n
	s.col += n
}

func (s *scanner) newline() {
	s.off++
	s.line++
	s.col = 1
}

func (s *scanner) emit(typ lexer.TokenType, val string, pos lexer.Position) {
	s.toks = append(s.toks, lexer.Token{Type: typ, Value: val, Pos: pos})
}

func (s *scanner) run() {
	for s.off < len(s.src) {
		if n := len(s.html); n > 0 && s.html[n-1].kind != frameHole {
			if s.html[n-1].kind == frameTag {
				s.tagStep()
			} else {
				s.contentStep()
			}
			continue
		}
		c := s.src[s.off]
		switch {
		case c == '\n':
			s.newline()
		case c == ' ' || c == '\t' || c == '\r':
			s.advance(1)
		case c == '/' && s.peek(1) == '/':
			for s.off < len(s.src) && s.src[s.off] != '\n' {
				s.advance(1)
			}
		case isLetter(c):
			s.ident()
		case isDigit(c):
			s.number()
		case c == '"':
			s.string()
		case c == '`':
			s.rawString()
		case c == '<' && s.startsElement():
			s.openTag()
		default:
			s.punct()
			if n := len(s.html); n > 0 {
				s.holeBrace(&s.html[n-1])
			}
		}
	}
	s.emit(lexer.EOF, "", s.pos())
}

func (s *scanner) peek(i int) byte {
	if s.off+i < len(s.src) {
		return s.src[s.off+i]
	}
	return 0
}

func isLetter(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }

func (s *scanner) ident() {
	pos := s.pos()
	end := s.off
	for end < len(s.src) && (isLetter(s.src[end]) || isDigit(s.src[end])) {
		end++
	}
	word := s.src[s.off:end]
	s.advance(end - s.off)
	if keywords[word] && !(word == "set" && s.peek(0) == '(') {
		s.emit(Keyword, word, pos)
	} else {
		s.emit(Ident, word, pos)
	}
}

func (s *scanner) number() {
	pos := s.pos()
	end := s.off
	for end < len(s.src) && isDigit(s.src[end]) {
		end++
	}
	typ := Int
	if end+1 < len(s.src) && s.src[end] == '.' && isDigit(s.src[end+1]) {
		typ = Float
		end++
		for end < len(s.src) && isDigit(s.src[end]) {
			end++
		}
	}
	if end < len(s.src) && (s.src[end] == 'e' || s.src[end] == 'E') {
		e := end + 1
		if e < len(s.src) && (s.src[e] == '+' || s.src[e] == '-') {
			e++
		}
		if e < len(s.src) && isDigit(s.src[e]) {
			typ = Float
			end = e
			for end < len(s.src) && isDigit(s.src[end]) {
				end++
			}
		}
	}
	// A number runs into a letter: 12abc. Report it once and take the lot.
	if end < len(s.src) && isLetter(s.src[end]) {
		bad := end
		for bad < len(s.src) && (isLetter(s.src[bad]) || isDigit(s.src[bad])) {
			bad++
		}
		s.errs.Add(pos, "malformed number %q", s.src[s.off:bad])
		end = bad
		typ = Int
		s.advance(end - s.off)
		s.emit(typ, "0", pos)
		return
	}
	text := s.src[s.off:end]
	s.advance(end - s.off)
	s.emit(typ, text, pos)
}

func (s *scanner) string() {
	pos := s.pos()
	s.advance(1) // opening quote
	var b strings.Builder
	for {
		if s.off >= len(s.src) || s.src[s.off] == '\n' {
			s.errs.Add(pos, "string literal not terminated")
			s.emit(String, b.String(), pos)
			return
		}
		c := s.src[s.off]
		switch c {
		case '"':
			s.advance(1)
			s.emit(String, b.String(), pos)
			return
		case '\\':
			s.escape(&b)
		default:
			_, n := utf8.DecodeRuneInString(s.src[s.off:])
			b.WriteString(s.src[s.off : s.off+n])
			s.advance(n)
		}
	}
}

// escape decodes one backslash escape into b.
func (s *scanner) escape(b *strings.Builder) {
	pos := s.pos()
	s.advance(1)
	if s.off >= len(s.src) {
		return
	}
	c := s.src[s.off]
	switch c {
	case 'n':
		b.WriteByte('\n')
	case 't':
		b.WriteByte('\t')
	case 'r':
		b.WriteByte('\r')
	case '\\', '"':
		b.WriteByte(c)
	case 'u':
		if s.peek(1) != '{' {
			s.errs.Add(pos, `malformed escape: \u must be followed by {hex digits}`)
			s.advance(1)
			return
		}
		end := strings.IndexAny(s.src[s.off:], "}\"\n")
		if end < 0 || s.src[s.off+end] != '}' {
			s.errs.Add(pos, `malformed escape: \u{ is not closed with }`)
			s.advance(2)
			return
		}
		hex := s.src[s.off+2 : s.off+end]
		r, err := strconv.ParseUint(hex, 16, 32)
		if err != nil || len(hex) == 0 || len(hex) > 6 || !utf8.ValidRune(rune(r)) {
			s.errs.Add(pos, `malformed escape \u{%s}: not a Unicode code point`, hex)
		} else {
			b.WriteRune(rune(r))
		}
		s.advance(end + 1)
		return
	case '\n':
		s.errs.Add(pos, "string literal not terminated")
		return
	default:
		r, n := utf8.DecodeRuneInString(s.src[s.off:])
		s.errs.Add(pos, `unknown escape \%s (use \n \t \r \\ \" or \u{…})`, string(r))
		s.advance(n)
		return
	}
	s.advance(1)
}

func (s *scanner) rawString() {
	pos := s.pos()
	s.advance(1)
	start := s.off
	for s.off < len(s.src) && s.src[s.off] != '`' {
		if s.src[s.off] == '\n' {
			s.newline()
		} else {
			s.advance(1)
		}
	}
	text := s.src[start:s.off]
	if s.off >= len(s.src) {
		s.errs.Add(pos, "raw string literal not terminated")
	} else {
		s.advance(1)
	}
	s.emit(RawString, text, pos)
}

// punctuation, longest first where one is a prefix of another.
var puncts = []string{"==", "!=", "<=", ">=", "&&", "||", "=>",
	"(", ")", "{", "}", "[", "]", ",", ":", ";", ".", "=", "<", ">", "+", "-", "*", "/", "%", "!"}

func (s *scanner) punct() {
	pos := s.pos()
	rest := s.src[s.off:]
	for _, p := range puncts {
		if strings.HasPrefix(rest, p) {
			s.advance(len(p))
			s.emit(Punct, p, pos)
			return
		}
	}
	r, n := utf8.DecodeRuneInString(rest)
	switch {
	case r == utf8.RuneError && n == 1:
		s.errs.Add(pos, "invalid UTF-8 in source")
	case r == '&' || r == '|':
		s.errs.Add(pos, "unexpected %q (did you mean %q?)", string(r), strings.Repeat(string(r), 2))
	default:
		s.errs.Add(pos, "unexpected character %q", r)
	}
	s.advance(n)
	s.emit(Invalid, rest[:n], pos)
}
