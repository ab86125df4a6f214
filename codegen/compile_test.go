package codegen_test

import (
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prog-lang/prog/codegen"
	"github.com/prog-lang/prog/pipeline"
)

// TestCleanChecksCompile generates every program of testdata/check that
// checks clean (a chunk with no expected error) and every example, and
// type-checks all of their servers in one go vet: generated Go must never
// fail to compile. The programs of docs/UI.md are among them.
func TestCleanChecksCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	var progs []string
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "check", "*.prog"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, chunk := range regexp.MustCompile(`(?m)^---$`).Split(string(b), -1) {
			if !strings.Contains(chunk, "###") {
				progs = append(progs, chunk)
			}
		}
	}
	for _, dir := range []string{"examples", "golden", "e2e"} {
		files, _ := filepath.Glob(filepath.Join("..", "testdata", dir, "*.prog"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			progs = append(progs, string(b))
		}
	}
	// The programs of the UI guide are complete, and must stay so.
	guide, err := os.ReadFile(filepath.Join("..", "docs", "UI.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```prog\n(.*?)```").FindAllStringSubmatch(string(guide), -1)
	if len(blocks) < 5 {
		t.Fatalf("docs/UI.md has %d programs, want 5 or more", len(blocks))
	}
	for _, b := range blocks {
		if _, errs := pipeline.Load("guide.prog", []byte(b[1])); len(errs) > 0 {
			t.Errorf("a program of docs/UI.md does not check: %v\n%s", errs.Err(), b[1])
			continue
		}
		progs = append(progs, b[1])
	}
	mod := t.TempDir()
	gomod, gosum, err := codegen.Module()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(mod, "go.mod"), gomod, 0o644)
	os.WriteFile(filepath.Join(mod, "go.sum"), gosum, 0o644)
	n := 0
	for i, src := range progs {
		if _, errs := pipeline.Load("p.prog", []byte(src)); len(errs) > 0 {
			continue // a chunk that is clean only in part (errors without ###)
		}
		n++
		out := gen(t, "p", "p.prog", []byte(src))
		dir := filepath.Join(mod, fmt.Sprintf("p%03d", i))
		os.Mkdir(dir, 0o755)
		for name, b := range map[string][]byte{"main.go": out.Go, "bundle.js": out.Bundle, "bundle.js.map": out.BundleMap} {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d clean programs found", n)
	}
	cmd := exec.Command("go", "vet", "./...")
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generated servers do not compile:\n%s", msg)
	}
	typeCheck32(t, mod)
	t.Logf("%d programs compiled", n)
}

// typeCheck32 type-checks the generated main.go of each package of module
// mod as for a 32-bit target (linux/386), whose int has 32 bits: a server
// must build for every target Go has. The imports are read from the
// export data of this machine's build, which declares the same API.
func typeCheck32(t *testing.T, mod string) {
	fset := token.NewFileSet()
	var files []*ast.File
	imports := map[string]bool{}
	dirs, _ := filepath.Glob(filepath.Join(mod, "p*"))
	for _, dir := range dirs {
		f, err := parser.ParseFile(fset, filepath.Join(dir, "main.go"), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
		for _, imp := range f.Imports {
			imports[strings.Trim(imp.Path.Value, `"`)] = true
		}
	}
	args := []string{"list", "-mod=mod", "-export", "-f", "{{.ImportPath}}={{.Export}}"}
	cmd := exec.Command("go", append(args, slices.Sorted(maps.Keys(imports))...)...)
	cmd.Dir = mod
	cmd.Stderr = os.Stderr
	list, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	export := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(list)), "\n") {
		path, file, _ := strings.Cut(l, "=")
		export[path] = file
	}
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) { return os.Open(export[path]) })
	for _, f := range files {
		var errs []string
		conf := types.Config{Importer: imp, Sizes: types.SizesFor("gc", "386"), Error: func(err error) { errs = append(errs, err.Error()) }}
		conf.Check("main", fset, []*ast.File{f}, nil)
		if len(errs) > 0 {
			t.Errorf("%s does not compile for linux/386:\n%s", fset.File(f.Pos()).Name(), strings.Join(errs, "\n"))
		}
	}
}
