package codegen_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of generated code")

// TestGolden compares the generated Go and JavaScript of the programs in
// testdata/golden with the files beside them; -update rewrites those.
func TestGolden(t *testing.T) {
	progs, err := filepath.Glob(filepath.Join("..", "testdata", "golden", "*.prog"))
	if err != nil || len(progs) == 0 {
		t.Fatalf("no golden programs: %v", err)
	}
	for _, file := range progs {
		name := filepath.Base(file[:len(file)-len(".prog")])
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			out := gen(t, name, filepath.Base(file), src)
			// The inline source map holds the whole source: leave it out.
			js := out.JS[:bytes.LastIndex(out.JS[:len(out.JS)-1], []byte("\n"))+1]
			for ext, got := range map[string][]byte{".go.golden": out.Go, ".js.golden": js} {
				golden := filepath.Join(filepath.Dir(file), name+ext)
				if *update {
					if err := os.WriteFile(golden, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./codegen -run TestGolden -update)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from the generated code; if the change is right, run go test ./codegen -run TestGolden -update\n--- got:\n%s", golden, got)
				}
			}
		})
	}
}
