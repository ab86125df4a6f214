// Package split decides where each function of a checked program runs:
// on the server, on the client, or on both, and which calls cross from
// the client to the server (remote calls).
//
// The rules are LANGUAGE.md's "Where code runs". Each top-level function
// and task is a unit; a lambda belongs to the unit that creates it, since
// function values never cross the network. For each unit the split first
// collects facts from its body: uses of server-only built-ins and tables,
// uses of client-only built-ins and spawn, and calls to (or references of)
// other functions. Locations then come from a fixpoint: a unit needs the
// server if it uses the server directly or calls a server function in a
// way that cannot be a remote call (its arguments or result cannot cross);
// it needs the client if it uses the client directly or calls a client
// function. A unit with no need runs on both sides. Needs only grow as
// locations are fixed, so the iteration ends; a unit that comes to need
// both sides is an error that names one place of each. Such a unit keeps
// the location it had (so what its callers need stays what it was), and
// the fixpoint leaves it alone from then on.
//
// Last, the split finds which code of the client half waits (wait.go):
// the functions and lambdas the client makes async, and the calls it
// awaits.
//
// The result is plain data, read by codegen and printed by
// `prog check --explain`.
package split

import (
	"fmt"
	"sort"

	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/lang/check"
	"github.com/prog-lang/prog/lang/diag"
	"github.com/prog-lang/prog/lang/types"
	"github.com/prog-lang/prog/stdlib"
)

// Location is where a unit runs.
type Location = stdlib.Location

// Func is one unit: a top-level function or a task, lambdas included.
type Func struct {
	Name string
	Node ast.Node // *ast.FuncDecl, *ast.EveryDecl or *ast.OnDecl
	Loc  Location
	// Fixed is set when the location was written (server fun, client fun)
	// or is implied (tasks run on the server).
	Fixed bool
	// Why is the first place that fixed an inferred location, for
	// --explain; empty for both and for fixed units.
	Why string

	serverUses []use
	clientUses []use
	calls      []call
	conflict   bool
}

// RemoteCall is a call, in a unit that runs on the client, to a function
// that runs on the server. Call is nil when the function is referenced as
// a value (the client then holds a stub that makes the call).
type RemoteCall struct {
	Caller *Func
	Callee *ast.FuncDecl
	Pos    diag.Pos
	Call   *ast.CallExpr
}

// Result is the split of a program.
type Result struct {
	Funcs  []*Func // in source order
	Remote []*RemoteCall
	byNode map[ast.Node]*Func

	// Which code of the client half waits (wait.go).
	waits  map[ast.Node]bool
	awaits map[*ast.CallExpr]bool
}

// Of returns the unit of a top-level function or task.
func (r *Result) Of(n ast.Node) *Func { return r.byNode[n] }

// use is a place where a unit needs one side: a built-in, a table
// statement, spawn, or a call. name is what the user wrote there; detail,
// when set, says why a call ties the unit to a side.
type use struct {
	pos    diag.Pos
	name   string
	detail string
}

// call is a call to, or reference of, a top-level function.
type call struct {
	pos    diag.Pos
	callee *ast.FuncDecl
	expr   *ast.CallExpr // nil for a reference
}

// Split computes locations and remote calls for a checked program. A
// function or task in which the checker found an error is left out, as
// if it were not there: calls to it tie their callers to no side. With
// fewer needs, there are only fewer errors (each is a unit that needs a
// side it may not have), so a type error never causes one here.
func Split(prog *check.Program) (*Result, diag.List) {
	s := &splitter{info: prog.Info, funcNames: map[string]bool{}, res: &Result{byNode: map[ast.Node]*Func{}}, problems: map[*ast.FuncDecl]string{}}
	for _, d := range prog.Funcs {
		s.funcNames[d.Name.Name] = true
	}
	for _, d := range prog.File.Decls {
		if prog.Erroneous[d] {
			continue
		}
		switch d := d.(type) {
		case *ast.FuncDecl:
			f := &Func{Name: d.Name.Name, Node: d}
			switch d.Side {
			case "server":
				f.Loc, f.Fixed = stdlib.Server, true
			case "client":
				f.Loc, f.Fixed = stdlib.Client, true
			default:
				if d == prog.Main {
					// main starts the page: it is client even when it could
					// be both, from the start, so that what calls it knows.
					f.Loc = stdlib.Client
					s.main = f
				}
			}
			s.add(f, d.Body)
		case *ast.EveryDecl:
			s.add(&Func{Name: fmt.Sprintf("every %d", prog.Info.Periods[d]), Node: d, Loc: stdlib.Server, Fixed: true}, d.Body)
		case *ast.OnDecl:
			s.add(&Func{Name: "on " + d.Event.Name, Node: d, Loc: stdlib.Server, Fixed: true}, d.Body)
		}
	}
	s.infer()
	s.report()
	s.remote()
	s.waiting()
	s.literalsWait()
	return s.res, s.errs
}

type splitter struct {
	info      *check.Info
	funcNames map[string]bool // the names of the program's functions
	res       *Result
	main      *Func // main when not annotated: client, but not declared so
	errs      diag.List
	problems  map[*ast.FuncDecl]string // why a function cannot be called remotely
	bodies    []*waitBody              // every function's and lambda's, for wait.go
	literals  []literal                // every element and fragment literal, for html.go
}

func (s *splitter) add(f *Func, body *ast.Block) {
	s.res.Funcs = append(s.res.Funcs, f)
	s.res.byNode[f.Node] = f
	if d, ok := f.Node.(*ast.FuncDecl); ok {
		if sig := s.info.Signature(d); sig != nil {
			s.clientOnlyType(f, d.Pos, sig)
		}
	}
	s.collect(f, body, s.newBody(f, f.Node), false)
}

// collect records the facts of the tree n (lambdas included) on f, and
// on b, the body n is in, what may make it wait (wait.go). inLit is set
// inside an element literal (outside its lambdas), where nothing waits
// (html.go): what is there does not make b wait, and no call there is
// awaited.
func (s *splitter) collect(f *Func, n ast.Node, b *waitBody, inLit bool) {
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			s.clientOnlyType(f, n.Pos, s.info.TypeOf(n))
			s.collect(f, n.Body, s.newBody(f, n), false)
			return false
		case *ast.ElementLit, *ast.FragmentLit:
			name := "<>"
			if el, ok := n.(*ast.ElementLit); ok {
				name = "<" + el.Name + ">"
			}
			f.clientUses = append(f.clientUses, use{n.Position(), name, htmlDetail})
			s.literals = append(s.literals, literal{f, n.(ast.Expr)})
			if !inLit {
				// Its parts, once, marked as inside a literal.
				ast.Inspect(n, func(c ast.Node) bool {
					if c != n {
						s.collect(f, c, b, true)
					}
					return c == n
				})
				return false
			}
		case *ast.LetStmt:
			if obj := s.info.Defs[n.Name]; obj != nil {
				s.clientOnlyType(f, n.Pos, obj.Type)
			}
		case *ast.VarStmt:
			if obj := s.info.Defs[n.Name]; obj != nil {
				s.clientOnlyType(f, n.Pos, obj.Type)
			}
		case *ast.CallExpr:
			if bc := s.info.Builtins[n].Builtin; bc != nil {
				switch bc.Loc {
				case stdlib.Server:
					f.serverUses = append(f.serverUses, use{n.Pos, bc.Name, ""})
				case stdlib.Client:
					f.clientUses = append(f.clientUses, use{n.Pos, bc.Name, ""})
				}
				if (bc.Name == "recv" || bc.Name == "sleep") && !inLit {
					b.waits = append(b.waits, n)
				}
				return true
			}
			id, ok := n.Fun.(*ast.Ident)
			obj := (*check.Object)(nil)
			if ok {
				obj = s.funcObj(id)
			}
			if obj == nil {
				if !inLit {
					b.waits = append(b.waits, n) // a call through a function value
				}
				return true
			}
			f.calls = append(f.calls, call{n.Pos, obj.Func, n})
			if !inLit {
				b.calls = append(b.calls, call{n.Pos, obj.Func, n})
			}
			// The callee's name is not a reference: visit the arguments only.
			for _, a := range n.Args {
				s.collect(f, a, b, inLit)
			}
			return false
		case *ast.Ident:
			if obj := s.funcObj(n); obj != nil {
				f.calls = append(f.calls, call{n.Pos, obj.Func, nil})
				if !inLit {
					b.calls = append(b.calls, call{n.Pos, obj.Func, nil})
				}
			}
		case *ast.SelectExpr:
			f.serverUses = append(f.serverUses, use{n.Pos, "select", ""})
		case *ast.InsertStmt:
			f.serverUses = append(f.serverUses, use{n.Pos, "insert", ""})
		case *ast.UpdateStmt:
			f.serverUses = append(f.serverUses, use{n.Pos, "update", ""})
		case *ast.DeleteStmt:
			f.serverUses = append(f.serverUses, use{n.Pos, "delete", ""})
		case *ast.SpawnStmt:
			f.clientUses = append(f.clientUses, use{n.Pos, "spawn", ""})
		}
		return true
	})
}

// htmlDetail says why an element literal ties its unit to the client.
const htmlDetail = "html is built only on the client"

// clientOnlyType notes that f needs the client when t, the type of
// something f declares at pos, holds html or a source: such values exist
// only on the client (LANGUAGE.md, "Where").
func (s *splitter) clientOnlyType(f *Func, pos diag.Pos, t types.Type) {
	if t == nil {
		return
	}
	if bad := types.ClientOnly(t); bad != "" {
		f.clientUses = append(f.clientUses, use{pos, bad, bad + " lives only on the client: it cannot cross the network"})
	}
}

// funcObj returns the function id refers to, or nil if it refers to no
// top-level function (or declares one). Most names are not a function's:
// a look in the small set of function names spares them a look in the
// large Info.Uses.
func (s *splitter) funcObj(id *ast.Ident) *check.Object {
	if !s.funcNames[id.Name] {
		return nil
	}
	if obj := s.info.Uses[id]; obj != nil && obj.Kind == check.FuncObj {
		return obj
	}
	return nil
}

// problem says why fn cannot be called remotely, or "" if it can: its
// arguments must cross from client to server, its result back.
func (s *splitter) problem(fn *ast.FuncDecl) string {
	if p, ok := s.problems[fn]; ok {
		return p
	}
	p := ""
	if sig := s.info.Signature(fn); sig != nil {
		for i, pt := range sig.Params {
			if bad := ToServer(pt); bad != "" {
				p = fmt.Sprintf("its parameter %s has type %s, and %s never crosses from client to server",
					fn.Params[i].Name.Name, pt, bad)
				break
			}
		}
		if p == "" {
			if bad := ToClient(sig.Result); bad != "" {
				p = fmt.Sprintf("its result has type %s, and %s never crosses from server to client", sig.Result, bad)
			}
		}
	}
	s.problems[fn] = p
	return p
}

// needs returns the first place where f needs the server and the first
// where it needs the client, given the locations found so far.
func (s *splitter) needs(f *Func) (server, client *use) {
	first := func(u *use, cand use) *use {
		if u == nil || before(cand.pos, u.pos) {
			return &cand
		}
		return u
	}
	for _, u := range f.serverUses {
		server = first(server, u)
	}
	for _, u := range f.clientUses {
		client = first(client, u)
	}
	for _, c := range f.calls {
		// A callee in conflict still counts, by the location it had
		// when it came to need both sides (which stays): skipping it
		// would take back a need that its callers have already acted
		// on, and a caller found in conflict could lose a side.
		g := s.res.byNode[c.callee]
		if g == nil {
			continue
		}
		switch g.Loc {
		case stdlib.Server:
			if p := s.problem(c.callee); p != "" {
				server = first(server, use{c.pos, g.Name, fmt.Sprintf("it calls server function %s, which cannot be called remotely: %s", g.Name, p)})
			}
		case stdlib.Client:
			client = first(client, use{c.pos, g.Name, "it calls client function " + g.Name + ", and the server never calls the client"})
		}
	}
	return server, client
}

func before(a, b diag.Pos) bool {
	return a.Line < b.Line || a.Line == b.Line && a.Column < b.Column
}

// infer runs the fixpoint over the units whose location is not written.
func (s *splitter) infer() {
	for changed := true; changed; {
		changed = false
		for _, f := range s.res.Funcs {
			if f.Fixed || f.conflict || f == s.main {
				continue
			}
			server, client := s.needs(f)
			loc := stdlib.Both
			switch {
			case server != nil && client != nil:
				f.conflict = true
				changed = true
				continue
			case server != nil:
				loc = stdlib.Server
			case client != nil:
				loc = stdlib.Client
			}
			if loc != f.Loc {
				f.Loc = loc
				changed = true
			}
		}
	}
}

func (s *splitter) report() {
	for _, f := range s.res.Funcs {
		server, client := s.needs(f)
		name := f.Name
		if f == s.main && server != nil {
			s.errs.Add(f.Node.Position(), "main must run on the client, but it needs the server (%s)", place(server))
			continue
		}
		switch {
		case f.conflict:
			// At the server place, as LANGUAGE.md's example shows.
			s.errs.Add(server.pos, "%s needs the server (%s) and the client (%s)", name, place(server), place(client))
		case f.Fixed && f.Loc == stdlib.Server && client != nil:
			s.errs.Add(client.pos, "%s runs on the server but uses the client: %s", unitName(f), what(client))
		case f.Fixed && f.Loc == stdlib.Client && server != nil:
			s.errs.Add(server.pos, "%s runs on the client but uses the server: %s", unitName(f), what(server))
		}
		switch {
		case f.Fixed || f.conflict:
		case server != nil:
			f.Why = place(server)
		case client != nil:
			f.Why = place(client)
		}
	}
}

func unitName(f *Func) string {
	if _, ok := f.Node.(*ast.FuncDecl); ok {
		return f.Name
	}
	return "task " + f.Name
}

// place is "send at 12:5", or for a call "post at 12:5".
func place(u *use) string {
	return fmt.Sprintf("%s at %s", u.name, diag.LineCol(u.pos))
}

// what is the long form of a use, for errors about fixed units.
func what(u *use) string {
	if u.detail != "" {
		return u.detail
	}
	if b := stdlib.Lookup(u.name); b != nil {
		return fmt.Sprintf("%s runs only on the %s", u.name, b.Loc)
	}
	if u.name == "spawn" {
		return "spawn runs only on the client"
	}
	return "tables live on the server (" + u.name + ")"
}

// remote lists the calls from client code to server functions.
func (s *splitter) remote() {
	for _, f := range s.res.Funcs {
		if f.Loc == stdlib.Server || f.conflict {
			continue
		}
		for _, c := range f.calls {
			g := s.res.byNode[c.callee]
			if g != nil && g.Loc == stdlib.Server && !g.conflict && s.problem(c.callee) == "" {
				s.res.Remote = append(s.res.Remote, &RemoteCall{Caller: f, Callee: c.callee, Pos: c.pos, Call: c.expr})
			}
		}
	}
	sort.SliceStable(s.res.Remote, func(i, j int) bool { return before(s.res.Remote[i].Pos, s.res.Remote[j].Pos) })
}

// ToServer returns "" if values of type t may be sent from a client to
// the server (remote-call arguments), or else the part of t that may not.
func ToServer(t types.Type) string { return crossing(t, false) }

// ToClient returns "" if values of type t may be sent from the server to
// a client (remote-call results, channel messages), or else the part of t
// that may not.
func ToClient(t types.Type) string { return crossing(t, true) }

func crossing(t types.Type, toClient bool) string {
	switch t := types.Unalias(t).(type) {
	case *types.Basic:
		if t == types.Client && !toClient {
			return "a client"
		}
		if t == types.HTML {
			return "html"
		}
	case *types.Channel:
		if !toClient {
			return "a channel"
		}
		return crossing(t.Elem, toClient)
	case *types.Func:
		return "a function"
	case *types.Source:
		return "a source"
	case *types.List:
		return crossing(t.Elem, toClient)
	case *types.Option:
		return crossing(t.Elem, toClient)
	case *types.Record:
		for _, f := range t.Fields {
			if bad := crossing(f.Type, toClient); bad != "" {
				return bad
			}
		}
	}
	return ""
}
