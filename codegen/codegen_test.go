package codegen_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/prog-lang/prog/codegen"
)

func TestBuildWithoutGo(t *testing.T) {
	out := gen(t, "hi", "hi.prog", []byte("client fun main() { log(\"hi\") }\n"))
	t.Setenv("PATH", t.TempDir())
	err := codegen.Build(out, filepath.Join(t.TempDir(), "hi"))
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
