package types

// Unifier makes fresh Vars and unifies types. One Unifier serves one
// checker run; it is not safe for concurrent use.
type Unifier struct {
	next  int
	trail []*Var
}

// NewVar returns a fresh unbound Var.
func (u *Unifier) NewVar() *Var {
	u.next++
	return &Var{ID: u.next}
}

// Unify makes a and b the same type by binding Vars, and reports whether it
// could. A failed Unify binds nothing: every binding it made is undone, so
// a mismatch leaves no half-inferred types behind.
func (u *Unifier) Unify(a, b Type) bool {
	mark := len(u.trail)
	if u.unify(a, b) {
		return true
	}
	for _, v := range u.trail[mark:] {
		v.Bound = nil
	}
	u.trail = u.trail[:mark]
	return false
}

func (u *Unifier) unify(a, b Type) bool {
	a, b = Unalias(a), Unalias(b)
	if a == b || a == Invalid || b == Invalid {
		return true
	}
	if v, ok := a.(*Var); ok {
		return u.bind(v, b)
	}
	if v, ok := b.(*Var); ok {
		return u.bind(v, a)
	}
	switch x := a.(type) {
	case *List:
		y, ok := b.(*List)
		return ok && u.unify(x.Elem, y.Elem)
	case *Option:
		y, ok := b.(*Option)
		return ok && u.unify(x.Elem, y.Elem)
	case *Channel:
		y, ok := b.(*Channel)
		return ok && u.unify(x.Elem, y.Elem)
	case *Source:
		y, ok := b.(*Source)
		return ok && u.unify(x.Elem, y.Elem)
	case *Record:
		y, ok := b.(*Record)
		if !ok || len(x.Fields) != len(y.Fields) {
			return false
		}
		for _, f := range x.Fields {
			g, ok := y.Field(f.Name)
			if !ok || !u.unify(f.Type, g.Type) {
				return false
			}
		}
		return true
	case *Func:
		y, ok := b.(*Func)
		if !ok || len(x.Params) != len(y.Params) {
			return false
		}
		for i := range x.Params {
			if !u.unify(x.Params[i], y.Params[i]) {
				return false
			}
		}
		return u.unify(x.Result, y.Result)
	}
	return false
}

func (u *Unifier) bind(v *Var, t Type) bool {
	if w, ok := t.(*Var); ok && w == v {
		return true
	}
	occurs := false
	Walk(t, func(x Type) {
		if x == v {
			occurs = true
		}
	})
	if occurs {
		return false
	}
	v.Bound = t
	u.trail = append(u.trail, v)
	return true
}

// Instantiate returns t with each Param replaced by a fresh Var, the same
// Var for every occurrence of one Param. explicit, when not nil, gives the
// types for the Params in order of first appearance instead.
func (u *Unifier) Instantiate(t Type, explicit map[*Param]Type) Type {
	vars := map[*Param]Type{}
	for p, t := range explicit {
		vars[p] = t
	}
	var sub func(Type) Type
	sub = func(t Type) Type {
		switch x := t.(type) {
		case *Param:
			if v, ok := vars[x]; ok {
				return v
			}
			v := u.NewVar()
			vars[x] = v
			return v
		case *List:
			return &List{sub(x.Elem)}
		case *Option:
			return &Option{sub(x.Elem)}
		case *Channel:
			return &Channel{sub(x.Elem)}
		case *Source:
			return &Source{sub(x.Elem)}
		case *Func:
			ps := make([]Type, len(x.Params))
			for i, p := range x.Params {
				ps[i] = sub(p)
			}
			return &Func{ps, sub(x.Result)}
		case *Record:
			fs := make([]Field, len(x.Fields))
			for i, f := range x.Fields {
				fs[i] = Field{f.Name, sub(f.Type)}
			}
			return &Record{fs}
		}
		return t
	}
	return sub(t)
}
