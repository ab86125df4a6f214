// Package types represents Prog's types and unifies them.
//
// Types are structural: a record type is its set of fields, and a name
// declared with `type` is an alias that prints as its name but is identical
// to what it stands for. Inference is local unification: a Var stands for a
// type not yet known (the element of `[]`, the payload of `none`, the T of a
// polymorphic built-in) and is bound at most once. The checker resolves every
// Var when it finishes a function; one left unbound is reported there.
//
// Invalid stands for the type of an expression that already has an error.
// It unifies with everything, so one mistake produces one message.
package types

import (
	"strings"
)

// A Type is one of the concrete types below.
type Type interface {
	String() string
	isType()
}

// BasicKind names the built-in scalar types.
type BasicKind int

const (
	KInvalid BasicKind = iota
	KInt
	KFloat
	KBool
	KString
	KUnit
	KClient
	KHTML
)

// Basic is a scalar type. Use the package variables, never a new Basic.
type Basic struct {
	Kind BasicKind
	name string
}

// The scalar types.
var (
	Invalid = &Basic{KInvalid, "invalid"}
	Int     = &Basic{KInt, "int"}
	Float   = &Basic{KFloat, "float"}
	Bool    = &Basic{KBool, "bool"}
	String  = &Basic{KString, "string"}
	Unit    = &Basic{KUnit, "unit"}
	Client  = &Basic{KClient, "client"}
	// HTML is html, nodes built on the client (LANGUAGE.md, "User
	// interface"): it never crosses the network.
	HTML = &Basic{KHTML, "html"}
)

// List is list<Elem>.
type List struct{ Elem Type }

// Option is option<Elem>.
type Option struct{ Elem Type }

// Channel is channel<Elem>: a mailbox owned by one client that carries Elem.
type Channel struct{ Elem Type }

// Source is source<Elem>: a client-side cell whose readers follow it. Like
// html, it never crosses the network.
type Source struct{ Elem Type }

// Field is one field of a record.
type Field struct {
	Name string
	Type Type
}

// Record is a structural record type; fields keep their written order for
// printing, and two records are identical when they have the same fields,
// in any order.
type Record struct{ Fields []Field }

// Func is a function type.
type Func struct {
	Params []Type
	Result Type
}

// Named is a type alias declared with `type`.
type Named struct {
	Name  string
	Under Type
}

// Var is a type to be inferred. Bound is nil until unification binds it.
type Var struct {
	ID    int
	Bound Type
}

// Param is a type parameter of a polymorphic built-in signature.
// Instantiate replaces each Param with a fresh Var.
type Param struct{ Name string }

func (*Basic) isType()   {}
func (*List) isType()    {}
func (*Option) isType()  {}
func (*Channel) isType() {}
func (*Source) isType()  {}
func (*Record) isType()  {}
func (*Func) isType()    {}
func (*Named) isType()   {}
func (*Var) isType()     {}
func (*Param) isType()   {}

func (t *Basic) String() string   { return t.name }
func (t *List) String() string    { return "list<" + t.Elem.String() + ">" }
func (t *Option) String() string  { return "option<" + t.Elem.String() + ">" }
func (t *Channel) String() string { return "channel<" + t.Elem.String() + ">" }
func (t *Source) String() string  { return "source<" + t.Elem.String() + ">" }
func (t *Named) String() string   { return t.Name }
func (t *Param) String() string   { return t.Name }

func (t *Record) String() string {
	var b strings.Builder
	b.WriteString("{ ")
	for i, f := range t.Fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.Name + ": " + f.Type.String())
	}
	b.WriteString(" }")
	if len(t.Fields) == 0 {
		return "{}"
	}
	return b.String()
}

func (t *Func) String() string {
	var b strings.Builder
	b.WriteString("fun(")
	for i, p := range t.Params {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.String())
	}
	b.WriteString(")")
	if r := Unalias(t.Result); r != Unit {
		b.WriteString(": " + t.Result.String())
	}
	return b.String()
}

func (t *Var) String() string {
	if t.Bound != nil {
		return t.Bound.String()
	}
	return "?"
}

// Field returns the field named name and whether it exists.
func (t *Record) Field(name string) (Field, bool) {
	for _, f := range t.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Prune follows bound Vars to what they stand for.
func Prune(t Type) Type {
	for {
		v, ok := t.(*Var)
		if !ok || v.Bound == nil {
			return t
		}
		t = v.Bound
	}
}

// Unalias follows bound Vars and aliases to the underlying type.
func Unalias(t Type) Type {
	for {
		switch u := Prune(t).(type) {
		case *Named:
			t = u.Under
		default:
			return u
		}
	}
}

// Resolve returns t with every bound Var replaced by its binding, deeply.
// Aliases are kept, so messages still print the names the user wrote. A
// part of t with no bound Var in it is returned as it is, not copied: the
// checker resolves the type of every expression, and a deep type would
// otherwise be copied once for each expression that has it.
func Resolve(t Type) Type {
	switch u := Prune(t).(type) {
	case *List:
		if e := Resolve(u.Elem); e != u.Elem {
			return &List{e}
		}
		return u
	case *Option:
		if e := Resolve(u.Elem); e != u.Elem {
			return &Option{e}
		}
		return u
	case *Channel:
		if e := Resolve(u.Elem); e != u.Elem {
			return &Channel{e}
		}
		return u
	case *Source:
		if e := Resolve(u.Elem); e != u.Elem {
			return &Source{e}
		}
		return u
	case *Record:
		var fs []Field
		for i, f := range u.Fields {
			ft := Resolve(f.Type)
			if ft != f.Type && fs == nil {
				fs = append(make([]Field, 0, len(u.Fields)), u.Fields[:i]...)
			}
			if fs != nil {
				fs = append(fs, Field{f.Name, ft})
			}
		}
		if fs == nil {
			return u
		}
		return &Record{fs}
	case *Func:
		var ps []Type
		for i, p := range u.Params {
			pt := Resolve(p)
			if pt != p && ps == nil {
				ps = append(make([]Type, 0, len(u.Params)), u.Params[:i]...)
			}
			if ps != nil {
				ps = append(ps, pt)
			}
		}
		r := Resolve(u.Result)
		if ps == nil && r == u.Result {
			return u
		}
		if ps == nil {
			ps = u.Params
		}
		return &Func{ps, r}
	default:
		return u
	}
}

// HasVar reports whether t still holds an unbound Var.
func HasVar(t Type) bool {
	found := false
	Walk(t, func(t Type) {
		if v, ok := t.(*Var); ok && v.Bound == nil {
			found = true
		}
	})
	return found
}

// Walk calls f for t and every type inside it, aliases included.
func Walk(t Type, f func(Type)) {
	t = Prune(t)
	f(t)
	switch u := t.(type) {
	case *List:
		Walk(u.Elem, f)
	case *Option:
		Walk(u.Elem, f)
	case *Channel:
		Walk(u.Elem, f)
	case *Source:
		Walk(u.Elem, f)
	case *Named:
		Walk(u.Under, f)
	case *Record:
		for _, fl := range u.Fields {
			Walk(fl.Type, f)
		}
	case *Func:
		for _, p := range u.Params {
			Walk(p, f)
		}
		Walk(u.Result, f)
	}
}

// Default binds every unbound Var in t to unit. The checker calls it on
// the types of expressions whose element type nothing constrains, such as
// `length([])`: no value of that type ever exists, so any type will do.
func Default(t Type) {
	Walk(t, func(t Type) {
		if v, ok := t.(*Var); ok && v.Bound == nil {
			v.Bound = Unit
		}
	})
}

// IsInvalid reports whether t is, or holds, the invalid type.
func IsInvalid(t Type) bool {
	bad := false
	Walk(t, func(t Type) {
		if t == Invalid {
			bad = true
		}
	})
	return bad
}

// Identical reports whether a and b are the same type, without binding
// anything.
func Identical(a, b Type) bool {
	a, b = Unalias(a), Unalias(b)
	if a == b {
		return true
	}
	switch x := a.(type) {
	case *List:
		y, ok := b.(*List)
		return ok && Identical(x.Elem, y.Elem)
	case *Option:
		y, ok := b.(*Option)
		return ok && Identical(x.Elem, y.Elem)
	case *Channel:
		y, ok := b.(*Channel)
		return ok && Identical(x.Elem, y.Elem)
	case *Source:
		y, ok := b.(*Source)
		return ok && Identical(x.Elem, y.Elem)
	case *Record:
		y, ok := b.(*Record)
		if !ok || len(x.Fields) != len(y.Fields) {
			return false
		}
		for _, f := range x.Fields {
			g, ok := y.Field(f.Name)
			if !ok || !Identical(f.Type, g.Type) {
				return false
			}
		}
		return true
	case *Func:
		y, ok := b.(*Func)
		if !ok || len(x.Params) != len(y.Params) || !Identical(x.Result, y.Result) {
			return false
		}
		for i := range x.Params {
			if !Identical(x.Params[i], y.Params[i]) {
				return false
			}
		}
		return true
	}
	return false
}

// ClientOnly returns the first part of t that lives on the client only
// ("html" or "a source"), or "". Such values never cross the network: not
// in a remote call, a channel message or a table column.
func ClientOnly(t Type) string {
	switch u := Prune(t).(type) {
	case *Basic:
		if u == HTML {
			return "html"
		}
	case *Source:
		return "a source"
	case *List:
		return ClientOnly(u.Elem)
	case *Option:
		return ClientOnly(u.Elem)
	case *Channel:
		return ClientOnly(u.Elem)
	case *Named:
		return ClientOnly(u.Under)
	case *Record:
		for _, f := range u.Fields {
			if bad := ClientOnly(f.Type); bad != "" {
				return bad
			}
		}
	case *Func:
		for _, p := range u.Params {
			if bad := ClientOnly(p); bad != "" {
				return bad
			}
		}
		return ClientOnly(u.Result)
	}
	return ""
}
