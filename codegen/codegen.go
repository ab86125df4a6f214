// Package codegen turns a loaded program into its two halves (packages
// gosrv and jsclient) and builds the server binary: the generated Go goes
// into a module in the user's cache that requires this compiler's own
// runtime (a replace to its source), and `go build` makes one
// self-contained binary with the client bundle embedded.
package codegen

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"

	"github.com/prog-lang/prog/codegen/gosrv"
	"github.com/prog-lang/prog/codegen/jsclient"
	"github.com/prog-lang/prog/lang"
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
func Generate(name, filename string, src []byte, u *lang.Unit) (*Output, error) {
	goSrc, err := gosrv.Generate(name, u.Program, u.Split)
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
	gomod = fmt.Appendf(nil, "module %s\n\ngo 1.26\n\nrequire github.com/prog-lang/prog v0.0.0\n\nreplace github.com/prog-lang/prog => %q\n", ModulePath, root)
	gosum, err = os.ReadFile(filepath.Join(root, "go.sum"))
	return gomod, gosum, err
}

// Build writes the server binary for out to bin. Builds are cached by
// the hash of what they are built from, so a second build of the same
// program only copies the binary.
func Build(out *Output, bin string) error {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return errors.New("prog build needs the Go toolchain (https://go.dev/dl/), and no `go` command is on PATH")
	}
	gomod, gosum, err := Module()
	if err != nil {
		return err
	}
	root, _ := SourceRoot()
	files := map[string][]byte{
		"main.go": out.Go, "bundle.js": out.Bundle, "bundle.js.map": out.BundleMap,
		"go.mod": gomod, "go.sum": gosum,
	}
	h := sha256.New()
	for _, n := range []string{"main.go", "bundle.js", "bundle.js.map", "go.mod", "go.sum"} {
		h.Write([]byte(n))
		h.Write(files[n])
	}
	// The runtime's own source is part of what is built.
	if err := hashDir(h, filepath.Join(root, "runtime")); err != nil {
		return err
	}
	sum := hex.EncodeToString(h.Sum(nil))[:16]
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "prog", "build", out.Name+"-"+sum)
	cached := filepath.Join(dir, out.Name)
	if _, err := os.Stat(cached); err != nil {
		// Several builds of one program may run at once (test binaries
		// in parallel, say): each builds in a folder of its own, and the
		// binary is published by a rename, which is atomic.
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		work, err := os.MkdirTemp(dir, "build-")
		if err != nil {
			return err
		}
		for n, b := range files {
			if err := os.WriteFile(filepath.Join(work, n), b, 0o644); err != nil {
				return err
			}
		}
		cmd := exec.Command(gobin, "build", "-mod=mod", "-trimpath", "-o", out.Name, ".")
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build of the generated server failed (a compiler bug; the source is in %s):\n%s", work, msg)
		}
		if err := os.Rename(filepath.Join(work, out.Name), cached); err != nil {
			return err
		}
		os.RemoveAll(work)
	}
	return copyFile(cached, bin)
}

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
