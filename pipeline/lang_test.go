package pipeline_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/prog-lang/prog/pipeline"
)

// TestChunkedErrors runs the chunked files of testdata/check, in the style
// of go.starlark.net's internal/chunkedfile: each file holds several
// programs separated by lines of "---"; each line that must report an
// error carries one or more `### "regexp"` comments. Every expected error
// must be reported on its line, and nothing else may be reported. A chunk
// with no ### must check clean.
func TestChunkedErrors(t *testing.T) {
	files, _ := filepath.Glob("../testdata/check/*.prog")
	if len(files) == 0 {
		t.Fatal("no files in testdata/check")
	}
	cases := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range chunks(string(data)) {
			cases++
			t.Run(filepath.Base(file)+":"+strconv.Itoa(c.line), func(t *testing.T) {
				_, errs := pipeline.Load(filepath.Base(file), []byte(c.src))
				want := expectations(c.src)
				for _, e := range errs {
					res := want[e.Pos.Line]
					matched := false
					for i, re := range res {
						if re != nil && re.MatchString(e.Msg) {
							res[i] = nil
							matched = true
							break
						}
					}
					if !matched {
						t.Errorf("unexpected error: %s", e)
					}
				}
				for line, res := range want {
					for _, re := range res {
						if re != nil {
							t.Errorf("%s:%d: expected an error matching %q", filepath.Base(file), line, re)
						}
					}
				}
			})
		}
	}
	t.Logf("%d cases", cases)
}

type chunk struct {
	line int // first line of the chunk in its file
	src  string
}

// chunks splits a file at lines of "---". Each chunk is padded with empty
// lines in front so that its line numbers are those of the whole file.
func chunks(data string) []chunk {
	var out []chunk
	lines := strings.Split(data, "\n")
	start := 0
	flush := func(end int) {
		src := strings.Repeat("\n", start) + strings.Join(lines[start:end], "\n")
		out = append(out, chunk{start + 1, src})
	}
	for i, l := range lines {
		if strings.TrimSpace(l) == "---" {
			flush(i)
			start = i + 1
		}
	}
	flush(len(lines))
	return out
}

// wantRE also accepts ### \"re\", for lines whose string literal must stay
// open to the end of the line.
var wantRE = regexp.MustCompile(`### \\?"((?:[^"\\]|\\.)*?)\\?"`)

// expectations maps line numbers to the regexps expected there.
func expectations(src string) map[int][]*regexp.Regexp {
	want := map[int][]*regexp.Regexp{}
	for i, l := range strings.Split(src, "\n") {
		for _, m := range wantRE.FindAllStringSubmatch(l, -1) {
			pat := strings.ReplaceAll(m[1], `\"`, `"`)
			want[i+1] = append(want[i+1], regexp.MustCompile(pat))
		}
	}
	return want
}

// TestExamples checks every program in testdata/examples clean.
func TestExamples(t *testing.T) {
	files, _ := filepath.Glob("../testdata/examples/*.prog")
	if len(files) < 3 {
		t.Fatalf("expected the shared examples in testdata/examples, found %d files", len(files))
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, errs := pipeline.Load(f, src); len(errs) > 0 {
			t.Errorf("%s:\n%v", f, errs)
			for _, e := range errs {
				t.Log(e)
			}
		}
	}
}
