package codegen_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/prog-lang/prog/internal/progfuzz"
	"github.com/prog-lang/prog/pipeline"
)

// The differential tester (issue 13): random well-typed programs of
// functions with no side (package progfuzz), run on each half as users
// get them: the server half in the built binary, through the wire
// protocol; the client half in headless Chromium. Each program's result
// is its text, or a runtime error; the halves must agree on which, and on
// the text. Error messages are not compared: they are written by two
// runtimes, and only the fact of the error is the language's.
//
// `make test` runs a fixed corpus of seeds and the programs in
// testdata/difftest (each once made the halves disagree); `make difftest`
// runs new seeds for DIFFTIME.

var (
	diffTime  = flag.Duration("difftest.time", 0, "run the differential tester on new seeds for this long")
	diffSeed  = flag.Uint64("difftest.seed", 1000, "the first seed the differential tester tries")
	diffBatch = flag.Int("difftest.batch", 250, "programs per build")
	diffOut   = flag.String("difftest.out", filepath.Join(os.TempDir(), "prog-difftest"), "where the differential tester writes the programs on which the halves disagree")
)

// diffConfig is what the generator writes: everything, now that the
// server half computes floats at run time and no name of a program meets
// one of the generated code's.
var diffConfig = progfuzz.Config{FloatConstants: true, FloatMod: true, OddNames: true, UnusedBindings: true}

// corpusSeeds are the seeds make test runs.
const corpusSeeds = 250

func TestHalvesAgreeOnGeneratedPrograms(t *testing.T) {
	var ps []*progfuzz.Program
	known := map[string]string{}
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "difftest", "*.prog"))
	for _, f := range files {
		p, reason := corpusEntry(t, f)
		if reason != "" {
			known[p.Main] = reason
		}
		ps = append(ps, p)
	}
	for seed := range uint64(corpusSeeds) {
		ps = append(ps, progfuzz.Generate(seed, fmt.Sprintf("p%d_", seed), diffConfig))
	}
	tab := diffTab(t)
	bad := runBatch(t, tab, "diffcorpus", ps)
	for _, d := range bad {
		if reason := known[d.p.Main]; reason != "" {
			t.Logf("known disagreement (%s): %s", reason, d)
			continue
		}
		t.Errorf("%s\n%s", d, d.p.Source)
	}
}

// TestDifftest runs new seeds for -difftest.time (make difftest).
func TestDifftest(t *testing.T) {
	if *diffTime == 0 {
		t.Skip("make difftest runs it, with -difftest.time")
	}
	tab := diffTab(t)
	start := time.Now()
	seed, programs, builds, found := *diffSeed, 0, 0, 0
	for time.Since(start) < *diffTime {
		var ps []*progfuzz.Program
		for range *diffBatch {
			ps = append(ps, progfuzz.Generate(seed, fmt.Sprintf("p%d_", seed), diffConfig))
			seed++
		}
		name := fmt.Sprintf("diff%d", ps[0].Seed)
		// If the batch does not build, the test stops: its source stays.
		os.MkdirAll(*diffOut, 0o755)
		os.WriteFile(filepath.Join(*diffOut, "batch.prog"), []byte(progfuzz.Batch(ps)), 0o644)
		bad := runBatch(t, tab, name, ps)
		forgetBuild(name)
		builds++
		programs += len(ps)
		for _, d := range bad {
			found++
			file := filepath.Join(*diffOut, fmt.Sprintf("seed%d.prog", d.p.Seed))
			os.MkdirAll(*diffOut, 0o755)
			os.WriteFile(file, []byte(progfuzz.Batch([]*progfuzz.Program{d.p})), 0o644)
			t.Errorf("%s (the program is in %s)", d, file)
		}
		t.Logf("%d programs, %d builds, %s, %d disagreements", programs, builds, time.Since(start).Round(time.Second), found)
	}
	fmt.Printf("difftest: %d programs (seeds %d to %d) in %d builds, %s: %d disagreements\n",
		programs, *diffSeed, seed-1, builds, time.Since(start).Round(time.Second), found)
}

// disagreement is a program whose halves gave different answers.
type disagreement struct {
	p              *progfuzz.Program
	server, client string
}

func (d disagreement) String() string {
	return fmt.Sprintf("seed %d (%s): the halves disagree:\nserver: %s\nclient: %s", d.p.Seed, d.p.Main, d.server, d.client)
}

// runBatch builds ps into one program, runs each on both halves and
// returns those whose answers differ. A build that fails is a failure of
// the test (Go that does not compile from a program that checks).
func runBatch(t *testing.T, tab context.Context, name string, ps []*progfuzz.Program) []disagreement {
	t.Helper()
	src := progfuzz.Batch(ps)
	file := filepath.Join(t.TempDir(), name+".prog")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errs := pipeline.Load(file, []byte(src)); len(errs) > 0 {
		t.Fatalf("a generated program does not check (a generator bug): %v", errs.Err())
	}
	url, stop := start(t, build(t, file), "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), name+".db"))
	defer stop()
	server := serverAnswers(t, url, ps)
	client, jsErrors := clientAnswers(t, tab, url, len(ps))
	for _, e := range jsErrors {
		t.Errorf("the client half threw a JavaScript error, not a Prog runtime error: %s", e)
	}
	var bad []disagreement
	errors := 0
	for i, p := range ps {
		if server[i] == failed {
			errors++
		}
		if server[i] != client[i] {
			bad = append(bad, disagreement{p, server[i], client[i]})
		}
	}
	t.Logf("%s: %d programs, %d of them stop with a runtime error", name, len(ps), errors)
	return bad
}

// failed is the answer of a program that stopped with a runtime error.
const failed = "a runtime error"

var metaRE = regexp.MustCompile(`<meta name="(prog-session|prog-key)" content="([^"]*)">`)

// serverAnswers runs each program on the server: a session of its own,
// and a remote call per program, as a page would make it.
func serverAnswers(t *testing.T, url string, ps []*progfuzz.Program) []string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	meta := map[string]string{}
	for _, m := range metaRE.FindAllStringSubmatch(string(html), -1) {
		meta[m[1]] = m[2]
	}
	base := url[:strings.LastIndex(url, "/")]
	out := make([]string, len(ps))
	for i, p := range ps {
		body := fmt.Sprintf(`{"id":%d,"fn":%q,"args":[]}`, i+1, progfuzz.ServerFunc(p))
		req, _ := http.NewRequest("POST", base+"/pull/"+meta["prog-session"], strings.NewReader(body))
		req.Header.Set("Prog-Key", meta["prog-key"])
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var ans struct {
			OK  *string `json:"ok"`
			Err *string `json:"err"`
		}
		err = json.NewDecoder(resp.Body).Decode(&ans)
		resp.Body.Close()
		switch {
		case err != nil:
			t.Fatalf("%s: %v", p.Main, err)
		case ans.OK != nil:
			out[i] = "=" + *ans.OK
		case ans.Err != nil && strings.Contains(*ans.Err, "internal error"):
			out[i] = "a Go panic: " + *ans.Err
		case ans.Err != nil:
			out[i] = failed
		default:
			t.Fatalf("%s: status %s, answer with neither ok nor err", p.Main, resp.Status)
		}
	}
	return out
}

// diffTab opens a tab in which every page records what it reports on the
// console as window.difftest, telling JavaScript's own errors apart.
func diffTab(t *testing.T) context.Context {
	t.Helper()
	tab := browser(t)()
	_, err := chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `
window.difftest = [];
const error = console.error;
console.error = (...args) => {
  const e = args[0];
  const js = [TypeError, ReferenceError, RangeError, SyntaxError].some((c) => e instanceof c);
  window.difftest.push({ js, text: String(e) });
  error.apply(console, args);
};`})
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// clientAnswers opens the batch's page and reads what each program wrote
// there. A program that fails leaves "!" and the page's spawn reports the
// error on the console, which a script of the test records: all n have
// run when each has written its answer or reported its error. It also
// returns the errors that are JavaScript's own (a TypeError, say), never
// a Prog runtime error.
func clientAnswers(t *testing.T, tab context.Context, url string, n int) (answers, jsErrors []string) {
	t.Helper()
	run(t, tab, chromedp.Navigate(url),
		chromedp.Poll[chromedp.Void](fmt.Sprintf(`Array.from({length: %d}, (_, i) => document.getElementById("c" + i).textContent).filter((s) => s !== "!").length + window.difftest.length === %d`, n, n),
			chromedp.WithPollingTimeout(20*time.Second)))
	got := get(t, tab, chromedp.Evaluate[struct {
		Texts  []string
		Errors []struct {
			JS   bool
			Text string
		}
	}](fmt.Sprintf(`({texts: Array.from({length: %d}, (_, i) => document.getElementById("c" + i).textContent), errors: window.difftest})`, n)))
	for i, s := range got.Texts {
		if s == "!" {
			got.Texts[i] = failed
		}
	}
	for _, e := range got.Errors {
		if e.JS {
			jsErrors = append(jsErrors, e.Text)
		}
	}
	return got.Texts, jsErrors
}

// corpusEntry reads a program of testdata/difftest: its source, whose
// first lines say `// main: NAME` and, for a disagreement not fixed yet,
// `// known: REASON`.
func corpusEntry(t *testing.T, file string) (p *progfuzz.Program, known string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	p = &progfuzz.Program{Source: string(b)}
	for _, line := range strings.Split(p.Source, "\n") {
		if v, ok := strings.CutPrefix(line, "// main: "); ok {
			p.Main = v
		}
		if v, ok := strings.CutPrefix(line, "// known: "); ok {
			known = v
		}
		if v, ok := strings.CutPrefix(line, "// seed: "); ok {
			fmt.Sscan(v, &p.Seed)
		}
	}
	if p.Main == "" {
		t.Fatalf("%s does not say its main (// main: NAME)", file)
	}
	return p, known
}

// forgetBuild removes a one-off build from the build cache.
func forgetBuild(name string) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return
	}
	dirs, _ := filepath.Glob(filepath.Join(cache, "prog", "build", name+"-*"))
	for _, d := range dirs {
		os.RemoveAll(d)
	}
	binOnce.Range(func(k, r any) bool {
		if strings.HasSuffix(k.(string), string(filepath.Separator)+name+".prog") {
			binOnce.Delete(k)
			if br := r.(*buildResult); br.bin != "" {
				os.Remove(br.bin)
			}
		}
		return true
	})
}
