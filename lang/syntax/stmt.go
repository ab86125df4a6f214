package syntax

import (
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/prog-lang/prog/lang/ast"
)

// Blocks and statements are parsed by hand, like expressions: they are
// most of a program, and participle's reflective matching of a union of
// eleven statement kinds, with a branch context allocated for each try,
// took about half of the front end's time. Each statement begins with its
// own keyword, or with an expression, so one token of lookahead chooses.
//
//	Stmt   = "let" Ident [":" Type] "=" Expr
//	       | "var" Ident [":" Type] "=" Expr
//	       | "if" Expr Block ["else" (IfStmt | Block)]
//	       | "while" Expr Block
//	       | "for" Ident "in" Expr Block
//	       | "return" [Expr]
//	       | "spawn" Expr
//	       | "insert" Ident "{" [FieldInit {"," FieldInit} [","]] "}"
//	       | "update" Ident "set" SetClause {"," SetClause} ["where" Expr]
//	       | "delete" Ident ["where" Expr]
//	       | "match" Expr "{" StmtArm {"," StmtArm} [","] "}"
//	       | Expr ["=" Expr] .
//	Block  = "{" {";"} {Stmt {";"}} "}" .
//	StmtArm = ("some" "(" Ident ")" | "none") "=>" (Block | Stmt) .

// parseStmt parses a statement. It answers participle.NextMatch when the
// next token cannot begin a statement, which ends the statements of a
// block.
func parseStmt(p *parser) (ast.Stmt, error) {
	t := p.Peek()
	if t.Type == Keyword {
		switch t.Value {
		case "let", "var":
			return parseBinding(p)
		case "if":
			return parseIf(p)
		case "while":
			p.Next()
			cond, body, err := parseCondBlock(p)
			if err != nil {
				return nil, err
			}
			return &ast.WhileStmt{Pos: t.Pos, Cond: cond, Body: body}, nil
		case "for":
			return parseFor(p)
		case "match":
			return parseMatchStmt(p)
		case "return":
			p.Next()
			s := &ast.ReturnStmt{Pos: t.Pos}
			if startsExpr(p.Peek()) {
				v, err := parseBinary(p, 1)
				if err != nil {
					return nil, err
				}
				s.Value = v
			}
			return s, nil
		case "spawn":
			p.Next()
			call, err := parseExprRequired(p)
			if err != nil {
				return nil, err
			}
			return &ast.SpawnStmt{Pos: t.Pos, Call: call}, nil
		case "insert":
			return parseInsert(p)
		case "update":
			return parseUpdate(p)
		case "delete":
			p.Next()
			table, err := expectIdent(p, "table name")
			if err != nil {
				return nil, err
			}
			s := &ast.DeleteStmt{Pos: t.Pos, Table: table}
			s.Where, err = parseWhere(p)
			return s, err
		}
	}
	if !startsExpr(t) {
		return nil, participle.NextMatch
	}
	x, err := parseBinary(p, 1)
	if err != nil {
		return nil, err
	}
	s := &ast.ExprStmt{Pos: t.Pos, X: x}
	if isPunct(p.Peek(), "=") {
		p.Next()
		if s.Value, err = parseExprRequired(p); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func isPunct(t *lexer.Token, v string) bool { return t.Type == Punct && t.Value == v }

func isKeyword(t *lexer.Token, v string) bool { return t.Type == Keyword && t.Value == v }

// parseBlock parses a block inside a statement.
func parseBlock(p *parser) (*ast.Block, error) {
	b := new(ast.Block)
	if err := parseBlockInto(p, b); err != nil {
		return nil, err
	}
	return b, nil
}

// stmtOrEnd is what a block expects after each statement.
const stmtOrEnd = `statement or "}"`

// parseBlockInto parses a block into b. Like participle's parsers, it
// answers participle.NextMatch when the next token is not a "{".
func parseBlockInto(p *parser, b *ast.Block) error {
	t := p.Peek()
	if !isPunct(t, "{") {
		return participle.NextMatch
	}
	if err := p.enter(t); err != nil {
		return err
	}
	defer p.leave()
	p.Next()
	b.Pos = t.Pos
	for {
		for isPunct(p.Peek(), ";") {
			p.Next()
		}
		if isPunct(p.Peek(), "}") {
			p.Next()
			return nil
		}
		s, err := parseStmt(p)
		if err == participle.NextMatch {
			return unexpected(p.Peek(), stmtOrEnd)
		}
		if err != nil {
			return err
		}
		b.Stmts = append(b.Stmts, s)
	}
}

// parseCondBlock parses the `c { … }` of an if or while.
func parseCondBlock(p *parser) (ast.Expr, *ast.Block, error) {
	cond, err := parseExprRequired(p)
	if err != nil {
		return nil, nil, err
	}
	body, err := parseBlock(p)
	return cond, body, err
}

func parseBinding(p *parser) (ast.Stmt, error) {
	kw := p.Next()
	name, err := expectIdent(p, "name")
	if err != nil {
		return nil, err
	}
	var typ ast.TypeExpr
	if isPunct(p.Peek(), ":") {
		p.Next()
		if typ, err = parseType(p); err != nil {
			return nil, err
		}
	}
	v, err := expectExpr(p, "=")
	if err != nil {
		return nil, err
	}
	if kw.Value == "let" {
		return &ast.LetStmt{Pos: kw.Pos, Name: name, Type: typ, Value: v}, nil
	}
	return &ast.VarStmt{Pos: kw.Pos, Name: name, Type: typ, Value: v}, nil
}

// parseType parses a type, by the rules of ast's type grammar:
//
//	Type = Ident ["<" Type {"," Type} ">"]
//	     | "{" [Field {"," Field} [","]] "}"
//	     | "fun" "(" [Type {"," Type} [","]] ")" [":" Type] .
//	Field = Ident ":" Type .
func parseType(p *parser) (ast.TypeExpr, error) {
	t := p.Peek()
	if err := p.enter(t); err != nil {
		return nil, err
	}
	defer p.leave()
	switch {
	case t.Type == Ident:
		p.Next()
		named := &ast.NamedType{Pos: t.Pos, Name: t.Value}
		if isPunct(p.Peek(), "<") {
			var err error
			if named.Args, err = parseTypeArgList(p); err != nil {
				return nil, err
			}
		}
		return named, nil
	case isPunct(t, "{"):
		p.Next()
		fields, err := parseList(p, "}", parseField)
		if err != nil {
			return nil, err
		}
		return &ast.RecordType{Pos: t.Pos, Fields: fields}, nil
	case isKeyword(t, "fun"):
		p.Next()
		if err := expect(p, "("); err != nil {
			return nil, err
		}
		params, err := parseList(p, ")", parseType)
		if err != nil {
			return nil, err
		}
		result, err := parseResult(p)
		if err != nil {
			return nil, err
		}
		return &ast.FuncType{Pos: t.Pos, Params: params, Result: result}, nil
	}
	return nil, unexpected(t, "type")
}

// parseTypeArgList parses `<Type, …>`, the type arguments of a generic
// type or of a generic built-in's call.
func parseTypeArgList(p *parser) ([]ast.TypeExpr, error) {
	p.Next() // <
	var args []ast.TypeExpr
	for {
		arg, err := parseType(p)
		if err != nil {
			return nil, err
		}
		args = append(args, arg)
		if !isPunct(p.Peek(), ",") {
			break
		}
		p.Next()
	}
	if err := expect(p, ">"); err != nil {
		return nil, err
	}
	return args, nil
}

// parseResult parses the `: Type` result of a function type or lambda, if
// there is one (nil if not).
func parseResult(p *parser) (ast.TypeExpr, error) {
	if !isPunct(p.Peek(), ":") {
		return nil, nil
	}
	p.Next()
	return parseType(p)
}

// parseField parses `name: Type`, a record type's field.
func parseField(p *parser) (*ast.Field, error) {
	name, err := expectIdent(p, "field name")
	if err != nil {
		return nil, err
	}
	if err := expect(p, ":"); err != nil {
		return nil, err
	}
	typ, err := parseType(p)
	if err != nil {
		return nil, err
	}
	return &ast.Field{Pos: name.Pos, Name: name, Type: typ}, nil
}

// parseFuncLit parses a lambda, `fun(x: T, …)[: T] { … }`.
func parseFuncLit(p *parser) (ast.Expr, error) {
	pos := p.Next().Pos // fun
	if err := expect(p, "("); err != nil {
		return nil, err
	}
	params, err := parseList(p, ")", func(p *parser) (*ast.Param, error) {
		f, err := parseField(p)
		if err != nil {
			return nil, err
		}
		return &ast.Param{Pos: f.Pos, Name: f.Name, Type: f.Type}, nil
	})
	if err != nil {
		return nil, err
	}
	lit := &ast.FuncLit{Pos: pos, Params: params}
	if lit.Result, err = parseResult(p); err != nil {
		return nil, err
	}
	if !isPunct(p.Peek(), "{") {
		return nil, unexpected(p.Peek(), `"{"`)
	}
	if lit.Body, err = parseBlock(p); err != nil {
		return nil, err
	}
	return lit, nil
}

func parseIf(p *parser) (*ast.IfStmt, error) {
	// An else-if chain nests: each if holds the next.
	if err := p.enter(p.Peek()); err != nil {
		return nil, err
	}
	defer p.leave()
	pos := p.Next().Pos
	cond, then, err := parseCondBlock(p)
	if err != nil {
		return nil, err
	}
	s := &ast.IfStmt{Pos: pos, Cond: cond, Then: then}
	if !isKeyword(p.Peek(), "else") {
		return s, nil
	}
	p.Next()
	switch t := p.Peek(); {
	case isKeyword(t, "if"):
		elif, err := parseIf(p)
		if err != nil {
			return nil, err
		}
		s.Else = &ast.ElseIf{If: elif}
	case isPunct(t, "{"):
		b, err := parseBlock(p)
		if err != nil {
			return nil, err
		}
		s.Else = &ast.ElseIf{Block: b}
	default:
		return nil, unexpected(t, `"if" or "{"`)
	}
	return s, nil
}

func parseFor(p *parser) (ast.Stmt, error) {
	pos := p.Next().Pos
	v, err := expectIdent(p, "name")
	if err != nil {
		return nil, err
	}
	if err := expect(p, "in"); err != nil {
		return nil, err
	}
	seq, body, err := parseCondBlock(p)
	if err != nil {
		return nil, err
	}
	return &ast.ForStmt{Pos: pos, Var: v, Seq: seq, Body: body}, nil
}

func parseInsert(p *parser) (ast.Stmt, error) {
	pos := p.Next().Pos
	table, err := expectIdent(p, "table name")
	if err != nil {
		return nil, err
	}
	if err := expect(p, "{"); err != nil {
		return nil, err
	}
	fields, err := parseList(p, "}", parseFieldInit)
	if err != nil {
		return nil, err
	}
	return &ast.InsertStmt{Pos: pos, Table: table, Fields: fields}, nil
}

func parseUpdate(p *parser) (ast.Stmt, error) {
	pos := p.Next().Pos
	table, err := expectIdent(p, "table name")
	if err != nil {
		return nil, err
	}
	if err := expect(p, "set"); err != nil {
		return nil, err
	}
	s := &ast.UpdateStmt{Pos: pos, Table: table}
	for {
		col, err := expectIdent(p, "column name")
		if err != nil {
			return nil, err
		}
		v, err := expectExpr(p, "=")
		if err != nil {
			return nil, err
		}
		s.Sets = append(s.Sets, &ast.SetClause{Pos: col.Pos, Column: col, Value: v})
		if !isPunct(p.Peek(), ",") {
			break
		}
		p.Next()
	}
	s.Where, err = parseWhere(p)
	return s, err
}

// parseWhere parses an optional `where e`.
func parseWhere(p *parser) (ast.Expr, error) {
	if !isKeyword(p.Peek(), "where") {
		return nil, nil
	}
	p.Next()
	return parseExprRequired(p)
}

// parseMatchStmt parses a match in statement position. An arm's body is a
// block; one statement without braces (a call, an assignment) is taken as
// a block holding it, so a match expression written as a statement means
// what it did.
func parseMatchStmt(p *parser) (ast.Stmt, error) {
	m := &ast.MatchStmt{Pos: p.Next().Pos}
	var err error
	if m.X, err = parseExprRequired(p); err != nil {
		return nil, err
	}
	if err := expect(p, "{"); err != nil {
		return nil, err
	}
	m.Arms, err = parseList(p, "}", func(p *parser) (*ast.MatchStmtArm, error) {
		some, bind, pos, err := parseArmHead(p)
		if err != nil {
			return nil, err
		}
		arm := &ast.MatchStmtArm{Pos: pos, Some: some, Bind: bind}
		if isPunct(p.Peek(), "{") {
			arm.Body, err = parseBlock(p)
			return arm, err
		}
		t := p.Peek()
		st, err := parseStmt(p)
		if err == participle.NextMatch {
			return nil, unexpected(t, `"{" or a statement`)
		}
		if err != nil {
			return nil, err
		}
		arm.Body = &ast.Block{Pos: t.Pos, Stmts: []ast.Stmt{st}}
		return arm, nil
	})
	return m, err
}
