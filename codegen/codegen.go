// Package codegen turns a loaded program into its two halves (packages
// gosrv and jsclient) and builds the server binary: the generated Go goes
// into a module in the user's cache that requires this compiler's own
// runtime (a replace to its source), and `go build` makes one
// self-contained binary with the client bundle embedded.
package codegen

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strings"
	"time"

	"github.com/prog-lang/prog/codegen/gosrv"
	"github.com/prog-lang/prog/codegen/jsclient"
	"github.com/prog-lang/prog/pipeline"
)

// Output is the generated source of a program.
type Output struct {
	Name      string
	Go        []byte // main.go
	JS        []byte // the client module before bundling
	Bundle    []byte // the minified bundle
	BundleMap []byte
}

// Generate generates both halves of a loaded, error-free unit.
func Generate(name, filename string, src []byte, u *pipeline.Unit) (*Output, error) {
	goSrc, err := gosrv.Generate(name, u.Program, u.Split, u.Queries)
	if err != nil {
		return nil, err
	}
	js := jsclient.Generate(filepath.Base(filename), src, u.Program, u.Split)
	bundle, sm, err := jsclient.Bundle(js, name)
	if err != nil {
		return nil, err
	}
	return &Output{Name: name, Go: goSrc, JS: js, Bundle: bundle, BundleMap: sm}, nil
}

// SourceRoot is the directory of the compiler's own module, whose runtime
// generated servers use.
func SourceRoot() (string, error) {
	_, file, _, ok := goruntime.Caller(0)
	if ok {
		root := filepath.Dir(filepath.Dir(file))
		if _, err := os.Stat(filepath.Join(root, "runtime", "program.go")); err == nil {
			return root, nil
		}
	}
	return "", errors.New("cannot find the compiler's source, which holds the runtime: build prog from a clone of its repository (go run ./cmd/prog, or go install ./cmd/prog without -trimpath)")
}

// module is this compiler's module, which holds the runtime.
const module = "github.com/prog-lang/prog"

// ModulePath is the module path of every generated server. It does not
// name the program: a file name may hold what a module path may not (a
// space, "é", or "con", which Windows reserves).
const ModulePath = "prog.generated/server"

// Module returns the go.mod and go.sum of a generated module: it requires
// this compiler's module, replaced by its source.
func Module() (gomod, gosum []byte, err error) {
	root, err := SourceRoot()
	if err != nil {
		return nil, nil, err
	}
	gomod = fmt.Appendf(nil, "module %s\n\ngo 1.26\n\nrequire %s v0.0.0\n\nreplace %s => %q\n", ModulePath, module, module, root)
	gosum, err = os.ReadFile(filepath.Join(root, "go.sum"))
	return gomod, gosum, err
}

// goBuild is the go command that builds a generated server, less -o.
// -v names each package as its compilation starts: Build watches for
// packages from outside this module (see buildLog). -v changes nothing
// in the binary; the other flags are part of the key of Build's cache.
// -ldflags=-s -w leaves out the symbol table and DWARF, as go run and go
// test leave out DWARF: writing them was a fifth of a warm build's link.
// Panics still print stacks that name .prog lines (the runtime's line
// table stays); only a Go debugger and go tool nm miss them.
// -buildvcs=false: the build folder is in the user's cache, which may
// be inside a repository that has nothing to do with the program.
var goBuild = []string{"build", "-v", "-mod=mod", "-trimpath", "-buildvcs=false", "-ldflags=-s -w"}

// goEnvKey are the go env variables that change what go build makes of
// the same source: the toolchain, the target and its variants, the
// experiments, and flags from the environment. Their values are part of
// the key of Build's cache.
var goEnvKey = []string{
	"GOVERSION", "GOROOT", "GOOS", "GOARCH", "GO386", "GOAMD64", "GOARM", "GOARM64",
	"GOMIPS", "GOMIPS64", "GOPPC64", "GORISCV64", "GOWASM", "GOEXPERIMENT", "GOFIPS140",
	"GOFLAGS", "CGO_ENABLED",
}

// How build made a binary.
const (
	fromCache = "cache"    // Build's cache had it
	byPlan    = "plan"     // the compiler and linker ran by a recorded plan
	byGoBuild = "go build" // go build ran
)

// Build writes the server binary for out to bin. Builds are cached by
// the hash of everything they are built from (the generated files, the
// runtime's source, the Go toolchain and target, the flags), so a second
// build of the same program only copies the binary. A new build runs the
// compiler and the linker by the plan go build followed for the last
// server with the same imports (see plan), or else go build. When the
// Go build cache lacks the standard library or the runtime's
// dependencies for the target, as on a machine's first build, the build
// takes a minute or more: Build says so on progress (when not nil) as
// that work starts.
func Build(out *Output, bin string, progress io.Writer) error {
	_, err := build(out, bin, progress)
	return err
}

// build is Build, and says how it made the binary.
func build(out *Output, bin string, progress io.Writer) (how string, err error) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return "", errors.New("prog build needs the Go toolchain (https://go.dev/dl/), and no `go` command is on PATH")
	}
	gomod, gosum, err := Module()
	if err != nil {
		return "", err
	}
	root, _ := SourceRoot()
	env := append(os.Environ(), "CGO_ENABLED=0")
	goenv, err := goEnv(gobin, root, env)
	if err != nil {
		return "", err
	}
	files := map[string][]byte{
		"main.go": out.Go, "bundle.js": out.Bundle, "bundle.js.map": out.BundleMap,
		"go.mod": gomod, "go.sum": gosum,
	}
	// What every server built here shares: the module, the toolchain and
	// target, the flags, and the runtime's own source and its go.mod,
	// which says which versions of its dependencies.
	shared := sha256.New()
	for _, n := range []string{"go.mod", "go.sum"} {
		shared.Write([]byte(n))
		shared.Write(files[n])
	}
	for _, k := range goEnvKey {
		fmt.Fprintf(shared, "%s=%q\n", k, goenv[k])
	}
	fmt.Fprintf(shared, "%q\n", goBuild)
	if err := hashDir(shared, filepath.Join(root, "runtime")); err != nil {
		return "", err
	}
	rootMod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", err
	}
	shared.Write(rootMod)
	sharedSum := shared.Sum(nil)
	h := sha256.New()
	h.Write(sharedSum)
	for _, n := range []string{"main.go", "bundle.js", "bundle.js.map"} {
		h.Write([]byte(n))
		h.Write(files[n])
	}
	sum := hex.EncodeToString(h.Sum(nil))[:16]
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	builds := filepath.Join(cache, "prog", "build")
	dir := filepath.Join(builds, out.Name+"-"+sum)
	cached := filepath.Join(dir, out.Name)
	how = fromCache
	if _, err := os.Stat(cached); err != nil {
		// Several builds of one program may run at once (test binaries
		// in parallel, say): each builds in a folder of its own, and the
		// binary is published by a rename, which is atomic.
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
		work, err := os.MkdirTemp(dir, "build-")
		if err != nil {
			return "", err
		}
		for n, b := range files {
			if err := os.WriteFile(filepath.Join(work, n), b, 0o644); err != nil {
				return "", err
			}
		}
		// The plan for servers with main.go's imports. (A main.go that
		// does not parse has no plan, and go build reports why.)
		planFile := ""
		ph := sha256.New()
		ph.Write(sharedSum)
		if planKey(ph, out.Go) == nil {
			planFile = filepath.Join(cache, "prog", "plan", hex.EncodeToString(ph.Sum(nil))[:16]+".json")
		}
		how, err = compile(out.Name, work, planFile, gobin, env, goenv, progress)
		if err != nil {
			return "", err
		}
		if err := os.Rename(filepath.Join(work, out.Name), cached); err != nil {
			return "", err
		}
		os.RemoveAll(work)
		defer pruneBuilds(builds, out.Name, time.Now())
	}
	now := time.Now()
	os.Chtimes(dir, now, now) // the last use, for pruneBuilds
	return how, copyFile(cached, bin)
}

// compile builds the server name from the generated module in work into
// work/name: by the plan in planFile if there is one and it works, or
// else by go build, whose plan it then records in planFile.
func compile(name, work, planFile, gobin string, env []string, goenv map[string]string, progress io.Writer) (how string, err error) {
	tenv := toolEnv(env, goenv)
	if p := loadPlan(planFile, time.Now()); p != nil {
		if obj, err := os.MkdirTemp(work, "_replay-"); err == nil {
			exe, err := p.replay(work, obj, tenv)
			if err == nil && os.Rename(exe, filepath.Join(work, name)) == nil {
				os.RemoveAll(obj)
				return byPlan, nil
			}
			os.RemoveAll(obj)
		}
	}
	log := &buildLog{progress: progress, note: fmt.Sprintf(
		"building %s: the first build for %s/%s compiles Go's standard library and the server's dependencies, a minute or more\n",
		name, goenv["GOOS"], goenv["GOARCH"])}
	graph := filepath.Join(work, "_actiongraph.json")
	record := []string{"-work", "-debug-actiongraph=" + graph}
	run := func() error {
		cmd := exec.Command(gobin, slices.Concat(goBuild, record, []string{"-o", name, "."})...)
		cmd.Dir = work
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = log, log
		return cmd.Run()
	}
	// go build -work keeps its work folder for recordPlan.
	defer func() {
		if log.work != "" {
			os.RemoveAll(log.work)
		}
	}()
	err = run()
	if err != nil && bytes.Contains(log.output(), []byte("flag provided but not defined: -debug-actiongraph")) {
		// A go command without this debugging flag: build without a plan.
		os.RemoveAll(log.work)
		log.out.Reset()
		log.work = ""
		record = nil
		err = run()
	}
	if err != nil {
		if log.compileErrors() {
			return "", fmt.Errorf("go build of the generated server failed (a compiler bug; the source is in %s):\n%s", work, log.output())
		}
		return "", fmt.Errorf("go build of the generated server failed (the source is in %s): %v\n%s", work, err, log.output())
	}
	if planFile != "" && record != nil && log.work != "" {
		if p, err := recordPlan(graph, work, filepath.Join(work, name), tenv); err == nil {
			savePlan(planFile, p)
		}
	}
	return byGoBuild, nil
}

// Builds kept in the cache: the last keepBuilds of each program, and any
// used within keepFor. A build is a whole server binary (15 MB or more),
// and each edit of a program makes a new one.
const (
	keepBuilds = 4
	keepFor    = time.Hour
	dropAfter  = 30 * 24 * time.Hour
)

// pruneBuilds removes from the build cache the builds of the program name
// but its keepBuilds last used, and builds of any program not used for
// dropAfter. A build used within keepFor stays whatever its rank: another
// process may be building into it or copying from it.
func pruneBuilds(builds, name string, now time.Time) {
	entries, err := os.ReadDir(builds)
	if err != nil {
		return
	}
	type build struct {
		path string
		used time.Time
	}
	var mine []build
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !e.IsDir() {
			continue
		}
		b := build{filepath.Join(builds, e.Name()), info.ModTime()}
		prog, _, ok := cutLast(e.Name(), "-")
		switch {
		case now.Sub(b.used) > dropAfter:
			os.RemoveAll(b.path)
		case ok && prog == name:
			mine = append(mine, b)
		}
	}
	slices.SortFunc(mine, func(a, b build) int { return b.used.Compare(a.used) })
	for i, b := range mine {
		if i >= keepBuilds && now.Sub(b.used) > keepFor {
			os.RemoveAll(b.path)
		}
	}
}

// cutLast is strings.Cut at the last sep.
func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// goEnv returns the go env variables as the go command in dir sees them
// with env. A variable of goEnvKey that go env does not list (the
// variant of another architecture) is "".
func goEnv(gobin, dir string, env []string) (map[string]string, error) {
	cmd := exec.Command(gobin, "env", "-json")
	cmd.Dir = dir
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go env failed (prog build needs Go 1.26 or newer): %v\n%s", err, stderr.Bytes())
	}
	vars := map[string]string{}
	if err := json.Unmarshal(b, &vars); err != nil {
		return nil, fmt.Errorf("go env -json: %v", err)
	}
	return vars, nil
}

// buildLog is the output of go build -v -work. It notes the work folder
// (the first line, WORK=folder), keeps everything but the
// names of packages for an error message, and writes note to progress
// when a package from outside this compiler's module starts compiling
// (or a module is downloaded): the standard library or a dependency is
// not in the Go build cache, so the build will be long. A warm build
// compiles only the generated package (and the runtime, when it has
// changed), and says nothing.
type buildLog struct {
	progress io.Writer
	note     string
	noted    bool
	out      bytes.Buffer // the output but package names
	line     []byte       // a line not yet ended
	work     string       // the work folder go build -work kept
}

func (l *buildLog) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			l.line = append(l.line, b...)
			break
		}
		l.line = append(l.line, b[:i+1]...)
		b = b[i+1:]
		l.take(string(l.line))
		l.line = l.line[:0]
	}
	return n, nil
}

func (l *buildLog) take(line string) {
	pkg := strings.TrimSuffix(line, "\n")
	if w, ok := strings.CutPrefix(pkg, "WORK="); ok {
		l.work = w
		return
	}
	if pkg == "" || strings.ContainsAny(pkg, " \t:#") {
		// Not a package name: an error, or go: downloading.
		if strings.HasPrefix(pkg, "go: downloading ") {
			l.say()
		}
		l.out.WriteString(line)
		return
	}
	if pkg != ModulePath && pkg != module && !strings.HasPrefix(pkg, module+"/") {
		l.say()
	}
}

func (l *buildLog) say() {
	if !l.noted && l.progress != nil {
		io.WriteString(l.progress, l.note)
	}
	l.noted = true
}

// compileErrors reports whether go build found errors in the generated
// package, where the compiler is to blame (and not the machine: a full
// disk, a module that cannot be downloaded).
func (l *buildLog) compileErrors() bool {
	return strings.Contains(l.out.String(), "# "+ModulePath+"\n")
}

func (l *buildLog) output() []byte { return append(l.out.Bytes(), l.line...) }

func hashDir(h interface{ Write([]byte) (int, error) }, dir string) error {
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		h.Write([]byte(p))
		h.Write(b)
		return nil
	})
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	tmp := to + ".tmp"
	if err := os.WriteFile(tmp, b, 0o755); err != nil {
		return err
	}
	return os.Rename(tmp, to)
}
