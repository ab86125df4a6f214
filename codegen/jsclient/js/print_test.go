package js

import (
	"strings"
	"testing"
)

func name(n string) *Name { return &Name{Name: n} }
func lit(t string) *Lit   { return &Lit{Text: t} }

func bin(op string, x, y Expr) *Binary { return &Binary{Op: op, X: x, Y: y} }

// Parentheses go where precedence needs them, and only there.
func TestPrintExpressions(t *testing.T) {
	for _, c := range []struct {
		e    Expr
		want string
	}{
		{bin("-", name("a"), bin("-", name("b"), name("c"))), "a - (b - c)"},
		{bin("-", bin("-", name("a"), name("b")), name("c")), "a - b - c"},
		{bin("*", bin("+", name("a"), name("b")), name("c")), "(a + b) * c"},
		{bin("||", bin("&&", name("a"), name("b")), name("c")), "a && b || c"},
		{bin("&&", bin("||", name("a"), name("b")), name("c")), "(a || b) && c"},
		{&Unary{Op: "-", X: lit("-1")}, "- -1"},
		{&Unary{Op: "-", X: &Unary{Op: "-", X: name("x")}}, "- -x"},
		{&Unary{Op: "!", X: bin("===", name("a"), name("b"))}, "!(a === b)"},
		{&Dot{X: lit("1"), Name: "x"}, "(1).x"},
		{&Dot{X: &Await{X: name("p")}, Name: "x"}, "(await p).x"},
		{&Call{Fun: &Arrow{Params: []string{"a"}, Expr: name("a")}, Args: []Expr{lit("1n")}}, "((a) => a)(1n)"},
		{&Arrow{Expr: &Object{Props: []Prop{{"a", lit("1")}}}}, "() => ({ a: 1 })"},
		{&Cond{Test: &Assign{Target: name("v"), Value: name("x")}, Yes: name("v"), No: lit("0")}, "(v = x) ? v : 0"},
		{&Cond{Test: bin("!==", &Assign{Target: name("v"), Value: name("x")}, lit("null")), Yes: &Seq{List: []Expr{&Assign{Target: name("v"), Value: &Index{X: name("v"), Index: lit("0")}}, name("v")}}, No: lit("0")},
			"(v = x) !== null ? (v = v[0], v) : 0"},
		{bin("+", &Cond{Test: name("c"), Yes: lit("1"), No: lit("2")}, lit("3")), "(c ? 1 : 2) + 3"},
		{&Object{Props: []Prop{{"__proto__", lit("1")}, {"constructor", lit("2")}, {"a-b", lit("3")}}}, `{ ["__proto__"]: 1, constructor: 2, ["a-b"]: 3 }`},
		{&Str{Value: "a\"\\\n\u2028\x01é😀\ue000"}, `"a\"\\\n\u2028\x01é😀\u{E000}"`},
	} {
		code, _ := Print([]Stmt{&Return{Value: c.e}})
		if got := strings.TrimSuffix(strings.TrimPrefix(string(code), "return "), ";\n"); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}

// A statement that would start with { is put in parentheses.
func TestPrintObjectStatement(t *testing.T) {
	code, _ := Print([]Stmt{&ExprStmt{X: &Dot{X: &Object{}, Name: "a"}}})
	if string(code) != "({}.a);\n" {
		t.Errorf("got %q", code)
	}
}

// A call too wide for its line is printed one argument per line, a
// conditional one branch per line, and a long chain of + as many operands
// a line as fit.
func TestPrintBreaksLongLines(t *testing.T) {
	long := strings.Repeat("a", 40)
	call := &Call{Fun: name("f"), Args: []Expr{&Str{Value: long}, &Str{Value: long}, &Str{Value: long}}}
	code, _ := Print([]Stmt{&ExprStmt{X: call}})
	want := "f(\n  \"" + long + "\",\n  \"" + long + "\",\n  \"" + long + "\"\n);\n"
	if string(code) != want {
		t.Errorf("got\n%s\nwant\n%s", code, want)
	}
	cond := &Cond{Test: name(long), Yes: name(long), No: name(long)}
	code, _ = Print([]Stmt{&Return{Value: cond}})
	want = "return " + long + "\n  ? " + long + "\n  : " + long + ";\n"
	if string(code) != want {
		t.Errorf("got\n%s\nwant\n%s", code, want)
	}
	sum := bin("+", bin("+", bin("+", name(long), name(long)), name(long)), name(long))
	code, _ = Print([]Stmt{&Return{Value: sum}})
	want = "return " + long + " + " + long + " +\n  " + long + " + " + long + ";\n"
	if string(code) != want {
		t.Errorf("got\n%s\nwant\n%s", code, want)
	}
}

// Mappings count UTF-16 units in the generated text: 😀 is two.
func TestMappingColumnsAreUTF16(t *testing.T) {
	code, mappings := Print([]Stmt{&ExprStmt{Loc: Loc{Line: 1, Col: 0},
		X: bin("+", &Str{Loc: Loc{Line: 1, Col: 0}, Value: "😀"}, &Name{Loc: Loc{Line: 2, Col: 4}, Name: "x"})}})
	if string(code) != "\"😀\" + x;\n" {
		t.Fatalf("code %q", code)
	}
	// "😀" + x: the string at column 0, x at 7 (1 + 2 + 1 + 3) from
	// line 2, column 4.
	if want := "AAAA,OACI"; mappings != want+";" && mappings != want {
		t.Errorf("mappings %q, want %q", mappings, want)
	}
}

// A call that fits in Width only without the ; after it is broken: no
// line passes Width.
func TestPrintCountsTheSemicolon(t *testing.T) {
	for n := 90; n <= 101; n++ {
		arg := strings.Repeat("x", n-len("f(, y);"))
		code, _ := Print([]Stmt{&ExprStmt{X: &Call{Fun: name("f"), Args: []Expr{name(arg), name("y")}}}})
		for _, line := range strings.Split(strings.TrimSuffix(string(code), "\n"), "\n") {
			if len(line) > Width {
				t.Errorf("%d: a line of %d columns:\n%s", n, len(line), code)
			}
		}
	}
}

// A chain of + is broken so that no line passes Width, counting the
// operator or ; that follows each operand.
func TestPrintChainWidth(t *testing.T) {
	for n := 20; n <= 60; n++ {
		a, b := name(strings.Repeat("a", n)), name(strings.Repeat("b", 97-n))
		sum := bin("+", bin("+", bin("+", a, b), a), b)
		code, _ := Print([]Stmt{&ExprStmt{X: sum}})
		for _, line := range strings.Split(strings.TrimSuffix(string(code), "\n"), "\n") {
			if len(line) > Width {
				t.Errorf("%d: a line of %d columns:\n%s", n, len(line), code)
			}
		}
	}
}
