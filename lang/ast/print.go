package ast

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// ExprString prints an expression compactly for error messages. Long
// expressions are cut short with "…"; bodies of lambdas are left out.
func ExprString(e Expr) string {
	var b strings.Builder
	writeExpr(&b, e)
	s := b.String()
	if len(s) > 40 {
		cut := 37
		for !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func writeExpr(b *strings.Builder, e Expr) {
	list := func(xs []Expr) {
		for i, x := range xs {
			if i > 0 {
				b.WriteString(", ")
			}
			writeExpr(b, x)
		}
	}
	switch e := e.(type) {
	case *Ident:
		b.WriteString(e.Name)
	case *IntLit:
		b.WriteString(e.Raw)
	case *FloatLit:
		b.WriteString(e.Raw)
	case *StringLit:
		b.WriteString(strconv.Quote(e.Value))
	case *BoolLit:
		b.WriteString(strconv.FormatBool(e.Value))
	case *NoneLit:
		b.WriteString("none")
	case *SomeExpr:
		b.WriteString("some(")
		writeExpr(b, e.X)
		b.WriteString(")")
	case *ListLit:
		b.WriteString("[")
		list(e.Elems)
		b.WriteString("]")
	case *RecordLit:
		b.WriteString("{ ")
		for i, f := range e.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(f.Name.Name + ": ")
			writeExpr(b, f.Value)
		}
		b.WriteString(" }")
	case *FuncLit:
		b.WriteString("fun(…) { … }")
	case *CallExpr:
		writeExpr(b, e.Fun)
		b.WriteString("(")
		list(e.Args)
		b.WriteString(")")
	case *FieldExpr:
		writeExpr(b, e.X)
		b.WriteString("." + e.Name.Name)
	case *IndexExpr:
		writeExpr(b, e.X)
		b.WriteString("[")
		writeExpr(b, e.Index)
		b.WriteString("]")
	case *UnaryExpr:
		b.WriteString(e.Op)
		writeExpr(b, e.X)
	case *BinaryExpr:
		writeExpr(b, e.X)
		b.WriteString(" " + e.Op + " ")
		writeExpr(b, e.Y)
	case *ParenExpr:
		b.WriteString("(")
		writeExpr(b, e.X)
		b.WriteString(")")
	case *SelectExpr:
		b.WriteString("select " + e.Table.Name)
		if e.Where != nil {
			b.WriteString(" where ")
			writeExpr(b, e.Where)
		}
	case *ElementLit:
		b.WriteString("<" + e.Name + ">")
	case *FragmentLit:
		b.WriteString("<>…</>")
	case *MatchExpr:
		b.WriteString("match ")
		writeExpr(b, e.X)
		b.WriteString(" { … }")
	}
}
