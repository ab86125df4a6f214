package progfuzz

import (
	"fmt"
	"testing"
	"time"

	"github.com/prog-lang/prog/pipeline"
	"github.com/prog-lang/prog/split"
)

// Every generated program checks clean: a checker error is a bug in the
// generator (or in the checker).
func TestProgramsCheck(t *testing.T) {
	n := 500
	if testing.Short() {
		n = 50
	}
	for _, cfg := range []Config{{}, {FloatConstants: true, FloatMod: true, OddNames: true}} {
		for seed := range uint64(n) {
			p := Generate(seed, fmt.Sprintf("p%d_", seed), cfg)
			src := Batch([]*Program{p})
			if _, errs := pipeline.Load("gen.prog", []byte(src)); len(errs) > 0 {
				t.Fatalf("seed %d (%+v): %v\n%s", seed, cfg, errs.Err(), numbered(src))
			}
		}
	}
}

func TestSameSeedSameProgram(t *testing.T) {
	for seed := range uint64(20) {
		a, b := Generate(seed, "p_", Config{}), Generate(seed, "p_", Config{})
		if a.Source != b.Source {
			t.Fatalf("seed %d wrote two programs", seed)
		}
	}
	if Generate(1, "p_", Config{}).Source == Generate(2, "p_", Config{}).Source {
		t.Error("seeds 1 and 2 wrote the same program")
	}
}

func TestBatchChecks(t *testing.T) {
	var ps []*Program
	for seed := range uint64(20) {
		ps = append(ps, Generate(seed, fmt.Sprintf("p%d_", seed), Config{}))
	}
	u, errs := pipeline.Load("batch.prog", []byte(Batch(ps)))
	if len(errs) > 0 {
		t.Fatal(errs.Err())
	}
	for _, p := range ps {
		for _, f := range u.Split.Funcs {
			if f.Name == p.Main && f.Loc != split.Both {
				t.Errorf("%s runs on the %v only", p.Main, f.Loc)
			}
		}
	}
}

func numbered(src string) string {
	out := ""
	line := 1
	out += fmt.Sprintf("%4d ", line)
	for _, c := range src {
		out += string(c)
		if c == '\n' {
			line++
			out += fmt.Sprintf("%4d ", line)
		}
	}
	return out
}

// Seed 20083 wrote closures inside closures without end (the differential
// tester's 26-minute run stopped on it): every program ends, and stays
// small. A minute is a bound on a runaway, not a measure of speed.
func TestGenerateEnds(t *testing.T) {
	cfg := Config{FloatConstants: true, FloatMod: true, OddNames: true, UnusedBindings: true}
	for _, seed := range []uint64{20083, 0, 1, 2} {
		done := make(chan int, 1)
		go func() { done <- len(Generate(seed, fmt.Sprintf("p%d_", seed), cfg).Source) }()
		select {
		case n := <-done:
			if n > 64<<10 {
				t.Errorf("seed %d wrote %d bytes", seed, n)
			}
		case <-time.After(time.Minute):
			t.Fatalf("seed %d did not end", seed)
		}
	}
}
