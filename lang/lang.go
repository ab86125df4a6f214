// Package lang is Prog's front end: it parses a .prog file (package
// syntax), resolves and checks it (package check) and splits it into its
// server and client halves (package split).
//
// Load runs the stages in order and collects every error. The split needs
// a well-typed program, so it runs only when parsing and checking found no
// error; a file with type errors reports those first.
package lang

import (
	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/lang/check"
	"github.com/prog-lang/prog/lang/diag"
	"github.com/prog-lang/prog/lang/syntax"
	"github.com/prog-lang/prog/split"
)

// Unit is a loaded program: its tree, its declarations by kind, and its
// split. Split is nil when earlier stages had errors.
type Unit struct {
	File    *ast.File
	Program *check.Program
	Split   *split.Result
}

// Load parses, checks and splits one file. Its errors are sorted and
// de-duplicated here, once for all stages.
func Load(filename string, src []byte) (*Unit, diag.List) {
	file, errs := syntax.Parse(filename, src)
	prog, cerrs := check.Check(file)
	errs = append(errs, cerrs...)
	u := &Unit{File: file, Program: prog}
	if len(errs) == 0 {
		var serrs diag.List
		u.Split, serrs = split.Split(prog)
		errs = append(errs, serrs...)
	}
	errs.RemoveMultiples()
	return u, errs
}
