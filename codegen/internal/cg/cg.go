// Package cg holds what both code generators need: type tests and the
// structural identity of types.
package cg

import (
	"sort"
	"strconv"
	"strings"

	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/lang/types"
)

// Keys gives types keys that identify them structurally: aliases
// followed, record fields sorted; equal types get equal keys. A key is
// short: a type's text names its parts by their own keys, and each type
// is keyed once, so a type that shares its parts (let b = {x: a, y: a},
// repeated) costs time in the number of its parts, where its written-out
// text would double with each level.
type Keys struct {
	byType map[types.Type]string // by pointer
	byText map[string]string     // a type's text over its parts' keys → its key
}

// NewKeys returns an empty Keys.
func NewKeys() *Keys {
	return &Keys{byType: map[types.Type]string{}, byText: map[string]string{}}
}

// Of returns t's key.
func (k *Keys) Of(t types.Type) string {
	u := types.Unalias(t)
	if u == nil {
		return "?"
	}
	if b, ok := u.(*types.Basic); ok {
		return b.String()
	}
	if key, ok := k.byType[u]; ok {
		return key
	}
	var b strings.Builder
	switch u := u.(type) {
	case *types.List:
		b.WriteString("list<" + k.Of(u.Elem) + ">")
	case *types.Option:
		b.WriteString("option<" + k.Of(u.Elem) + ">")
	case *types.Channel:
		b.WriteString("channel<" + k.Of(u.Elem) + ">")
	case *types.Record:
		b.WriteString("{")
		for i, f := range SortedFields(u) {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(f.Name + ":" + k.Of(f.Type))
		}
		b.WriteString("}")
	case *types.Func:
		b.WriteString("fun(")
		for i, p := range u.Params {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(k.Of(p))
		}
		b.WriteString("):" + k.Of(u.Result))
	default:
		b.WriteString(u.String())
	}
	text := b.String()
	key, ok := k.byText[text]
	if !ok {
		key = "#" + strconv.Itoa(len(k.byText))
		k.byText[text] = key
	}
	k.byType[u] = key
	return key
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
