// Package syntax scans and parses Prog source into the tree of package ast.
//
// The grammar of declaration headers (parameters, fields, types) lives in
// the struct tags of package ast and is compiled by participle; it is
// LL(1): every alternative is chosen by its first token. Blocks,
// statements, expressions, lambdas and the types inside them, which are
// most of any program, are parsed here by hand (stmt.go, and precedence
// climbing for binary operators), from the scanned tokens themselves:
// participle sees a declaration's header only, and the hand-written
// parser the block that follows it. participle's reflective matching, and
// the copy of every token it makes, were most of the front end's time.
// Nothing outlives one parse: the state of a declaration's parse is a
// parser value, so declarations parse at once without sharing any.
//
// Scanning is done once, by a hand-written scanner that reports every bad
// character and goes on. The token stream is then cut into top-level
// declarations (a declaration starts with a declaration keyword outside
// any brackets, or at the start of a line), and each is parsed on its own:
// a syntax error ends the parse of its declaration only, so one file can
// report a mistake in every declaration, and the checker still sees every
// declaration that parsed. Being independent, the declarations of a large
// file are parsed on every core at once; the result is the same as
// parsing them in turn (TestParseInParallel).
package syntax

import (
	"fmt"
	"io"
	"regexp"
	goruntime "runtime"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
	"golang.org/x/sync/errgroup"

	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/lang/diag"
)

// Lex is unused by Parse; it satisfies lexer.Definition.
func (definition) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	src, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var errs diag.List
	toks := scan(filename, string(src), &errs)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return &tokenLexer{toks: toks[:len(toks)-1], eof: toks[len(toks)-1]}, nil
}

// tokenLexer replays tokens scanned earlier, then eof.
type tokenLexer struct {
	toks []lexer.Token
	eof  lexer.Token
	i    int
}

func (l *tokenLexer) Next() (lexer.Token, error) {
	if l.i >= len(l.toks) {
		return l.eof, nil
	}
	l.i++
	return l.toks[l.i-1], nil
}

type declHolder struct {
	Decl ast.Decl `parser:"@@"`
}

var (
	options = []participle.Option{
		participle.Lexer(definition{}),
		// Members are tried in order and each first token belongs to one
		// member only (LL(1)), so the most frequent come first: every
		// failed try costs participle an allocation.
		participle.Union[ast.Decl](&ast.FuncDecl{}, &ast.TypeDecl{}, &ast.TableDecl{},
			&ast.PageDecl{}, &ast.EveryDecl{}, &ast.OnDecl{}),
		participle.Union[ast.TypeExpr](&ast.FuncType{}, &ast.RecordType{}, &ast.NamedType{}),
		// Lookahead 0: an alternative whose first token matched is
		// committed, so a syntax error is reported where it is (LL(1))
		// instead of where participle last backtracked to.
		participle.UseLookahead(0),
	}
	declParser = participle.MustBuild[declHolder](options...)
)

// Grammar returns the EBNF of the declaration grammar, for documentation.
func Grammar() string { return declParser.String() }

// Parse parses one file. It returns the declarations that parsed, and
// every lexical and syntax error found, in the order found (pipeline.Load
// sorts the errors of all stages together).
func Parse(filename string, src []byte) (*ast.File, diag.List) {
	var errs diag.List
	toks := scan(filename, string(src), &errs)
	file := &ast.File{Name: filename}
	cs := chunks(toks)
	decls := make([]ast.Decl, len(cs))
	chunkErrs := make([]diag.List, len(cs))
	parseChunks(len(cs), func(i int) { decls[i] = parseDecl(toks, cs[i], &chunkErrs[i]) })
	for i, c := range cs {
		errs = append(errs, chunkErrs[i]...)
		if decls[i] != nil {
			file.Decls = append(file.Decls, decls[i])
		} else if name := declName(toks[c.start:c.end]); name != "" {
			if file.Unparsed == nil {
				file.Unparsed = map[string]bool{}
			}
			file.Unparsed[name] = true
		}
	}
	return file, errs
}

// parseChunks runs parse(0) … parse(n-1). Declarations parse on their
// own, so a large file's are parsed on every core, in batches; the
// results do not depend on the order. A small file is parsed in turn.
func parseChunks(n int, parse func(i int)) {
	const batch = 64
	if n <= batch || goruntime.GOMAXPROCS(0) == 1 {
		for i := range n {
			parse(i)
		}
		return
	}
	var g errgroup.Group
	g.SetLimit(goruntime.GOMAXPROCS(0))
	for start := 0; start < n; start += batch {
		g.Go(func() error {
			for i := start; i < min(start+batch, n); i++ {
				parse(i)
			}
			return nil
		})
	}
	g.Wait()
}

// declName returns the name a declaration's tokens declare, if they get
// as far as it: `fun f`, `server fun f`, `type T`, `table t`.
func declName(toks []lexer.Token) string {
	if len(toks) > 0 && toks[0].Type == Ident { // server or client
		toks = toks[1:]
	}
	if len(toks) < 2 || toks[0].Type != Keyword || toks[1].Type != Ident {
		return ""
	}
	switch toks[0].Value {
	case "fun", "type", "table":
		return toks[1].Value
	}
	return ""
}

// A chunk is the token range [start, end) of one top-level declaration.
type chunk struct{ start, end int }

// chunks cuts the token stream (ending in EOF) into declarations.
func chunks(toks []lexer.Token) []chunk {
	var out []chunk
	start, depth := 0, 0
	closed := false    // the previous token was a } back at depth 0
	n := len(toks) - 1 // leave out EOF
	for i := 0; i < n; i++ {
		t := &toks[i]
		// After a } at depth 0 a new declaration begins, unless a { follows:
		// then the } closed a function's record result type, and the {
		// opens its body (no declaration begins with a {).
		if i > start && (closed && !isPunct(t, "{") || (depth == 0 || t.Pos.Column == 1) && startsDecl(toks, i)) {
			out = append(out, chunk{start, i})
			start, depth = i, 0
		}
		closed = false
		if t.Type == Punct {
			switch t.Value {
			case "(", "{", "[":
				depth++
			case ")", "}", "]":
				if depth > 0 {
					depth--
					closed = depth == 0 && t.Value == "}"
				}
			}
		}
	}
	if start < n {
		out = append(out, chunk{start, n})
	}
	return out
}

// startsDecl reports whether toks[i] begins a top-level declaration.
func startsDecl(toks []lexer.Token, i int) bool {
	t := &toks[i]
	next := &toks[min(i+1, len(toks)-1)]
	switch t.Type {
	case Keyword:
		switch t.Value {
		case "type", "table", "page", "every", "on":
			return true
		case "fun": // a named function, not a function type or lambda
			if i > 0 && startsDecl(toks, i-1) {
				return false // the fun of `server fun f`
			}
			return next.Type == Ident
		}
	case Ident:
		return (t.Value == "server" || t.Value == "client") && next.Type == Keyword && next.Value == "fun"
	}
	return false
}

// parseDecl parses the declaration in chunk c and returns it, or nil after
// reporting why it could not.
//
// participle parses only the declaration's header. A function or task
// ends in a block: participle is given the tokens before it, ending in an
// EOF token at its "{", and the block is then parsed by hand from the
// tokens themselves. The tokens of a declaration are mostly its body's,
// and participle would copy them all.
func parseDecl(toks []lexer.Token, c chunk, errs *diag.List) ast.Decl {
	if !startsDecl(toks, c.start) {
		errs.Add(toks[c.start].Pos, "unexpected %s, expected a declaration (type, table, page, fun, every or on)", describe(toks[c.start]))
		return nil
	}
	// The chunk ends where the next declaration (or the file) begins; the
	// EOF that stands for it sits at that position.
	end := toks[c.end]
	open := bodyStart(toks, c)
	headerEnd, eof := c.end, lexer.EOFToken(end.Pos)
	if open >= 0 {
		headerEnd, eof = open, lexer.EOFToken(toks[open].Pos)
	}
	// participle parses by recursion too, and knows no limit.
	if t := headerTooDeep(toks[c.start:headerEnd]); t != nil {
		addParseError(errs, tooDeep(t), end)
		return nil
	}
	lex, err := lexer.Upgrade(&tokenLexer{toks: toks[c.start:headerEnd], eof: eof})
	if err != nil {
		errs.Add(toks[c.start].Pos, "%v", err)
		return nil
	}
	body := hasBody(&toks[c.start])
	// Without a block, a function's header may parse and leave tokens
	// behind: the block was expected there.
	h, err := declParser.ParseFromLexer(lex, participle.AllowTrailing(body && open < 0))
	if err != nil {
		if open >= 0 {
			end = toks[open] // the EOF stood for the block's "{"
		}
		addParseError(errs, err, end)
		return nil
	}
	if !body {
		return h.Decl
	}
	var block *ast.Block
	if open < 0 {
		t := lex.Peek()
		if t.EOF() {
			t = &end
		}
		addParseError(errs, unexpected(t, `"{"`), end)
		return nil
	}
	p := &parser{toks: toks[open:c.end], eof: lexer.EOFToken(end.Pos), errs: errs}
	if block, err = parseBlock(p); err == nil && p.i < len(p.toks) {
		err = unexpected(p.Peek(), "end of declaration")
	}
	if err != nil {
		addParseError(errs, unclosed(toks[c.start:c.end], open-c.start, end, err), end)
		return nil
	}
	switch d := h.Decl.(type) {
	case *ast.FuncDecl:
		d.Body = block
	case *ast.EveryDecl:
		d.Body = block
	case *ast.OnDecl:
		d.Body = block
	}
	return h.Decl
}

// unclosed returns the error to report for err, a syntax error in the
// block toks[body:] of the declaration toks, after which comes end.
// When the block's braces do not balance, a "}" is missing, and the
// parser only finds out at the end of the declaration, or wherever the
// tokens stopped making sense: far from the mistake. The indentation
// tells where the mistake is: a block that was not closed ends at the
// first line indented no deeper than the line that opened it (a "}" that
// lines up with an outer block, or a statement that lines up with the
// block's own first line). If that line comes no later than err, the
// error is reported there instead, naming the block.
func unclosed(toks []lexer.Token, body int, end lexer.Token, err error) error {
	type open struct {
		pos    lexer.Position
		indent int // the column of the first token on its line
	}
	var stack []open
	var suspect *lexer.Token
	var suspectOpen lexer.Position
	indent := 0
	for i := range toks {
		t := &toks[i]
		first := i == 0 || toks[i-1].Pos.Line != t.Pos.Line
		if first {
			indent = t.Pos.Column
		}
		if i < body {
			continue
		}
		if first && suspect == nil && len(stack) > 0 {
			top := stack[len(stack)-1]
			if top.pos.Line < t.Pos.Line && (t.Pos.Column < top.indent || t.Pos.Column == top.indent && !isPunct(t, "}")) {
				suspect, suspectOpen = t, top.pos
			}
		}
		switch {
		case isPunct(t, "{"):
			stack = append(stack, open{t.Pos, indent})
		case isPunct(t, "}") && len(stack) > 0:
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) == 0 {
		return err
	}
	var at lexer.Position
	if perr, ok := err.(participle.Error); ok {
		at = perr.Position()
	}
	if suspect != nil && !before(at, suspect.Pos) {
		return participle.Errorf(suspect.Pos, "expected } to close the block opened at %s", diag.LineCol(suspectOpen))
	}
	// At the end, between statements: the block is what is unfinished.
	// (In the middle of one, the statement is: "expected expression".)
	if u, ok := err.(*participle.UnexpectedTokenError); ok && u.Expect == stmtOrEnd && at.Offset >= end.Pos.Offset {
		return participle.Errorf(end.Pos, "unexpected %s, expected } to close the block opened at %s",
			describe(end), diag.LineCol(stack[len(stack)-1].pos))
	}
	return err
}

// before reports whether position a comes before b in one file.
func before(a, b lexer.Position) bool { return a.Offset < b.Offset }

// hasBody reports whether a declaration that begins with first ends in a
// block: a function or a task.
func hasBody(first *lexer.Token) bool {
	return first.Type == Ident || first.Type == Keyword && (first.Value == "fun" || first.Value == "every" || first.Value == "on")
}

// bodyStart returns where the block of the function or task in chunk c
// begins, or -1. In a header, "{" opens a record type after ":" and
// else the body; the body's "{" is the first other one outside brackets.
func bodyStart(toks []lexer.Token, c chunk) int {
	if !hasBody(&toks[c.start]) {
		return -1
	}
	depth := 0
	for i := c.start; i < c.end; i++ {
		t := &toks[i]
		if t.Type != Punct {
			continue
		}
		switch t.Value {
		case "{":
			if depth == 0 && !isPunct(&toks[i-1], ":") {
				return i
			}
			depth++
		case "(", "[", "<":
			depth++
		case ")", "]", "}", ">":
			depth--
		}
	}
	return -1
}

// parser is the hand-written parser of one declaration's block: its
// tokens, how far it has read (Peek and Next, as participle's
// PeekingLexer has them, without copying the tokens), and the errors that
// do not end the parse. Past the last token it answers eof.
//
// It also counts how deeply the tree it builds nests, to stop at
// ast.MaxNesting. depth is the level of the construct being parsed: each
// expression operand, block, if and type is one level below the one it is
// in. A chain of binary operators or of calls, fields and indexes is
// parsed in a loop, yet each link nests the chain before it one level
// deeper, so the chain's height is counted too: peak is the deepest level
// that the expression being parsed reaches, and the loops add to it. A
// level is a node or two of the tree, so the tree's depth stays within a
// small multiple of ast.MaxNesting.
type parser struct {
	toks  []lexer.Token
	i     int
	eof   lexer.Token
	errs  *diag.List
	depth int
	peak  int
}

func (p *parser) Peek() *lexer.Token {
	if p.i < len(p.toks) {
		return &p.toks[p.i]
	}
	return &p.eof
}

func (p *parser) Next() *lexer.Token {
	t := p.Peek()
	if p.i < len(p.toks) {
		p.i++
	}
	return t
}

// enter notes a level of nesting that begins at t.
func (p *parser) enter(t *lexer.Token) error {
	p.depth++
	p.peak = max(p.peak, p.depth)
	if p.depth > ast.MaxNesting {
		return tooDeep(t)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

func tooDeep(t *lexer.Token) error {
	return participle.Errorf(t.Pos, "nesting too deep: a declaration may nest at most %d levels", ast.MaxNesting)
}

// headerTooDeep returns the first token of toks, a header that participle
// parses, that nests more than ast.MaxNesting brackets deep, or nil.
func headerTooDeep(toks []lexer.Token) *lexer.Token {
	depth := 0
	for i := range toks {
		t := &toks[i]
		if t.Type != Punct {
			continue
		}
		switch t.Value {
		case "(", "[", "{", "<":
			if depth++; depth > ast.MaxNesting {
				return t
			}
		case ")", "]", "}", ">":
			depth--
		}
	}
	return nil
}

var expectedRE = regexp.MustCompile(`\(expected (.*)\)$`)

// addParseError turns a participle error into a diagnostic that names what
// was found and what was expected. end is the token that follows the
// chunk, which the chunk's EOF stands for.
func addParseError(errs *diag.List, err error, end lexer.Token) {
	perr, ok := err.(participle.Error)
	if !ok {
		errs.Add(end.Pos, "%v", err)
		return
	}
	if u, ok := err.(*participle.UnexpectedTokenError); ok {
		tok := u.Unexpected
		if tok.EOF() {
			tok = end
		}
		if tok.Type == Invalid {
			return // the scanner has reported it
		}
		msg := "unexpected " + describe(tok)
		if m := expectedRE.FindStringSubmatch(u.Message()); m != nil {
			msg += ", expected " + expectedWords.Replace(m[1])
		}
		errs.Add(tok.Pos, "%s", msg)
		return
	}
	errs.Add(perr.Position(), "%s", perr.Message())
}

// expectedWords rewrites participle's EBNF fragments into words.
var expectedWords = strings.NewReplacer(
	"<ident>", "name", "<int>", "integer", "<rawstring>", "raw string", "<string>", "string",
	"Expr", "expression", "Stmt", "statement", "TypeExpr", "type", "Decl", "declaration",
	"Ident", "name", "Block", `"{"`, "Param", "parameter", "Field", "field", "FieldInit", "field")

// describe names a token for an error message.
func describe(t lexer.Token) string {
	switch t.Type {
	case lexer.EOF:
		return "end of file"
	case Ident:
		return "name " + t.Value
	case Int, Float:
		return "number " + t.Value
	case String:
		return "string " + strconv.Quote(t.Value)
	case RawString:
		return "raw string"
	case TagOpen:
		return strconv.Quote("<" + t.Value)
	case TagClose:
		return "closing tag </" + t.Value + ">"
	case Text:
		return "text"
	case AttrName:
		return "attribute " + t.Value
	case AttrText:
		return "attribute text " + strconv.Quote(t.Value)
	}
	return strconv.Quote(t.Value)
}

// ---- Expressions, by precedence climbing ----

var precedence = map[string]int{
	"||": 1,
	"&&": 2,
	"==": 3, "!=": 3,
	"<": 4, "<=": 4, ">": 4, ">=": 4,
	"+": 5, "-": 5,
	"*": 6, "/": 6, "%": 6,
}

func startsExpr(t *lexer.Token) bool {
	switch t.Type {
	case Ident, Int, Float, String, RawString, TagOpen:
		return true
	case Keyword:
		switch t.Value {
		case "true", "false", "none", "some", "select", "match", "fun":
			return true
		}
	case Punct:
		switch t.Value {
		case "(", "[", "{", "-", "!":
			return true
		}
	}
	return false
}

// parseBinary parses a chain of binary operators by precedence climbing.
// A chain is built in a loop, not by recursion, but it nests all the
// same: each operator puts the whole chain before it one level deeper.
// So the height of what it builds is counted as it grows (see parser).
func parseBinary(p *parser, minPrec int) (ast.Expr, error) {
	base, outer := p.depth, p.peak
	p.peak = base
	x, err := parseUnary(p)
	if err != nil {
		return nil, err
	}
	h := p.peak - base
	for {
		t := p.Peek()
		prec := 0
		if t.Type == Punct {
			prec = precedence[t.Value]
		}
		if prec < minPrec || prec == 0 {
			p.peak = max(outer, base+h)
			return x, nil
		}
		op := p.Next()
		p.peak = base
		y, err := parseBinary(p, prec+1)
		if err != nil {
			return nil, err
		}
		if h = max(h, p.peak-base) + 1; base+h > ast.MaxNesting {
			return nil, tooDeep(op)
		}
		x = &ast.BinaryExpr{Pos: x.Position(), X: x, Op: op.Value, OpPos: op.Pos, Y: y}
	}
}

func parseUnary(p *parser) (ast.Expr, error) {
	t := p.Peek()
	if err := p.enter(t); err != nil {
		return nil, err
	}
	defer p.leave()
	if t.Type == Punct && (t.Value == "-" || t.Value == "!") {
		op := p.Next()
		// -9223372036854775808 is a literal: fold the sign in, or the
		// magnitude alone would overflow.
		if op.Value == "-" && p.Peek().Type == Int {
			return parsePostfix(p, parseInt(p, p.Next(), "-", op.Pos))
		}
		x, err := parseUnary(p)
		if err != nil {
			return nil, err
		}
		return &ast.UnaryExpr{Pos: op.Pos, Op: op.Value, X: x}, nil
	}
	outer := p.peak
	p.peak = p.depth
	x, err := parsePrimary(p)
	if err != nil {
		return nil, err
	}
	x, err = parsePostfix(p, x)
	p.peak = max(outer, p.peak)
	return x, err
}

// parseInt makes the literal t, negated when sign is "-". One that does
// not fit in 64 bits is an error, but not a syntax error: the parse goes
// on, with 0 for its value.
func parseInt(p *parser, t *lexer.Token, sign string, pos lexer.Position) ast.Expr {
	lit := &ast.IntLit{Pos: pos, Raw: sign + t.Value}
	v, err := strconv.ParseInt(lit.Raw, 10, 64)
	if err != nil {
		p.errs.Add(pos, "integer literal %s overflows int (signed 64-bit)", lit.Raw)
		v = 0
	}
	lit.Value = v
	return lit
}

// parsePostfix parses the calls, fields and indexes after x. Like a chain
// of binary operators, each puts what comes before it one level deeper;
// x's height is p.peak above p.depth, and so is the result's on return.
func parsePostfix(p *parser, x ast.Expr) (ast.Expr, error) {
	base := p.depth
	h := p.peak - base
	for {
		t := p.Peek()
		if t.Type != Punct {
			return x, nil
		}
		p.peak = base
		switch t.Value {
		case "(":
			lp := p.Next().Pos
			args, err := parseList(p, ")", parseExprRequired)
			if err != nil {
				return nil, err
			}
			x = &ast.CallExpr{Pos: x.Position(), Fun: x, Lparen: lp, Args: args}
		case ".":
			p.Next()
			name, err := expectIdent(p, "field name")
			if err != nil {
				return nil, err
			}
			x = &ast.FieldExpr{Pos: x.Position(), X: x, Name: name}
		case "[":
			lb := p.Next().Pos
			i, err := parseExprRequired(p)
			if err != nil {
				return nil, err
			}
			if err := expect(p, "]"); err != nil {
				return nil, err
			}
			x = &ast.IndexExpr{Pos: x.Position(), X: x, Lbrack: lb, Index: i}
		default:
			p.peak = base + h
			return x, nil
		}
		if h = max(h, p.peak-base) + 1; base+h > ast.MaxNesting {
			return nil, tooDeep(t)
		}
		p.peak = base + h
	}
}

// parseExprRequired parses an expression that must be there.
func parseExprRequired(p *parser) (ast.Expr, error) {
	t := p.Peek()
	if !startsExpr(t) {
		return nil, unexpected(t, "expression")
	}
	return parseBinary(p, 1)
}

// unexpected reports t where want was expected, in participle's form, so
// that addParseError words it like participle's own errors.
func unexpected(t *lexer.Token, want string) error {
	return &participle.UnexpectedTokenError{Unexpected: *t, Expect: want}
}

func expect(p *parser, punct string) error {
	t := p.Peek()
	if (t.Type != Punct && t.Type != Keyword) || t.Value != punct {
		return unexpected(t, strconv.Quote(punct))
	}
	p.Next()
	return nil
}

// expectExpr parses `punct e` and returns e.
func expectExpr(p *parser, punct string) (ast.Expr, error) {
	if err := expect(p, punct); err != nil {
		return nil, err
	}
	return parseExprRequired(p)
}

func expectIdent(p *parser, what string) (*ast.Ident, error) {
	t := p.Peek()
	if t.Type != Ident {
		return nil, unexpected(t, what)
	}
	p.Next()
	return &ast.Ident{Pos: t.Pos, Name: t.Value}, nil
}

// parseList parses `item, item, …` up to and including the closing
// punctuation, allowing a trailing comma.
func parseList[T any](p *parser, closing string, item func(*parser) (T, error)) ([]T, error) {
	var out []T
	for {
		if t := p.Peek(); t.Type == Punct && t.Value == closing {
			p.Next()
			return out, nil
		}
		x, err := item(p)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
		t := p.Peek()
		if t.Type == Punct && t.Value == "," {
			p.Next()
			continue
		}
		if t.Type != Punct || t.Value != closing {
			return nil, unexpected(t, fmt.Sprintf(`"," or %q`, closing))
		}
	}
}

func parsePrimary(p *parser) (ast.Expr, error) {
	t := p.Peek()
	switch t.Type {
	case Ident:
		p.Next()
		id := &ast.Ident{Pos: t.Pos, Name: t.Value}
		if t.Value == "channel" {
			if n := p.Peek(); n.Type == Punct && n.Value == "<" {
				return parseTypeArgs(p, id)
			}
		}
		return id, nil
	case Int:
		return parseInt(p, p.Next(), "", t.Pos), nil
	case Float:
		p.Next()
		v, err := strconv.ParseFloat(t.Value, 64)
		if err != nil {
			return nil, participle.Errorf(t.Pos, "malformed float %s", t.Value)
		}
		return &ast.FloatLit{Pos: t.Pos, Raw: t.Value, Value: v}, nil
	case String, RawString:
		p.Next()
		return &ast.StringLit{Pos: t.Pos, Value: t.Value}, nil
	case TagOpen:
		return parseLiteral(p)
	case Keyword:
		switch t.Value {
		case "true", "false":
			p.Next()
			return &ast.BoolLit{Pos: t.Pos, Value: t.Value == "true"}, nil
		case "none":
			p.Next()
			return &ast.NoneLit{Pos: t.Pos}, nil
		case "some":
			p.Next()
			if err := expect(p, "("); err != nil {
				return nil, err
			}
			x, err := parseExprRequired(p)
			if err != nil {
				return nil, err
			}
			if err := expect(p, ")"); err != nil {
				return nil, err
			}
			return &ast.SomeExpr{Pos: t.Pos, X: x}, nil
		case "select":
			return parseSelect(p)
		case "match":
			return parseMatch(p)
		case "fun":
			return parseFuncLit(p)
		}
	case Punct:
		switch t.Value {
		case "(":
			p.Next()
			x, err := parseExprRequired(p)
			if err != nil {
				return nil, err
			}
			if err := expect(p, ")"); err != nil {
				return nil, err
			}
			return &ast.ParenExpr{Pos: t.Pos, X: x}, nil
		case "[":
			p.Next()
			elems, err := parseList(p, "]", parseExprRequired)
			if err != nil {
				return nil, err
			}
			return &ast.ListLit{Pos: t.Pos, Elems: elems}, nil
		case "{":
			p.Next()
			fields, err := parseList(p, "}", parseFieldInit)
			if err != nil {
				return nil, err
			}
			return &ast.RecordLit{Pos: t.Pos, Fields: fields}, nil
		}
	}
	return nil, unexpected(t, "expression")
}

func parseFieldInit(p *parser) (*ast.FieldInit, error) {
	name, err := expectIdent(p, "field name")
	if err != nil {
		return nil, err
	}
	v, err := expectExpr(p, ":")
	if err != nil {
		return nil, err
	}
	return &ast.FieldInit{Pos: name.Pos, Name: name, Value: v}, nil
}

// parseTypeArgs parses `<T, …>(args)` after a generic built-in's name.
func parseTypeArgs(p *parser, fun *ast.Ident) (ast.Expr, error) {
	targs, err := parseTypeArgList(p)
	if err != nil {
		return nil, err
	}
	t := p.Peek()
	if t.Type != Punct || t.Value != "(" {
		return nil, unexpected(t, `"(" after type arguments`)
	}
	lp := p.Next().Pos
	args, err := parseList(p, ")", parseExprRequired)
	if err != nil {
		return nil, err
	}
	call := &ast.CallExpr{Pos: fun.Pos, Fun: fun, TypeArgs: targs, Lparen: lp, Args: args}
	return parsePostfix(p, call)
}

func parseSelect(p *parser) (ast.Expr, error) {
	pos := p.Next().Pos
	table, err := expectIdent(p, "table name")
	if err != nil {
		return nil, err
	}
	sel := &ast.SelectExpr{Pos: pos, Table: table}
	if t := p.Peek(); t.Type == Keyword && t.Value == "where" {
		p.Next()
		if sel.Where, err = parseExprRequired(p); err != nil {
			return nil, err
		}
	}
	return sel, nil
}

func parseMatch(p *parser) (ast.Expr, error) {
	pos := p.Next().Pos
	x, err := parseExprRequired(p)
	if err != nil {
		return nil, err
	}
	if err := expect(p, "{"); err != nil {
		return nil, err
	}
	arms, err := parseList(p, "}", parseArm)
	if err != nil {
		return nil, err
	}
	return &ast.MatchExpr{Pos: pos, X: x, Arms: arms}, nil
}

func parseArm(p *parser) (*ast.MatchArm, error) {
	some, bind, pos, err := parseArmHead(p)
	if err != nil {
		return nil, err
	}
	body, err := parseExprRequired(p)
	if err != nil {
		return nil, err
	}
	return &ast.MatchArm{Pos: pos, Some: some, Bind: bind, Body: body}, nil
}

// parseArmHead parses `some(name) =>` or `none =>`, the head of an arm of
// a match expression, statement or content match.
func parseArmHead(p *parser) (some bool, bind *ast.Ident, pos lexer.Position, err error) {
	t := p.Peek()
	pos = t.Pos
	switch {
	case t.Type == Keyword && t.Value == "some":
		p.Next()
		some = true
		if err := expect(p, "("); err != nil {
			return false, nil, pos, err
		}
		if bind, err = expectIdent(p, "name"); err != nil {
			return false, nil, pos, err
		}
		if err := expect(p, ")"); err != nil {
			return false, nil, pos, err
		}
	case t.Type == Keyword && t.Value == "none":
		p.Next()
	default:
		return false, nil, pos, unexpected(t, `"some(name)" or "none"`)
	}
	return some, bind, pos, expect(p, "=>")
}
