// Package jsclient generates the client half of a program: JavaScript for
// every client and both function, as an ES module that imports the client
// runtime (runtime/client/*.js) as "prog:runtime". Bundle turns it into
// one minified file with esbuild.
//
// The module is built as a syntax tree (package js) and printed from it,
// with a source mapping for each node back to the .prog file. Names are
// chosen so that JavaScript's block scoping means what Prog's scoping
// means (names.go): no binding shadows another.
//
// Values: int is a BigInt (exact signed 64-bit; arithmetic goes through
// the runtime, which fails on overflow as the server does), float a
// number, a record an object with an own property per field, a list an
// array, a client its number, a channel {ch, owner}. An option is null or
// its value, except where the value may itself be null (an option of an
// option, or of unit): there some(x) is the one-element array [x], as on
// the wire. The functions and lambdas that wait are async, and the calls
// that wait are awaited: the split says which (split.Result.Waits,
// Awaits). An HTML literal is a function that clones a template and
// gives each hole and attribute that may read a source its own effect
// (html.go; the runtime's ui.js and reactive.js).
package jsclient

import (
	"strconv"

	"github.com/prog-lang/prog/codegen/internal/cg"
	"github.com/prog-lang/prog/codegen/jsclient/js"
	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/lang/check"
	"github.com/prog-lang/prog/lang/types"
	"github.com/prog-lang/prog/split"
)

// Generate returns the client module of a program, with a source map
// (inline, which esbuild reads) whose source is the .prog file.
func Generate(filename string, src []byte, prog *check.Program, sp *split.Result) []byte {
	g := &gen{lines: js.NewLines(src), info: prog.Info, split: sp,
		funcNames: map[*ast.FuncDecl]string{}, names: map[*check.Object]string{}, rowVars: map[*check.Object]string{},
		decoders: map[string]string{}, keys: cg.NewKeys()}
	g.scope = moduleScope()
	var client []*ast.FuncDecl
	for _, f := range sp.Funcs {
		if d, ok := f.Node.(*ast.FuncDecl); ok {
			if f.Loc != split.Server {
				client = append(client, d)
			}
		}
	}
	for _, d := range client {
		g.funcNames[d] = g.scope.add(d.Name.Name)
	}
	var funcs []js.Stmt
	for _, d := range client {
		funcs = append(funcs, g.funcDecl(d))
	}
	if prog.Main != nil {
		funcs = append(funcs, &js.ExprStmt{Loc: g.at(prog.Main.Pos),
			X: call(rt("start"), g.ident(prog.Main.Name))})
	}
	// Decoders go right after the import: functions refer to them.
	module := append([]js.Stmt{&js.ImportAll{Name: "$", Path: "prog:runtime"}}, g.decoderDecls...)
	module = append(module, g.templateDecls...)
	module = append(module, funcs...)
	code, mappings := js.Print(module)
	return append(code, js.InlineSourceMap(mappings, filename, src)...)
}

type gen struct {
	lines *js.Lines
	info  *check.Info
	split *split.Result

	funcNames map[*ast.FuncDecl]string // each function's JavaScript name
	names     map[*check.Object]string // each local's JavaScript name
	rowVars   map[*check.Object]string // a content for's variable → its row source's name, in its body
	scope     *scope                   // the innermost JavaScript scope

	// hoisted collects the match bindings of the statement being
	// generated, which are declared (let) just before it.
	hoisted *[]string

	decoders     map[string]string // a type's key → its decoder's name
	keys         *cg.Keys
	decoderDecls []js.Stmt // each refers only to earlier ones

	templateDecls []js.Stmt // the templates of HTML literals (html.go)
}

// at is the js.Loc of a position in the .prog file.
func (g *gen) at(p ast.Pos) js.Loc { return g.lines.Loc(p.Line, p.Column) }

// rt is the runtime's export name: $.name.
func rt(name string) js.Expr { return &js.Dot{X: &js.Name{Name: "$"}, Name: name} }

func call(fun js.Expr, args ...js.Expr) *js.Call { return &js.Call{Fun: fun, Args: args} }

// isFunc reports whether id refers to a top-level function.
func (g *gen) isFunc(id *ast.Ident) bool {
	obj := g.info.Uses[id]
	return obj != nil && obj.Kind == check.FuncObj
}

func (g *gen) funcDecl(d *ast.FuncDecl) js.Stmt {
	g.push()
	defer g.pop()
	params := g.params(d.Params)
	return &js.Func{Loc: g.at(d.Pos), Async: g.split.Waits(d), Name: g.funcNames[d], Params: params, Body: g.block(d.Body)}
}

func (g *gen) params(ps []*ast.Param) []string {
	var names []string
	for _, p := range ps {
		names = append(names, g.declare(p.Name))
	}
	return names
}

// block generates a block in a scope of its own.
func (g *gen) block(b *ast.Block) []js.Stmt {
	g.push()
	defer g.pop()
	var out []js.Stmt
	for _, s := range b.Stmts {
		out = append(out, g.stmt(s)...)
	}
	return out
}

// stmt generates one statement, after a declaration of the match
// bindings in it. Declared there, in the innermost block, each run of the
// block has its own: a closure made in a loop keeps the value of its turn.
func (g *gen) stmt(s ast.Stmt) []js.Stmt {
	saved := g.hoisted
	var hoisted []string
	g.hoisted = &hoisted
	out := g.stmt1(s)
	g.hoisted = saved
	if len(hoisted) == 0 {
		return []js.Stmt{out}
	}
	return []js.Stmt{g.letDecl(s.Position(), hoisted), out}
}

func (g *gen) letDecl(pos ast.Pos, names []string) js.Stmt {
	d := &js.Decl{Loc: g.at(pos), Kind: "let"}
	for _, n := range names {
		d.Binds = append(d.Binds, js.Bind{Name: n})
	}
	return d
}

func (g *gen) stmt1(s ast.Stmt) js.Stmt {
	loc := g.at(s.Position())
	switch s := s.(type) {
	case *ast.LetStmt:
		v := g.expr(s.Value) // before the name: `let x = x + 1` reads the outer x
		return &js.Decl{Loc: loc, Kind: "const", Binds: []js.Bind{{Name: g.declare(s.Name), Value: v}}}
	case *ast.VarStmt:
		v := g.expr(s.Value)
		return &js.Decl{Loc: loc, Kind: "let", Binds: []js.Bind{{Name: g.declare(s.Name), Value: v}}}
	case *ast.ExprStmt:
		if s.Value != nil {
			return &js.ExprStmt{Loc: loc, X: &js.Assign{Loc: loc, Target: g.expr(s.X), Value: g.expr(s.Value)}}
		}
		return &js.ExprStmt{Loc: loc, X: g.expr(s.X)}
	case *ast.IfStmt:
		return g.ifStmt(s)
	case *ast.MatchStmt:
		return g.matchStmt(s)
	case *ast.WhileStmt:
		return g.while(s)
	case *ast.ForStmt:
		seq := g.expr(s.Seq)
		g.push()
		defer g.pop()
		return &js.ForOf{Loc: loc, Name: g.declare(s.Var), Seq: seq, Body: g.block(s.Body)}
	case *ast.ReturnStmt:
		if s.Value == nil {
			return &js.Return{Loc: loc}
		}
		return &js.Return{Loc: loc, Value: g.expr(s.Value)}
	case *ast.SpawnStmt:
		return &js.ExprStmt{Loc: loc, X: g.spawn(loc, s.Call.(*ast.CallExpr))} // the checker saw to it
	}
	// The split keeps server statements off the client.
	return &js.ExprStmt{Loc: loc, X: call(rt("fail"), &js.Str{Value: "server statement on the client"})}
}

func (g *gen) ifStmt(s *ast.IfStmt) *js.If {
	out := &js.If{Loc: g.at(s.Pos), Cond: g.expr(s.Cond), Then: g.block(s.Then)}
	switch {
	case s.Else == nil:
	case s.Else.If != nil:
		out.Else = []js.Stmt{g.ifStmt(s.Else.If)}
	default:
		out.Else = g.block(s.Else.Block)
	}
	return out
}

// matchStmt is an if on the option, as a match expression is a
// conditional: if ((v = x) !== null) { [v = v[0];] some } else { none }.
func (g *gen) matchStmt(s *ast.MatchStmt) js.Stmt {
	loc := g.at(s.Pos)
	m := g.info.MatchStmts[s]
	x := g.expr(s.X)
	noneBody := g.block(m.None.Body)
	v := g.declare(m.Some.Bind)
	*g.hoisted = append(*g.hoisted, v)
	bind := func() js.Expr { return &js.Name{Loc: g.at(m.Some.Bind.Pos), Name: v} }
	someBody := g.block(m.Some.Body)
	if opt, ok := types.Unalias(g.info.TypeOf(s.X)).(*types.Option); ok && boxed(opt.Elem) {
		unbox := &js.ExprStmt{Loc: loc, X: &js.Assign{Target: bind(), Value: &js.Index{X: bind(), Index: &js.Lit{Text: "0"}}}}
		someBody = append([]js.Stmt{unbox}, someBody...)
	}
	test := &js.Binary{Loc: loc, Op: "!==", X: &js.Assign{Target: bind(), Value: x}, Y: &js.Lit{Text: "null"}}
	return &js.If{Loc: loc, Cond: test, Then: someBody, Else: noneBody}
}

// while generates a loop. A condition with match bindings is evaluated
// inside the body, after their declaration, so that each turn has its
// own: while (true) { let v; if (!cond) break; … }.
func (g *gen) while(s *ast.WhileStmt) js.Stmt {
	loc := g.at(s.Pos)
	saved := g.hoisted
	var hoisted []string
	g.hoisted = &hoisted
	cond := g.expr(s.Cond)
	g.hoisted = saved
	body := g.block(s.Body)
	if len(hoisted) == 0 {
		return &js.While{Loc: loc, Cond: cond, Body: body}
	}
	check := &js.If{Loc: loc, Cond: &js.Unary{Op: "!", X: cond}, Then: []js.Stmt{&js.Break{Loc: loc}}}
	return &js.While{Loc: loc, Cond: &js.Lit{Text: "true"},
		Body: append([]js.Stmt{g.letDecl(s.Pos, hoisted), check}, body...)}
}

// boxed reports whether an option of t holds some(x) as [x]: when x may
// be null itself (an option, or unit), as on the wire.
func boxed(t types.Type) bool {
	u := types.Unalias(t)
	_, opt := u.(*types.Option)
	return opt || u == types.Unit
}

// decoder returns the function that decodes a wire value of t.
func (g *gen) decoder(t types.Type) js.Expr {
	d := func(name string) js.Expr { return &js.Dot{X: rt("D"), Name: name} }
	var dec js.Expr
	key := g.keys.Of(t)
	if name, ok := g.decoders[key]; ok {
		return &js.Name{Name: name}
	}
	switch u := types.Unalias(t).(type) {
	case *types.Basic:
		switch u {
		case types.Int:
			return d("int")
		case types.Float:
			return d("float")
		}
		return d("id")
	case *types.Channel:
		return d("chan")
	case *types.List:
		dec = call(d("list"), g.decoder(u.Elem))
	case *types.Option:
		if boxed(u.Elem) {
			dec = call(d("boxedOpt"), g.decoder(u.Elem))
		} else {
			dec = call(d("opt"), g.decoder(u.Elem))
		}
	case *types.Record:
		fields := &js.Object{}
		for _, f := range u.Fields {
			fields.Props = append(fields.Props, js.Prop{Key: f.Name, Value: g.decoder(f.Type)})
		}
		dec = call(d("rec"), fields)
	default:
		return d("id")
	}
	name := "$d" + strconv.Itoa(len(g.decoders)+1)
	g.decoders[key] = name
	g.decoderDecls = append(g.decoderDecls, &js.Decl{Kind: "const", Binds: []js.Bind{{Name: name, Value: dec}}})
	return &js.Name{Name: name}
}

// isFuncCall reports whether c calls a function of the program by name.
func (g *gen) isFuncCall(c *ast.CallExpr) bool {
	id, ok := c.Fun.(*ast.Ident)
	return ok && g.isFunc(id)
}
