// Package cg holds what both code generators need: type tests and the
// structural identity of types.
package cg

import (
	"sort"
	"strings"

	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/lang/types"
)

// Canonical returns a string that identifies a type structurally: aliases
// followed, record fields sorted. Equal types give equal strings.
func Canonical(t types.Type) string {
	var b strings.Builder
	canonical(&b, t)
	return b.String()
}

// canonical writes t's canonical string to b: one buffer for the whole
// type, as a string built per level would copy a deep type's inner part
// once per level.
func canonical(b *strings.Builder, t types.Type) {
	switch u := types.Unalias(t).(type) {
	case *types.List:
		b.WriteString("list<")
		canonical(b, u.Elem)
		b.WriteString(">")
	case *types.Option:
		b.WriteString("option<")
		canonical(b, u.Elem)
		b.WriteString(">")
	case *types.Channel:
		b.WriteString("channel<")
		canonical(b, u.Elem)
		b.WriteString(">")
	case *types.Record:
		b.WriteString("{")
		for i, f := range SortedFields(u) {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(f.Name + ":")
			canonical(b, f.Type)
		}
		b.WriteString("}")
	case *types.Func:
		b.WriteString("fun(")
		for i, p := range u.Params {
			if i > 0 {
				b.WriteString(",")
			}
			canonical(b, p)
		}
		b.WriteString("):")
		canonical(b, u.Result)
	case nil:
		b.WriteString("?")
	default:
		b.WriteString(u.String())
	}
}

// SortedFields returns r's fields sorted by name.
func SortedFields(r *types.Record) []types.Field {
	fs := append([]types.Field(nil), r.Fields...)
	sort.Slice(fs, func(i, j int) bool { return fs[i].Name < fs[j].Name })
	return fs
}

// IsBasic reports whether t is int, float, bool, string, unit or client:
// the types the target languages compare with their own ==.
func IsBasic(t types.Type) bool {
	_, ok := types.Unalias(t).(*types.Basic)
	return ok
}

// IsUnit reports whether t is unit (nil stands for no result).
func IsUnit(t types.Type) bool { return t == nil || types.Unalias(t) == types.Unit }

// Exprs maps f over xs.
func Exprs(xs []ast.Expr, f func(ast.Expr) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}
