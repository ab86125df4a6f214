package gosrv

import (
	"fmt"
	"unicode"

	"github.com/prog-lang/prog/codegen/internal/cg"
	"github.com/prog-lang/prog/lang/types"
)

// record is the Go struct generated for one record type.
type record struct {
	name   string
	fields []types.Field // sorted by name
	goName map[string]string
}

// records names the Go struct of each record type the program uses.
type records struct {
	keys  *cg.Keys
	byKey map[string]*record
	list  []*record
	alias map[string]string // a type's key → the alias that names it
	used  map[string]bool   // Go names taken
}

func (rs *records) of(r *types.Record) *record {
	key := rs.keys.Of(r)
	if rec := rs.byKey[key]; rec != nil {
		return rec
	}
	base := "Rec"
	if a, ok := rs.alias[key]; ok {
		base = "T" + a
	}
	name := base
	for i := 1; rs.used[name] || name == "Rec"; i++ {
		name = fmt.Sprintf("%s%d", base, i)
	}
	rs.used[name] = true
	rec := &record{name: name, fields: cg.SortedFields(r), goName: map[string]string{}}
	taken := map[string]bool{}
	for _, f := range rec.fields {
		g := exported(f.Name)
		for taken[g] {
			g += "_"
		}
		taken[g] = true
		rec.goName[f.Name] = g
	}
	rs.byKey[key] = rec
	rs.list = append(rs.list, rec)
	return rec
}

// exported makes a field name exported, so that reflection reads it.
func exported(name string) string {
	r := []rune(name)
	if r[0] == '_' {
		return "X" + name
	}
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
