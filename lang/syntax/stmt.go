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
//	       | Expr ["=" Expr] .
//	Block  = "{" {";"} {Stmt {";"}} "}" .

// parseStmt parses a statement. It answers participle.NextMatch when the
// next token cannot begin a statement, which ends the statements of a
// block.
func parseStmt(lex *cursor) (ast.Stmt, error) {
	t := lex.Peek()
	if t.Type == Keyword {
		switch t.Value {
		case "let", "var":
			return parseBinding(lex)
		case "if":
			return parseIf(lex)
		case "while":
			lex.Next()
			cond, body, err := parseCondBlock(lex)
			if err != nil {
				return nil, err
			}
			return &ast.WhileStmt{Pos: t.Pos, Cond: cond, Body: body}, nil
		case "for":
			return parseFor(lex)
		case "return":
			lex.Next()
			s := &ast.ReturnStmt{Pos: t.Pos}
			if startsExpr(lex.Peek()) {
				v, err := parseBinary(lex, 1)
				if err != nil {
					return nil, err
				}
				s.Value = v
			}
			return s, nil
		case "spawn":
			lex.Next()
			call, err := parseExprRequired(lex)
			if err != nil {
				return nil, err
			}
			return &ast.SpawnStmt{Pos: t.Pos, Call: call}, nil
		case "insert":
			return parseInsert(lex)
		case "update":
			return parseUpdate(lex)
		case "delete":
			lex.Next()
			table, err := expectIdent(lex, "table name")
			if err != nil {
				return nil, err
			}
			s := &ast.DeleteStmt{Pos: t.Pos, Table: table}
			s.Where, err = parseWhere(lex)
			return s, err
		}
	}
	if !startsExpr(t) {
		return nil, participle.NextMatch
	}
	x, err := parseBinary(lex, 1)
	if err != nil {
		return nil, err
	}
	s := &ast.ExprStmt{Pos: t.Pos, X: x}
	if isPunct(lex.Peek(), "=") {
		lex.Next()
		if s.Value, err = parseExprRequired(lex); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func isPunct(t *lexer.Token, v string) bool { return t.Type == Punct && t.Value == v }

func isKeyword(t *lexer.Token, v string) bool { return t.Type == Keyword && t.Value == v }

func init() { ast.ParseBlock = parseDeclBlock }

// parseBlock parses a block inside a statement.
func parseBlock(lex *cursor) (*ast.Block, error) {
	b := new(ast.Block)
	if err := parseBlockInto(lex, b); err != nil {
		return nil, err
	}
	return b, nil
}

// parseBlockInto parses a block into b. Like participle's parsers, it
// answers participle.NextMatch when the next token is not a "{".
func parseBlockInto(lex *cursor, b *ast.Block) error {
	t := lex.Peek()
	if !isPunct(t, "{") {
		return participle.NextMatch
	}
	lex.Next()
	b.Pos = t.Pos
	for {
		for isPunct(lex.Peek(), ";") {
			lex.Next()
		}
		if isPunct(lex.Peek(), "}") {
			lex.Next()
			return nil
		}
		s, err := parseStmt(lex)
		if err == participle.NextMatch {
			return unexpected(lex.Peek(), `statement or "}"`)
		}
		if err != nil {
			return err
		}
		b.Stmts = append(b.Stmts, s)
	}
}

// parseCondBlock parses the `c { … }` of an if or while.
func parseCondBlock(lex *cursor) (ast.Expr, *ast.Block, error) {
	cond, err := parseExprRequired(lex)
	if err != nil {
		return nil, nil, err
	}
	body, err := parseBlock(lex)
	return cond, body, err
}

func parseBinding(lex *cursor) (ast.Stmt, error) {
	kw := lex.Next()
	name, err := expectIdent(lex, "name")
	if err != nil {
		return nil, err
	}
	var typ ast.TypeExpr
	if isPunct(lex.Peek(), ":") {
		lex.Next()
		if typ, err = parseType(lex); err != nil {
			return nil, err
		}
	}
	v, err := expectExpr(lex, "=")
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
func parseType(lex *cursor) (ast.TypeExpr, error) {
	t := lex.Peek()
	switch {
	case t.Type == Ident:
		lex.Next()
		named := &ast.NamedType{Pos: t.Pos, Name: t.Value}
		if isPunct(lex.Peek(), "<") {
			var err error
			if named.Args, err = parseTypeArgList(lex); err != nil {
				return nil, err
			}
		}
		return named, nil
	case isPunct(t, "{"):
		lex.Next()
		fields, err := parseList(lex, "}", parseField)
		if err != nil {
			return nil, err
		}
		return &ast.RecordType{Pos: t.Pos, Fields: fields}, nil
	case isKeyword(t, "fun"):
		lex.Next()
		if err := expect(lex, "("); err != nil {
			return nil, err
		}
		params, err := parseList(lex, ")", parseType)
		if err != nil {
			return nil, err
		}
		result, err := parseResult(lex)
		if err != nil {
			return nil, err
		}
		return &ast.FuncType{Pos: t.Pos, Params: params, Result: result}, nil
	}
	return nil, unexpected(t, "type")
}

// parseTypeArgList parses `<Type, …>`, the type arguments of a generic
// type or of a generic built-in's call.
func parseTypeArgList(lex *cursor) ([]ast.TypeExpr, error) {
	lex.Next() // <
	var args []ast.TypeExpr
	for {
		arg, err := parseType(lex)
		if err != nil {
			return nil, err
		}
		args = append(args, arg)
		if !isPunct(lex.Peek(), ",") {
			break
		}
		lex.Next()
	}
	if err := expect(lex, ">"); err != nil {
		return nil, err
	}
	return args, nil
}

// parseResult parses the `: Type` result of a function type or lambda, if
// there is one (nil if not).
func parseResult(lex *cursor) (ast.TypeExpr, error) {
	if !isPunct(lex.Peek(), ":") {
		return nil, nil
	}
	lex.Next()
	return parseType(lex)
}

// parseField parses `name: Type`, a record type's field.
func parseField(lex *cursor) (*ast.Field, error) {
	name, err := expectIdent(lex, "field name")
	if err != nil {
		return nil, err
	}
	if err := expect(lex, ":"); err != nil {
		return nil, err
	}
	typ, err := parseType(lex)
	if err != nil {
		return nil, err
	}
	return &ast.Field{Pos: name.Pos, Name: name, Type: typ}, nil
}

// parseFuncLit parses a lambda, `fun(x: T, …)[: T] { … }`.
func parseFuncLit(lex *cursor) (ast.Expr, error) {
	pos := lex.Next().Pos // fun
	if err := expect(lex, "("); err != nil {
		return nil, err
	}
	params, err := parseList(lex, ")", func(lex *cursor) (*ast.Param, error) {
		f, err := parseField(lex)
		if err != nil {
			return nil, err
		}
		return &ast.Param{Pos: f.Pos, Name: f.Name, Type: f.Type}, nil
	})
	if err != nil {
		return nil, err
	}
	lit := &ast.FuncLit{Pos: pos, Params: params}
	if lit.Result, err = parseResult(lex); err != nil {
		return nil, err
	}
	if !isPunct(lex.Peek(), "{") {
		return nil, unexpected(lex.Peek(), `"{"`)
	}
	if lit.Body, err = parseBlock(lex); err != nil {
		return nil, err
	}
	return lit, nil
}

func parseIf(lex *cursor) (*ast.IfStmt, error) {
	pos := lex.Next().Pos
	cond, then, err := parseCondBlock(lex)
	if err != nil {
		return nil, err
	}
	s := &ast.IfStmt{Pos: pos, Cond: cond, Then: then}
	if !isKeyword(lex.Peek(), "else") {
		return s, nil
	}
	lex.Next()
	switch t := lex.Peek(); {
	case isKeyword(t, "if"):
		elif, err := parseIf(lex)
		if err != nil {
			return nil, err
		}
		s.Else = &ast.ElseIf{If: elif}
	case isPunct(t, "{"):
		b, err := parseBlock(lex)
		if err != nil {
			return nil, err
		}
		s.Else = &ast.ElseIf{Block: b}
	default:
		return nil, unexpected(t, `"if" or "{"`)
	}
	return s, nil
}

func parseFor(lex *cursor) (ast.Stmt, error) {
	pos := lex.Next().Pos
	v, err := expectIdent(lex, "name")
	if err != nil {
		return nil, err
	}
	if err := expect(lex, "in"); err != nil {
		return nil, err
	}
	seq, body, err := parseCondBlock(lex)
	if err != nil {
		return nil, err
	}
	return &ast.ForStmt{Pos: pos, Var: v, Seq: seq, Body: body}, nil
}

func parseInsert(lex *cursor) (ast.Stmt, error) {
	pos := lex.Next().Pos
	table, err := expectIdent(lex, "table name")
	if err != nil {
		return nil, err
	}
	if err := expect(lex, "{"); err != nil {
		return nil, err
	}
	fields, err := parseList(lex, "}", parseFieldInit)
	if err != nil {
		return nil, err
	}
	return &ast.InsertStmt{Pos: pos, Table: table, Fields: fields}, nil
}

func parseUpdate(lex *cursor) (ast.Stmt, error) {
	pos := lex.Next().Pos
	table, err := expectIdent(lex, "table name")
	if err != nil {
		return nil, err
	}
	if err := expect(lex, "set"); err != nil {
		return nil, err
	}
	s := &ast.UpdateStmt{Pos: pos, Table: table}
	for {
		col, err := expectIdent(lex, "column name")
		if err != nil {
			return nil, err
		}
		v, err := expectExpr(lex, "=")
		if err != nil {
			return nil, err
		}
		s.Sets = append(s.Sets, &ast.SetClause{Pos: col.Pos, Column: col, Value: v})
		if !isPunct(lex.Peek(), ",") {
			break
		}
		lex.Next()
	}
	s.Where, err = parseWhere(lex)
	return s, err
}

// parseWhere parses an optional `where e`.
func parseWhere(lex *cursor) (ast.Expr, error) {
	if !isKeyword(lex.Peek(), "where") {
		return nil, nil
	}
	lex.Next()
	return parseExprRequired(lex)
}
