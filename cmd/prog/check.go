package main

import (
	"sort"

	"github.com/prog-lang/prog/query"

	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/prog-lang/prog/lang/diag"
	"github.com/prog-lang/prog/pipeline"
	"github.com/prog-lang/prog/split"
)

func newCheck() *cobra.Command {
	var explain, asJSON bool
	cmd := &cobra.Command{
		Use:   "check FILE...",
		Short: "Parse, type-check and split programs, and report every error",
		Long: `Check parses, type-checks and splits each file and prints every error as
file:line:col: message. On a terminal each error also shows its source line
with a caret under the column.

With --explain it prints where each function runs (server, client or both)
and every remote call from the client to the server. With --json the
output is one JSON object: {"errors": [{"file", "line", "col", "message"}]},
plus "functions" and "remote" with --explain.`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, files []string) error {
			return runCheck(cmd.OutOrStdout(), cmd.ErrOrStderr(), files, explain, asJSON)
		},
	}
	cmd.Flags().BoolVar(&explain, "explain", false, "print each function's location and the remote calls")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON (for editors)")
	return cmd
}

func runCheck(stdout, stderr io.Writer, files []string, explain, asJSON bool) error {
	sources := map[string][]byte{}
	var all diag.List
	report := jsonReport{Errors: []jsonDiag{}}
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		sources[name] = src
		unit, errs := pipeline.Load(name, src)
		all = append(all, errs...)
		if !explain || unit.Split == nil {
			continue
		}
		if asJSON {
			report.add(name, unit.Split)
		} else {
			printExplain(stdout, name, unit.Split, len(files) > 1)
			printQueries(stdout, unit.Queries)
		}
	}
	if asJSON {
		for _, e := range all {
			report.Errors = append(report.Errors, jsonDiag{e.Pos.Filename, e.Pos.Line, e.Pos.Column, e.Msg})
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(report); err != nil {
			return err
		}
	} else {
		var source func(string) []byte
		if isTerminal(stderr) {
			source = func(f string) []byte { return sources[f] }
		}
		all.Print(stderr, source)
	}
	if len(all) > 0 {
		return errReported
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// printExplain prints the split of one file.
func printExplain(w io.Writer, name string, res *split.Result, header bool) {
	if header {
		fmt.Fprintf(w, "%s:\n", name)
	}
	width := 0
	for _, f := range res.Funcs {
		width = max(width, len(f.Name))
	}
	fmt.Fprintln(w, "functions:")
	for _, f := range res.Funcs {
		line := fmt.Sprintf("  %-*s  %s", width, f.Name, f.Loc)
		switch {
		case f.Fixed:
			line += "  (declared)"
		case f.Why != "":
			line += "  (" + f.Why + ")"
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	fmt.Fprintln(w, "remote calls:")
	if len(res.Remote) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, r := range res.Remote {
		fmt.Fprintf(w, "  %s → %s  at %s\n", r.Caller.Name, r.Callee.Name.Name, diag.LineCol(r.Pos))
	}
}

type jsonDiag struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Message string `json:"message"`
}

type jsonFunc struct {
	File     string `json:"file"`
	Name     string `json:"name"`
	Location string `json:"location"`
	Declared bool   `json:"declared"`
	Why      string `json:"why,omitempty"`
}

type jsonRemote struct {
	File   string `json:"file"`
	Caller string `json:"caller"`
	Callee string `json:"callee"`
	Line   int    `json:"line"`
	Col    int    `json:"col"`
}

type jsonReport struct {
	Errors    []jsonDiag   `json:"errors"`
	Functions []jsonFunc   `json:"functions,omitempty"`
	Remote    []jsonRemote `json:"remote,omitempty"`
}

func (r *jsonReport) add(file string, res *split.Result) {
	for _, f := range res.Funcs {
		r.Functions = append(r.Functions, jsonFunc{file, f.Name, f.Loc.String(), f.Fixed, f.Why})
	}
	for _, c := range res.Remote {
		r.Remote = append(r.Remote, jsonRemote{file, c.Caller.Name, c.Callee.Name.Name, c.Pos.Line, c.Pos.Column})
	}
}

// printQueries prints the SQL of each table statement, in source order.
func printQueries(w io.Writer, plans query.Plans) {
	type at struct {
		pos diag.Pos
		s   *query.Statement
	}
	var all []at
	for n, s := range plans {
		all = append(all, at{n.Position(), s})
	}
	if len(all) == 0 {
		return
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i].pos, all[j].pos
		return a.Line < b.Line || a.Line == b.Line && a.Column < b.Column
	})
	fmt.Fprintln(w, "table statements:")
	for _, q := range all {
		fmt.Fprintf(w, "  at %s\n    sqlite:   %s\n    postgres: %s\n", diag.LineCol(q.pos), q.s.SQL[query.SQLite], q.s.SQL[query.Postgres])
	}
}
