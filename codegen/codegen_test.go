package codegen_test

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/prog-lang/prog/codegen"
)

func TestBuildWithoutGo(t *testing.T) {
	out := gen(t, "hi", "hi.prog", []byte("client fun main() { log(\"hi\") }\n"))
	t.Setenv("PATH", t.TempDir())
	err := codegen.Build(out, filepath.Join(t.TempDir(), "hi"), nil)
	if err == nil || !strings.Contains(err.Error(), "needs the Go toolchain") {
		t.Errorf("Build without go on PATH: %v", err)
	}
}

// The bundle of a program that uses few built-ins leaves the others out.
func TestBundleIsTreeShaken(t *testing.T) {
	out := gen(t, "hi", "hi.prog", []byte("page `<p id=\"t\"></p>`\nclient fun main() { text(\"t\", \"hi\") }\n"))
	js := string(out.Bundle)
	if strings.Contains(js, "replaceChildren") || strings.Contains(js, "keydown") {
		t.Errorf("unused built-ins (clear, onEnter) are in the bundle:\n%s", js)
	}
	if !strings.Contains(js, "textContent") {
		t.Errorf("text is missing from the bundle:\n%s", js)
	}
}

// Builds of one program may run at once, as test binaries do: each must
// succeed and give the same server.
func TestConcurrentBuilds(t *testing.T) {
	// A build cache of the test's own, so that the builds are not
	// cached yet; Go's own cache stays where it is.
	gocache, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOCACHE", strings.TrimSpace(string(gocache)))
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	out := gen(t, "same", "same.prog", []byte("client fun main() { log(\"same\") }\n"))
	dir := t.TempDir()
	errs := make(chan error, 3)
	for i := range 3 {
		go func() { errs <- codegen.Build(out, filepath.Join(dir, fmt.Sprint("same", i)), nil) }()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	first, err := os.ReadFile(filepath.Join(dir, "same0"))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 3; i++ {
		if b, err := os.ReadFile(filepath.Join(dir, fmt.Sprint("same", i))); err != nil || !bytes.Equal(b, first) {
			t.Errorf("build %d differs from build 0 (%v)", i, err)
		}
	}
}

// The build cache keys on the target: after a build for the host, a build
// of the same program for another GOARCH is a binary for that GOARCH
// (the cache once answered with the host's), and then the host's again.
func TestBuildCacheKeysOnTarget(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles a server")
	}
	other := map[string]string{"amd64": "arm64", "arm64": "amd64"}[goruntime.GOARCH]
	if goruntime.GOOS != "linux" || other == "" {
		t.Skip("checks ELF binaries of linux/amd64 and linux/arm64")
	}
	machine := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}
	out := gen(t, "target", "target.prog", []byte("client fun main() { log(\"target\") }\n"))
	dir := t.TempDir()
	for i, arch := range []string{goruntime.GOARCH, other, goruntime.GOARCH} {
		t.Setenv("GOARCH", arch)
		bin := filepath.Join(dir, fmt.Sprint("target", i))
		if err := codegen.Build(out, bin, nil); err != nil {
			t.Fatal(err)
		}
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		if f.Machine != machine[arch] {
			t.Errorf("build %d with GOARCH=%s made a binary for %v", i, arch, f.Machine)
		}
	}
}
