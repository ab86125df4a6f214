package syntax

import (
	"fmt"
	"strings"
	"testing"

	"github.com/prog-lang/prog/lang/ast"
)

// parseExpr parses src as the value of a let in a function body and
// returns the expression, failing the test on any error.
func parseExpr(t *testing.T, src string) ast.Expr {
	t.Helper()
	file, errs := Parse("t.prog", []byte("fun f() {\n  let x = "+src+"\n}\n"))
	if len(errs) > 0 {
		t.Fatalf("%s: %v", src, errs)
	}
	return file.Decls[0].(*ast.FuncDecl).Body.Stmts[0].(*ast.LetStmt).Value
}

// texts returns the children of an element literal, texts quoted and the
// rest by kind.
func texts(e ast.Expr) string {
	var out []string
	for _, c := range e.(*ast.ElementLit).Children {
		switch c := c.(type) {
		case *ast.Text:
			out = append(out, fmt.Sprintf("%q", c.Value))
		case *ast.ElementLit:
			out = append(out, "<"+c.Name+">")
		default:
			out = append(out, fmt.Sprintf("%T", c))
		}
	}
	return strings.Join(out, " ")
}

// Text between tags follows JSX: white space next to a line break goes,
// empty lines are dropped, the rest join with one space; text on one
// line stays exactly as written. Character references are decoded.
func TestTextRule(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"<p>{a}: {b}</p>", `*ast.ExprHole ": " *ast.ExprHole`},
		{"<p>  two  spaces  </p>", `"  two  spaces  "`},
		{"<p>\n    Hello\n    world\n  </p>", `"Hello world"`},
		{"<p>\n\n    a\n\n\n    b   \n</p>", `"a b"`},
		{"<p>\n    <b>x</b>\n    {y}\n  </p>", `<b> *ast.ExprHole`},
		{"<p>Hi\n  {name}!\n</p>", `"Hi" *ast.ExprHole "!"`},
		{"<p>a\t\n\tb</p>", `"a b"`},
		{"<p>a &amp; b &lt;c&gt; &#x1F600; &nbsp;</p>", "\"a & b <c> 😀 \\u00a0\""},
		{`<p>{"{"}x{"}"}</p>`, `*ast.ExprHole "x" *ast.ExprHole`},
		{"<p>\r\n  crlf\r\n  lines\r\n</p>", `"crlf lines"`},
		{"<p>a // not a comment</p>", `"a // not a comment"`},
	} {
		if got := texts(parseExpr(t, c.src)); got != c.want {
			t.Errorf("%q: children %s, want %s", c.src, got, c.want)
		}
	}
}

// "<" is less-than after an operand, and starts an element elsewhere.
func TestLessThanOrElement(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"a < b", "*ast.BinaryExpr"},
		{"a<b", "*ast.BinaryExpr"},
		{"1 <2", "*ast.BinaryExpr"},
		{"f(x)<y", "*ast.BinaryExpr"},
		{"xs[0] < ys[0]", "*ast.BinaryExpr"},
		{`"a" < "b"`, "*ast.BinaryExpr"},
		{"channel<string>()", "*ast.CallExpr"},
		{"<b>x</b>", "*ast.ElementLit"},
		{"<>x</>", "*ast.FragmentLit"},
		{"(<br>)", "*ast.ParenExpr"},
		{"[<br>, <hr/>]", "*ast.ListLit"},
		{"!a < b", "*ast.BinaryExpr"},
		{"some(<br>)", "*ast.SomeExpr"},
		{"match o { some(v) => <b>{v}</b>, none => <i/> }", "*ast.MatchExpr"},
	} {
		if got := fmt.Sprintf("%T", parseExpr(t, c.src)); got != c.want {
			t.Errorf("%q parsed as %s, want %s", c.src, got, c.want)
		}
	}
	// A type argument in a declaration's header and in a body.
	if _, errs := Parse("t.prog", []byte("fun f(xs: list<int>): list<int> { let y: list<int> = xs; return y }")); len(errs) > 0 {
		t.Error(errs)
	}
}

// The forms of attributes, and the positions of the tags.
func TestAttributes(t *testing.T) {
	e := parseExpr(t, `<input type="text" required value={v} class:on={b} style:color="red" onclick={f} onenter={g} bind={s} data-x='1' for="y">`).(*ast.ElementLit)
	var got []string
	for _, a := range e.Attrs {
		got = append(got, fmt.Sprintf("%s:%d:%s:%d:%q", a.Name, a.Kind, a.Key, a.Form, a.Text))
	}
	want := []string{
		`type:0:type:1:"text"`, `required:0:required:0:""`, `value:0:value:2:""`, `class:on:1:on:2:""`,
		`style:color:2:color:1:"red"`, `onclick:3:click:2:""`, `onenter:3:enter:2:""`, `bind:4:bind:2:""`,
		`data-x:0:data-x:1:"1"`, `for:0:for:1:"y"`,
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("attributes\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !e.Void || e.Close.Line != 0 {
		t.Errorf("input: void %v, close %v", e.Void, e.Close)
	}
	commented := parseExpr(t, "<input // a comment\n    type=\"text\" // another\n  />").(*ast.ElementLit)
	if len(commented.Attrs) != 1 || commented.Attrs[0].Text != "text" {
		t.Errorf("comments in a tag: %+v", commented.Attrs)
	}
	li := parseExpr(t, "<li>\n    x\n  </li>").(*ast.ElementLit)
	if li.Pos.Line != 2 || li.Pos.Column != 11 || li.Close.Line != 4 || li.Close.Column != 3 || li.NamePos.Column != 12 {
		t.Errorf("li open %v name %v close %v", li.Pos, li.NamePos, li.Close)
	}
}

// Content for, if and match parse into their nodes, with their bodies.
func TestContentHoles(t *testing.T) {
	e := parseExpr(t, `<ul>{for t in xs key t.id { <li/> }}{for t in xs { for u in t { u } }}{if a { "x" } else if b { <b/> } else { "z" }}{match o { some(v) => { v }, none => "n" }}</ul>`)
	kids := e.(*ast.ElementLit).Children
	if len(kids) != 4 {
		t.Fatalf("%d children", len(kids))
	}
	if f := kids[0].(*ast.ForContent); f.Key == nil || f.Var.Name != "t" {
		t.Errorf("keyed for: %+v", f)
	}
	if f := kids[1].(*ast.ForContent); f.Key != nil {
		t.Errorf("positional for has a key")
	} else if _, ok := f.Body.(*ast.ForContent); !ok {
		t.Errorf("nested for body is %T", f.Body)
	}
	if i := kids[2].(*ast.IfContent); i.Else == nil {
		t.Errorf("if has no else")
	} else if _, ok := i.Else.(*ast.IfContent); !ok {
		t.Errorf("else if is %T", i.Else)
	}
	if m := kids[3].(*ast.MatchContent); len(m.Arms) != 2 || m.Arms[0].Bind.Name != "v" {
		t.Errorf("match arms %+v", m.Arms)
	}
}

// Mistakes in literals give one error each, with positions, and the rest
// of the file still parses.
func TestLiteralErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"fun f() { let x = <li>\n  a\n</ul> }\nfun g() {}", "t.prog:3:1: closing tag </ul> does not match <li> at 1:19"},
		{"fun f() { let x = <ul><li>a</ul> }\nfun g() {}", "t.prog:1:28: closing tag </ul> does not match <li> at 1:23"},
		{"fun f() { let x = <div>\n  a\n", "t.prog:3:1: unexpected end of file, expected </div> to close <div> at 1:19"},
		{"fun f() { let x = <a href=\"x></a> }", `t.prog:1:27: attribute value not terminated`},
		{"fun f() { let x = <a </a> }\nfun g() {}", `t.prog:1:22: the tag <a> opened at 1:19 has no closing >`},
		{"fun f() { let x = <div><br <p>x</p></div> }\nfun g() {}", `t.prog:1:28: the tag <br> opened at 1:24 has no closing >`},
		{"fun f() { let x = <p>{for x in xs}</p> }\nfun g() {}", `t.prog:1:34: unexpected "}", expected "{"`},
		{"fun f() { let x = <p>a\xffb</p> }\nfun g() {}", `t.prog:1:23: invalid UTF-8 in source`},
		{"fun f() { let x = <p a=\"\xff\"></p> }\nfun g() {}", `t.prog:1:25: invalid UTF-8 in source`},
	} {
		file, errs := Parse("t.prog", []byte(c.src))
		if len(errs) == 0 || errs[0].Error() != c.want {
			t.Errorf("%q: errors\n%v\nwant first\n%s", c.src, errs, c.want)
		}
		if strings.Contains(c.src, "fun g") && (len(file.Decls) == 0 || file.Decls[len(file.Decls)-1].(*ast.FuncDecl).Name.Name != "g") {
			t.Errorf("%q: g did not parse after the error", c.src)
		}
	}
}

// A literal nested past ast.MaxNesting is an error, not a crash.
func TestLiteralTooDeep(t *testing.T) {
	for _, open := range []string{"<b>", "<b>{", "<>", "<b>{if c {"} {
		n := ast.MaxNesting + 10
		src := "fun f() { let x = " + strings.Repeat(open, n) + " }"
		_, errs := Parse("t.prog", []byte(src))
		if len(errs) == 0 || !strings.Contains(errs[0].Msg, "nesting too deep") {
			t.Errorf("%q × %d: %v", open, n, errs)
		}
	}
}
