// Package pipeline runs the stages that turn a .prog file into facts the
// code generators read: it parses the file (package lang/syntax),
// resolves and checks it (package lang/check), translates its table
// statements to SQL (package query) and splits it into its
// server and client halves (package split).
//
// The driver lives above the stages it runs: each stage imports only
// earlier ones, and none imports this package. Load runs the stages in
// order and collects every error. The split runs
// on the declarations that parsed and checked clean (it leaves out those
// with errors), so a file reports its type errors and its where-code-runs
// errors in one run.
package pipeline

import (
	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/lang/check"
	"github.com/prog-lang/prog/lang/diag"
	"github.com/prog-lang/prog/lang/syntax"
	"github.com/prog-lang/prog/query"
	"github.com/prog-lang/prog/split"
)

// Unit is a loaded program: its tree, its declarations by kind, and its
// split. Split is nil when parsing or checking found an error: the split
// then covers only the declarations that checked clean, and Load reports
// its errors but does not return it.
type Unit struct {
	File    *ast.File
	Program *check.Program
	Split   *split.Result
	// Queries holds each table statement's SQL.
	Queries query.Plans
}

// Load parses, checks and splits one file. Its errors are sorted and
// de-duplicated here, once for all stages.
func Load(filename string, src []byte) (*Unit, diag.List) {
	file, errs := syntax.Parse(filename, src)
	prog, cerrs := check.Check(file)
	errs = append(errs, cerrs...)
	u := &Unit{File: file, Program: prog}
	var qerrs diag.List
	u.Queries, qerrs = query.Plan(prog)
	errs = append(errs, qerrs...)
	sp, serrs := split.Split(prog)
	if len(errs) == 0 {
		u.Split = sp
	}
	errs = append(errs, serrs...)
	errs.RemoveMultiples()
	return u, errs
}
