package codegen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A plan is how go build compiled and linked the generated package of a
// server, recorded from its action graph (go build -debug-actiongraph
// -work), so that the next server with the same imports is built by
// running the compiler and the linker directly. go build spends half a
// second of a warm build before it compiles anything: it loads the
// module graph and the 250 packages a server imports, and checks each
// against its cache. A plan skips that and gives the tools the same
// arguments, the same import configuration (the archives of the
// standard library and the runtime in the Go build cache, which are
// named by their content) and the same environment.
//
// A plan is kept only if replaying it made the very binary go build made
// (recordPlan), and is keyed by everything go build's choices depend on
// (the toolchain, the target, the flags, the runtime's source, the
// generated module and the imports of main.go: see Build). When its
// archives have left the Go build cache, or a tool fails, Build runs go
// build instead, which records a new plan.
type plan struct {
	Compile, Link []string          // the tool and its arguments
	Files         map[string]string // the files go build wrote to the package's object folder
}

// Placeholders for the two folders of a recorded build, in arguments and
// files: go build's work folder and the generated module. A NUL cannot
// be part of a path or an argument, so a placeholder is never a real
// part of either.
const (
	workHole = "\x00WORK\x00"
	srcHole  = "\x00SRC\x00"
)

// actionGraphEntry is the part of an action of go build's action graph
// that recordPlan reads.
type actionGraphEntry struct {
	Mode    string
	Package string
	Objdir  string
	Cmd     []string
}

// planKey adds to h what a plan depends on beyond the key's other parts:
// the imports and the embed directives of main.go.
func planKey(h io.Writer, mainGo []byte) error {
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", mainGo, parser.ImportsOnly)
	if err != nil {
		return err
	}
	var imports []string
	for _, imp := range f.Imports {
		imports = append(imports, imp.Path.Value)
	}
	slices.Sort(imports)
	fmt.Fprintf(h, "imports %q\n", imports)
	sc := bufio.NewScanner(bytes.NewReader(mainGo))
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "//go:embed ") {
			fmt.Fprintf(h, "%s\n", line)
		}
	}
	return nil
}

// recordPlan reads the plan of the go build that ran in src with the
// action graph graph and the work folder it kept, and replays it in src:
// if that makes the binary go build made (built), it returns the plan.
func recordPlan(graph, src, built string, env []string) (*plan, error) {
	b, err := os.ReadFile(graph)
	if err != nil {
		return nil, err
	}
	var actions []actionGraphEntry
	if err := json.Unmarshal(b, &actions); err != nil {
		return nil, err
	}
	var p plan
	var objdir string
	for _, a := range actions {
		if a.Package != ModulePath || len(a.Cmd) == 0 {
			continue
		}
		var dst *[]string
		switch a.Mode {
		case "build":
			dst = &p.Compile
		case "link":
			dst = &p.Link
		default:
			return nil, fmt.Errorf("unexpected action %q", a.Mode)
		}
		if len(a.Cmd) != 1 || *dst != nil || objdir != "" && a.Objdir != objdir {
			return nil, errors.New("unexpected commands")
		}
		objdir = a.Objdir
		if *dst, err = splitCmd(a.Cmd[0]); err != nil {
			return nil, err
		}
	}
	if p.Compile == nil || p.Link == nil {
		// The package came from go's cache, or go build changed.
		return nil, errors.New("no compile and link of the generated package")
	}
	if tool(p.Compile) != "compile" || tool(p.Link) != "link" {
		return nil, errors.New("unexpected tools")
	}
	work := filepath.Dir(filepath.Clean(objdir))
	if filepath.Base(objdir) != "b001" || !filepath.IsAbs(work) {
		return nil, fmt.Errorf("unexpected object folder %s", objdir)
	}
	holes := strings.NewReplacer(work, workHole, src, srcHole)
	for _, args := range [][]string{p.Compile, p.Link} {
		for i := 1; i < len(args); i++ {
			args[i] = holes.Replace(args[i])
		}
	}
	entries, err := os.ReadDir(objdir)
	if err != nil {
		return nil, err
	}
	p.Files = map[string]string{}
	for _, e := range entries {
		if e.Type().IsRegular() && e.Name() != "_pkg_.a" {
			b, err := os.ReadFile(filepath.Join(objdir, e.Name()))
			if err != nil {
				return nil, err
			}
			p.Files[e.Name()] = holes.Replace(string(b))
		}
	}
	// Replay it, and compare. go build gives the binary an ID of its
	// content after linking (go tool buildid -w): the binaries may
	// differ only there.
	scratch, err := os.MkdirTemp(src, "_replay-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(scratch)
	replayed, err := p.replay(src, scratch, env)
	if err != nil {
		return nil, err
	}
	ours, err := os.ReadFile(replayed)
	if err != nil {
		return nil, err
	}
	theirs, err := os.ReadFile(built)
	if err != nil {
		return nil, err
	}
	id := ""
	for _, a := range p.Link {
		if s, ok := strings.CutPrefix(a, "-buildid="); ok {
			id = s
		}
	}
	if !sameBut(ours, theirs, []byte(id)) {
		return nil, errors.New("the replayed binary differs from go build's")
	}
	return &p, nil
}

// tool is the name of the tool a command runs.
func tool(cmd []string) string {
	return strings.TrimSuffix(filepath.Base(cmd[0]), ".exe")
}

// splitCmd splits a command as go build prints it: arguments separated
// by spaces, each either bare or quoted by strconv.Quote
// (cmd/go/internal/work.joinUnambiguously).
func splitCmd(s string) ([]string, error) {
	var args []string
	for s != "" {
		var arg string
		if s[0] == '"' {
			q, err := strconv.QuotedPrefix(s)
			if err != nil {
				return nil, err
			}
			arg, _ = strconv.Unquote(q)
			s = s[len(q):]
		} else {
			i := strings.IndexByte(s, ' ')
			if i < 0 {
				i = len(s)
			}
			if i == 0 {
				return nil, errors.New("empty argument unquoted")
			}
			arg, s = s[:i], s[i:]
		}
		args = append(args, arg)
		if s != "" {
			if s[0] != ' ' || len(s) == 1 {
				return nil, fmt.Errorf("cannot split command at %q", s)
			}
			s = s[1:]
		}
	}
	return args, nil
}

// sameBut reports whether a and b are the same but where a holds id.
func sameBut(a, b, id []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for len(id) > 0 {
		i := bytes.Index(a, id)
		if i < 0 {
			break
		}
		if !bytes.Equal(a[:i], b[:i]) {
			return false
		}
		a, b = a[i+len(id):], b[i+len(id):]
	}
	return bytes.Equal(a, b)
}

// archives are the archives in the Go build cache a plan names.
func (p *plan) archives() []string {
	var files []string
	for _, name := range []string{"importcfg", "importcfg.link"} {
		for line := range strings.Lines(p.Files[name]) {
			if ref, ok := strings.CutPrefix(line, "packagefile "); ok {
				_, file, _ := strings.Cut(strings.TrimSuffix(ref, "\n"), "=")
				if !strings.Contains(file, workHole) {
					files = append(files, file)
				}
			}
		}
	}
	return files
}

// ready reports whether the archives of p are still in the Go build
// cache. It marks them used as go build does, so that go's trimming of
// its cache (of files unused for five days) leaves them while servers
// are built from the plan.
func (p *plan) ready(now time.Time) bool {
	for _, f := range p.archives() {
		info, err := os.Stat(f)
		if err != nil || !info.Mode().IsRegular() {
			return false
		}
		if now.Sub(info.ModTime()) > time.Hour {
			os.Chtimes(f, now, now)
		}
	}
	return true
}

// replay compiles and links the generated package in src by p, with the
// environment of go build's tools and work as go build's work folder, and
// returns the binary's path.
func (p *plan) replay(src, work string, env []string) (string, error) {
	objdir := filepath.Join(work, "b001")
	if err := os.MkdirAll(filepath.Join(objdir, "exe"), 0o755); err != nil {
		return "", err
	}
	fill := strings.NewReplacer(workHole, work, srcHole, src)
	for name, content := range p.Files {
		if err := os.WriteFile(filepath.Join(objdir, name), []byte(fill.Replace(content)), 0o644); err != nil {
			return "", err
		}
	}
	out := ""
	for _, cmd := range [][]string{p.Compile, p.Link} {
		args := make([]string, len(cmd))
		for i, a := range cmd {
			args[i] = fill.Replace(a)
		}
		c := exec.Command(args[0], args[1:]...)
		c.Dir = src
		c.Env = env
		if tool(cmd) == "link" {
			// go build -trimpath links with GOROOT empty, so that the
			// binary does not hold the toolchain's path.
			c.Env = append(slices.Clip(env), "GOROOT=")
			for i, a := range args {
				if a == "-o" && i+1 < len(args) {
					out = args[i+1]
				}
			}
		}
		if b, err := c.CombinedOutput(); err != nil {
			return "", fmt.Errorf("%s: %v\n%s", tool(cmd), err, b)
		}
	}
	if out == "" {
		return "", errors.New("the link names no output")
	}
	return out, nil
}

// toolEnv is the environment go build gives the compiler and the linker:
// its own, with every go env variable set as go env reports it.
func toolEnv(env []string, goenv map[string]string) []string {
	env = slices.Clone(env)
	keys := make([]string, 0, len(goenv))
	for k := range goenv {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		env = append(env, k+"="+goenv[k])
	}
	return env
}

// loadPlan reads the plan in file, if there is one and its archives are
// still in the Go build cache, and marks it used.
func loadPlan(file string, now time.Time) *plan {
	if file == "" {
		return nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	var p plan
	if json.Unmarshal(b, &p) != nil || len(p.Compile) == 0 || len(p.Link) == 0 || !p.ready(now) {
		return nil
	}
	os.Chtimes(file, now, now) // the last use, for savePlan's pruning
	return &p
}

// savePlan writes p to file, and removes the plans beside it not used
// for dropAfter (those of older runtimes and toolchains).
func savePlan(file string, p *plan) {
	b, err := json.Marshal(p)
	if err != nil {
		return
	}
	dir := filepath.Dir(file)
	if os.MkdirAll(dir, 0o755) != nil {
		return
	}
	tmp, err := os.CreateTemp(dir, "plan-*.tmp")
	if err != nil {
		return
	}
	_, err = tmp.Write(b)
	if err := errors.Join(err, tmp.Close()); err != nil || os.Rename(tmp.Name(), file) != nil {
		os.Remove(tmp.Name())
		return
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > dropAfter {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
