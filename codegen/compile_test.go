package codegen_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prog-lang/prog/codegen"
	"github.com/prog-lang/prog/lang"
)

// TestCleanChecksCompile generates every program of testdata/check that
// checks clean (a chunk with no expected error) and every example, and
// type-checks all of their servers in one go vet: generated Go must never
// fail to compile.
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
	mod := t.TempDir()
	gomod, gosum, err := codegen.Module()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(mod, "go.mod"), gomod, 0o644)
	os.WriteFile(filepath.Join(mod, "go.sum"), gosum, 0o644)
	n := 0
	for i, src := range progs {
		if _, errs := lang.Load("p.prog", []byte(src)); len(errs) > 0 {
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
	t.Logf("%d programs compiled", n)
}

// A Go build error and a panic's stack in a generated server name the
// .prog line the Go came from, and main.go's own line for the
// generator's code. chat's generated Go is broken on purpose in post
// (chat.prog:17) and in scan_subscribers, then built whole with a
// second file that calls post with no call context: a nil dereference
// inside the runtime.
func TestGoErrorsNameProgLines(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	file := filepath.Join("..", "testdata", "golden", "chat.prog")
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	out := gen(t, "chat", file, src)
	mod := t.TempDir()
	gomod, gosum, err := codegen.Module()
	if err != nil {
		t.Fatal(err)
	}
	panicGo := "package main\n\nimport \"os\"\n\nfunc init() {\n\tif len(os.Args) > 1 && os.Args[1] == \"panic\" {\n\t\tpost(nil, \"hi\")\n\t}\n}\n"
	files := map[string][]byte{"go.mod": gomod, "go.sum": gosum, "bundle.js": out.Bundle, "bundle.js.map": out.BundleMap, "panic.go": []byte(panicGo)}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(mod, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	goBuild := func(mainGo string) ([]byte, error) {
		if err := os.WriteFile(filepath.Join(mod, "main.go"), []byte(mainGo), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("go", "build", "-mod=mod", "-trimpath", "-o", "chat", ".")
		cmd.Dir = mod
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		return cmd.CombinedOutput()
	}

	good := string(out.Go)
	send, scan := "rt.Send(ctx, s.Ch, text)", "q.Scan(&id, &r.Who, &r.Ch)"
	if !strings.Contains(good, send) || !strings.Contains(good, scan) {
		t.Fatalf("chat's Go has no %s or no %s:\n%s", send, scan, good)
	}
	broken := strings.Replace(good, send, "rt.Send(ctx, s.Ch, nope)", 1)
	broken = strings.Replace(broken, scan, "q.Scan(&id, &r.Who, &r.Ch, nope2)", 1)
	scanLine := 1 + strings.Count(broken[:strings.Index(broken, "nope2")], "\n")
	msg, err := goBuild(broken)
	if err == nil {
		t.Fatal("broken Go built")
	}
	for _, want := range []string{"chat.prog:17: undefined: nope\n", fmt.Sprintf("main.go:%d: undefined: nope2\n", scanLine)} {
		if !strings.Contains(string(msg), want) {
			t.Errorf("go build said\n%s\nwant a line %q", msg, want)
		}
	}

	if msg, err := goBuild(good); err != nil {
		t.Fatalf("go build: %v\n%s", err, msg)
	}
	msg, err = exec.Command(filepath.Join(mod, "chat"), "panic").CombinedOutput()
	if err == nil || !regexp.MustCompile(`(?m)^main\.post\(.*\)\n\t(.*/)?chat\.prog:17 `).Match(msg) {
		t.Errorf("chat panic: %v, and the stack does not name chat.prog:17 for post:\n%s", err, msg)
	}
}
