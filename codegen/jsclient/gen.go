// Package jsclient generates the client half of a program: JavaScript for
// every client and both function, as an ES module that imports the client
// runtime (runtime/client/prog.js) as "prog:runtime". Bundle turns it into
// one minified file with esbuild.
//
// Values: int is a BigInt (exact signed 64-bit; arithmetic goes through
// the runtime, which fails on overflow as the server does), float a
// number, option<T> null or the value, a record an object, a list an
// array, a client its number, a channel {ch, owner}. Functions that wait
// (recv, sleep, remote calls, calls through function values, and calls of
// functions that wait) are async, and their calls are awaited.
package jsclient

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/lang/check"
	"github.com/prog-lang/prog/lang/types"
	"github.com/prog-lang/prog/split"
	"github.com/prog-lang/prog/stdlib"
)

// Generate returns the client module of a program, with a source map
// (inline, which esbuild reads) whose source is the .prog file.
func Generate(filename string, src []byte, prog *check.Program, sp *split.Result) []byte {
	g := &gen{prog: prog, loc: map[*ast.FuncDecl]stdlib.Location{}, async: map[*ast.FuncDecl]bool{},
		names: map[*ast.Object]string{}, decoders: map[string]string{}}
	var client []*ast.FuncDecl
	for _, f := range sp.Funcs {
		if d, ok := f.Node.(*ast.FuncDecl); ok {
			g.loc[d] = f.Loc
			if f.Loc != stdlib.Server {
				client = append(client, d)
			}
		}
	}
	g.findAsync(client)
	g.line("import * as $ from \"prog:runtime\";", ast.Pos{})
	for _, d := range client {
		g.funcDecl(d)
	}
	if prog.Main != nil {
		g.line("$.start("+fnName(prog.Main.Name.Name)+");", prog.Main.Pos)
	}
	// Decoders go right after the import: functions refer to them.
	var head []string
	var headPos []ast.Pos
	for i, d := range g.decoderOrder {
		head = append(head, "const d_"+strconv.Itoa(i+1)+" = "+d+";")
		headPos = append(headPos, ast.Pos{})
	}
	g.lines = append(g.lines[:1], append(head, g.lines[1:]...)...)
	g.pos = append(g.pos[:1], append(headPos, g.pos[1:]...)...)
	return g.finish(filename, src)
}

type gen struct {
	prog     *check.Program
	loc      map[*ast.FuncDecl]stdlib.Location
	async    map[*ast.FuncDecl]bool
	names    map[*ast.Object]string
	decoders map[string]string // decoder expression → its const name
	// decoderOrder lists decoder expressions as made; each refers only
	// to earlier ones.
	decoderOrder []string
	temps        int
	hoist        []string // match temporaries of the function being generated
	indent       int
	lines        []string
	pos          []ast.Pos // the .prog position of each line
}

func (g *gen) line(s string, pos ast.Pos) {
	g.lines = append(g.lines, strings.Repeat("  ", g.indent)+s)
	g.pos = append(g.pos, pos)
}

// jsReserved are names a Prog identifier may not keep in JavaScript.
var jsReserved = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`break case catch class const continue debugger default delete do else enum
		export extends false finally for function if import in instanceof new null return super switch this
		throw true try typeof var void while with yield let static implements interface package private
		protected public await async arguments eval undefined NaN Infinity globalThis window document`) {
		jsReserved[w] = true
	}
}

func fnName(name string) string { return "f_" + name }

func (g *gen) local(id *ast.Ident) string {
	if n, ok := g.names[id.Obj]; ok {
		return n
	}
	n := id.Name
	if jsReserved[n] || strings.HasPrefix(n, "f_") || strings.HasPrefix(n, "d_") || n == "$" {
		n += "_"
	}
	g.names[id.Obj] = n
	return n
}

// waits reports whether code directly waits: recv, sleep, a remote call,
// a call through a function value, or a call of a function in async.
func (g *gen) waits(n ast.Node) bool {
	found := false
	ast.Inspect(n, func(m ast.Node) bool {
		if found {
			return false
		}
		if _, ok := m.(*ast.FuncLit); ok && m != n {
			return false // a lambda waits on its own
		}
		if id, ok := m.(*ast.Ident); ok && id.Obj != nil && id.Obj.Kind == ast.FuncObj && g.loc[id.Obj.Func] == stdlib.Server {
			found = true // a remote call, or a stub that makes one
		}
		c, ok := m.(*ast.CallExpr)
		if !ok {
			return true
		}
		switch {
		case c.Builtin != nil:
			found = c.Builtin.Name == "recv" || c.Builtin.Name == "sleep"
		default:
			id, ok := c.Fun.(*ast.Ident)
			found = !ok || id.Obj.Kind != ast.FuncObj || g.async[id.Obj.Func]
		}
		return !found
	})
	return found
}

func (g *gen) findAsync(fs []*ast.FuncDecl) {
	for changed := true; changed; {
		changed = false
		for _, d := range fs {
			if !g.async[d] && g.waits(d) {
				g.async[d] = true
				changed = true
			}
		}
	}
}

func (g *gen) funcDecl(d *ast.FuncDecl) {
	var ps []string
	for _, p := range d.Params {
		ps = append(ps, g.local(p.Name))
	}
	kw := "function"
	if g.async[d] {
		kw = "async function"
	}
	g.body(fmt.Sprintf("%s %s(%s) {", kw, fnName(d.Name.Name), strings.Join(ps, ", ")), d.Pos, d.Body)
}

// body writes header, the block, and }, with the function's match
// temporaries declared first.
func (g *gen) body(header string, pos ast.Pos, b *ast.Block) {
	savedHoist := g.hoist
	g.hoist = nil
	g.line(header, pos)
	start := len(g.lines)
	g.indent++
	g.stmts(b)
	if len(g.hoist) > 0 {
		decl := strings.Repeat("  ", g.indent) + "let " + strings.Join(g.hoist, ", ") + ";"
		g.lines = append(g.lines[:start], append([]string{decl}, g.lines[start:]...)...)
		g.pos = append(g.pos[:start], append([]ast.Pos{pos}, g.pos[start:]...)...)
	}
	g.indent--
	g.line("}", pos)
	g.hoist = savedHoist
}

func (g *gen) stmts(b *ast.Block) {
	for _, s := range b.Stmts {
		g.stmt(s)
	}
}

func (g *gen) block(header string, pos ast.Pos, b *ast.Block, footer string) {
	g.line(header, pos)
	g.indent++
	g.stmts(b)
	g.indent--
	if footer != "" {
		g.line(footer, pos)
	}
}

func (g *gen) stmt(s ast.Stmt) {
	pos := s.Position()
	switch s := s.(type) {
	case *ast.LetStmt:
		g.line("const "+g.local(s.Name)+" = "+g.expr(s.Value)+";", pos)
	case *ast.VarStmt:
		g.line("let "+g.local(s.Name)+" = "+g.expr(s.Value)+";", pos)
	case *ast.ExprStmt:
		if s.Value != nil {
			g.line(g.expr(s.X)+" = "+g.expr(s.Value)+";", pos)
		} else {
			g.line(g.expr(s.X)+";", pos)
		}
	case *ast.IfStmt:
		g.ifStmt(s, "if")
	case *ast.WhileStmt:
		g.block("while ("+g.expr(s.Cond)+") {", pos, s.Body, "}")
	case *ast.ForStmt:
		g.block("for (const "+g.local(s.Var)+" of "+g.expr(s.Seq)+") {", pos, s.Body, "}")
	case *ast.ReturnStmt:
		if s.Value == nil {
			g.line("return;", pos)
		} else {
			g.line("return "+g.expr(s.Value)+";", pos)
		}
	case *ast.SpawnStmt:
		g.line("$.spawn(async () => "+g.expr(s.Call)+");", pos)
	default:
		g.line(fmt.Sprintf("throw new Error(%q);", "server statement on the client"), pos)
	}
}

func (g *gen) ifStmt(s *ast.IfStmt, kw string) {
	g.block(kw+" ("+g.expr(s.Cond)+") {", s.Pos, s.Then, "")
	switch {
	case s.Else == nil:
		g.line("}", s.Pos)
	case s.Else.If != nil:
		g.ifStmt(s.Else.If, "} else if")
	default:
		g.block("} else {", s.Pos, s.Else.Block, "}")
	}
}

// decoder returns a JavaScript expression that decodes a wire value of t.
func (g *gen) decoder(t types.Type) string {
	var d string
	switch u := types.Unalias(t).(type) {
	case *types.Basic:
		switch u {
		case types.Int:
			return "$.D.int"
		case types.Float:
			return "$.D.float"
		}
		return "$.D.id"
	case *types.List:
		d = "$.D.list(" + g.decoder(u.Elem) + ")"
	case *types.Option:
		d = "$.D.opt(" + g.decoder(u.Elem) + ")"
	case *types.Channel:
		return "$.D.chan"
	case *types.Record:
		var fs []string
		for _, f := range u.Fields {
			fs = append(fs, f.Name+": "+g.decoder(f.Type))
		}
		d = "$.D.rec({" + strings.Join(fs, ", ") + "})"
	default:
		return "$.D.id"
	}
	name, ok := g.decoders[d]
	if !ok {
		name = "d_" + strconv.Itoa(len(g.decoders)+1)
		g.decoders[d] = name
		g.decoderOrder = append(g.decoderOrder, d)
	}
	return name
}
