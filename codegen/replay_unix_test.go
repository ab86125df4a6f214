//go:build unix

package codegen

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A go command without -debug-actiongraph (a later Go may drop a
// debugging flag) still builds servers, without plans.
func TestBuildWithoutActionGraph(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a server")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	gocache, err := exec.Command(gobin, "env", "GOCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOCACHE", strings.TrimSpace(string(gocache)))
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	bin := t.TempDir()
	script := fmt.Sprintf(`#!/bin/sh
for a in "$@"; do
	case "$a" in -debug-actiongraph*)
		echo "flag provided but not defined: -debug-actiongraph" >&2
		exit 2
	esac
done
exec %q "$@"
`, gobin)
	if err := os.WriteFile(filepath.Join(bin, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	out := generate(t, "noplan", fmt.Sprintf("client fun main() { log(\"%d\") }\n", time.Now().UnixNano()))
	how, err := build(out, filepath.Join(bin, "noplan"), nil)
	if err != nil || how != byGoBuild {
		t.Fatalf("build: made by %q, %v", how, err)
	}
	if plans, _ := filepath.Glob(filepath.Join(cache, "prog", "plan", "*")); len(plans) > 0 {
		t.Errorf("plans %q, want none", plans)
	}
}
