package codegen

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prog-lang/prog/pipeline"
)

// generate loads and generates program name from src.
func generate(t *testing.T, name, src string) *Output {
	t.Helper()
	u, errs := pipeline.Load(name+".prog", []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs.Err())
	}
	out, err := Generate(name, name+".prog", []byte(src), u)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The first build of a server records go build's plan; the next server
// with the same imports is built by it, into the binary go build makes
// of it (but for the build ID). A plan whose archives have left the Go
// build cache is not used: go build runs, and records a new plan.
func TestBuildByPlan(t *testing.T) {
	if testing.Short() {
		t.Skip("builds servers")
	}
	// A cache of prog's own, with the real Go build cache.
	gocache, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOCACHE", strings.TrimSpace(string(gocache)))
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	if d, err := os.UserCacheDir(); err != nil || d != cache {
		t.Skipf("the user cache folder is not XDG_CACHE_HOME (%s, %v)", d, err)
	}
	plans := filepath.Join(cache, "prog", "plan")
	bin := t.TempDir()
	// Programs go's build cache has not seen: it may hold the generated
	// package of a program built before, and then go build compiles
	// nothing and records no plan.
	nonce := time.Now().UnixNano()
	build := func(i int, want string) string {
		t.Helper()
		out := generate(t, "plan", fmt.Sprintf("client fun main() { log(\"%d %d\") }\n", nonce, i))
		exe := filepath.Join(bin, "plan"+string(rune('0'+i)))
		how, err := build(out, exe, nil)
		if err != nil {
			t.Fatal(err)
		}
		if how != want {
			t.Fatalf("build %d: made by %s, want %s", i, how, want)
		}
		return exe
	}
	planFile := func() (string, plan) {
		t.Helper()
		files, _ := filepath.Glob(filepath.Join(plans, "*.json"))
		if len(files) != 1 {
			t.Fatalf("plans %q, want one", files)
		}
		b, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		var p plan
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		return files[0], p
	}

	build(0, byGoBuild)
	_, p := planFile()
	replayed := build(1, byPlan)
	if out, err := exec.Command(replayed, "--help").CombinedOutput(); !strings.Contains(string(out), "-addr") {
		t.Errorf("the replayed server's --help: %v\n%s", err, out)
	}
	// The same program by go build.
	if err := os.RemoveAll(filepath.Join(cache, "prog")); err != nil {
		t.Fatal(err)
	}
	built := build(1, byGoBuild)
	ours, err1 := os.ReadFile(replayed)
	theirs, err2 := os.ReadFile(built)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	id := ""
	for _, a := range p.Link {
		if s, ok := strings.CutPrefix(a, "-buildid="); ok {
			id = s
		}
	}
	if id == "" || !sameBut(ours, theirs, []byte(id)) {
		t.Errorf("the binary built by the plan differs from go build's (build ID %q)", id)
	}

	// An archive gone from the cache.
	file, p := planFile()
	gone := p.archives()[0]
	p.Files["importcfg.link"] = strings.Replace(p.Files["importcfg.link"], "="+gone+"\n", "="+gone+".gone\n", 1)
	if !slices.Contains(p.archives(), gone+".gone") {
		t.Fatalf("archive %s not in importcfg.link", gone)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	build(2, byGoBuild)
	if _, p := planFile(); slices.Contains(p.archives(), gone+".gone") {
		t.Errorf("go build recorded no new plan")
	}
	build(3, byPlan)
}

func TestSplitCmd(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{`/go/pkg/tool/compile -o /w/b001/_pkg_.a -trimpath "/src dir=>m;/w/b001=>" -p main ./main.go`,
			[]string{"/go/pkg/tool/compile", "-o", "/w/b001/_pkg_.a", "-trimpath", "/src dir=>m;/w/b001=>", "-p", "main", "./main.go"}},
		{`link "" "a\"b" "\x00"`, []string{"link", "", `a"b`, "\x00"}},
		{`link`, []string{"link"}},
	} {
		got, err := splitCmd(c.in)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("splitCmd(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{`link "a`, `link "a"b`, `link `, `link  x`} {
		if got, err := splitCmd(in); err == nil {
			t.Errorf("splitCmd(%q) = %q, want an error", in, got)
		}
	}
}

func TestSameBut(t *testing.T) {
	for _, c := range []struct {
		a, b, id string
		same     bool
	}{
		{"xIDyIDz", "xABySTz", "ID", true},
		{"xIDyIDz", "xABySTw", "ID", false},
		{"xIDy", "wABy", "ID", false},
		{"xIDy", "xABy", "", false},
		{"xy", "xy", "ID", true},
		{"xy", "xyz", "ID", false},
	} {
		if got := sameBut([]byte(c.a), []byte(c.b), []byte(c.id)); got != c.same {
			t.Errorf("sameBut(%q, %q, %q) = %v", c.a, c.b, c.id, got)
		}
	}
}
