package progfuzz

import "strings"

type kind int

const (
	kInt kind = iota
	kFloat
	kBool
	kString
	kOption
	kList
	kRecord
	kFunc
)

// typ is a Prog type as the generator knows it.
type typ struct {
	kind   kind
	elem   *typ    // option, list
	rec    *record // record
	params []*typ  // func
	result *typ    // func
}

// record is a named record type of one program.
type record struct {
	name   string
	fields []field
}

type field struct {
	name string
	t    *typ
}

var (
	tInt    = &typ{kind: kInt}
	tFloat  = &typ{kind: kFloat}
	tBool   = &typ{kind: kBool}
	tString = &typ{kind: kString}
)

func optionOf(t *typ) *typ { return &typ{kind: kOption, elem: t} }
func listOf(t *typ) *typ   { return &typ{kind: kList, elem: t} }

// String is the type as Prog source writes it.
func (t *typ) String() string {
	switch t.kind {
	case kInt:
		return "int"
	case kFloat:
		return "float"
	case kBool:
		return "bool"
	case kString:
		return "string"
	case kOption:
		return "option<" + t.elem.String() + ">"
	case kList:
		return "list<" + t.elem.String() + ">"
	case kRecord:
		return t.rec.name
	}
	ps := make([]string, len(t.params))
	for i, p := range t.params {
		ps[i] = p.String()
	}
	return "fun(" + strings.Join(ps, ", ") + "): " + t.result.String()
}

// key names the type in identifiers (the show function of each type).
func (t *typ) key() string {
	switch t.kind {
	case kOption:
		return "o" + t.elem.key()
	case kList:
		return "l" + t.elem.key()
	case kRecord:
		return t.rec.name
	}
	return t.String()
}

func (t *typ) equal(u *typ) bool { return t.String() == u.String() }

// hasFunc reports whether t holds a function: such values cannot be
// compared or shown.
func (t *typ) hasFunc() bool {
	switch t.kind {
	case kFunc:
		return true
	case kOption, kList:
		return t.elem.hasFunc()
	case kRecord:
		for _, f := range t.rec.fields {
			if f.t.hasFunc() {
				return true
			}
		}
	}
	return false
}
