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
	switch u := types.Unalias(t).(type) {
	case *types.List:
		return "list<" + Canonical(u.Elem) + ">"
	case *types.Option:
		return "option<" + Canonical(u.Elem) + ">"
	case *types.Channel:
		return "channel<" + Canonical(u.Elem) + ">"
	case *types.Record:
		fs := SortedFields(u)
		parts := make([]string, len(fs))
		for i, f := range fs {
			parts[i] = f.Name + ":" + Canonical(f.Type)
		}
		return "{" + strings.Join(parts, ",") + "}"
	case *types.Func:
		ps := make([]string, len(u.Params))
		for i, p := range u.Params {
			ps[i] = Canonical(p)
		}
		return "fun(" + strings.Join(ps, ",") + "):" + Canonical(u.Result)
	case nil:
		return "?"
	default:
		return u.String()
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
