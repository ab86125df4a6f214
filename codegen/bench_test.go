package codegen_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prog-lang/prog/codegen"
	"github.com/prog-lang/prog/codegen/jsclient"
)

func gzipSize(b []byte) int {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Len()
}

func generate(b *testing.B, name string) *codegen.Output {
	file := filepath.Join("..", "testdata", "examples", name+".prog")
	src, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	return gen(b, name, file, src)
}

// BenchmarkBundle generates and bundles each example and reports the size
// of its bundle, minified and gzipped (issue 3's goals: ≤ 8 KB gzipped
// for chat, ≤ 4 KB for the client runtime alone; issue 14's: chat ≤ 2 KB,
// todo ≤ 6 KB, the runtime's UI parts ≤ 4 KB).
func BenchmarkBundle(b *testing.B) {
	for _, name := range []string{"chat", "rooms", "ticker", "both", "todo"} {
		b.Run(name, func(b *testing.B) {
			if _, err := os.Stat(filepath.Join("..", "testdata", "examples", name+".prog")); err != nil {
				b.Skip(err)
			}
			var out *codegen.Output
			for b.Loop() {
				out = generate(b, name)
			}
			b.ReportMetric(float64(len(out.Bundle)), "min-bytes")
			b.ReportMetric(float64(gzipSize(out.Bundle)), "gzip-bytes")
		})
	}
	b.Run("runtime-alone", func(b *testing.B) {
		// Every export kept: the whole client runtime, minified.
		var js []byte
		for b.Loop() {
			var err error
			if js, err = jsclient.MinifiedRuntime(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(js)), "min-bytes")
		b.ReportMetric(float64(gzipSize(js)), "gzip-bytes")
	})
	b.Run("ui-alone", func(b *testing.B) {
		// reactive.js and ui.js, every export kept (issue 14: ≤ 4 KB).
		var js []byte
		for b.Loop() {
			var err error
			if js, err = jsclient.MinifiedUI(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(js)), "min-bytes")
		b.ReportMetric(float64(gzipSize(js)), "gzip-bytes")
	})
}

// BenchmarkBuildChat times `prog build` of chat with a warm Go build
// cache: generation, bundling and go build of a server not built before
// (a comment changes in each, so the binary cache misses). After the
// first, each is built by the plan of the one before (see plan).
func BenchmarkBuildChat(b *testing.B) {
	dir := b.TempDir()
	out := generate(b, "chat")
	goSrc := out.Go
	// A warm-up not built before, so that it records its plan.
	start := time.Now()
	out.Go = append(append([]byte{}, goSrc...), fmt.Sprintf("\n// warm-up %d\n", start.UnixNano())...)
	if err := codegen.Build(out, filepath.Join(dir, "chat"), nil); err != nil {
		b.Fatal(err)
	}
	i := 0
	cpu := childCPU()
	for b.Loop() {
		i++
		o := generate(b, "chat")
		o.Go = append(append([]byte{}, goSrc...), fmt.Sprintf("\n// %d %d\n", start.UnixNano(), i)...)
		if err := codegen.Build(o, filepath.Join(dir, "chat"), nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/build")
	// The CPU time of go, the compiler and the linker: unlike the time,
	// it hardly changes with the machine's load.
	if cpu := childCPU() - cpu; cpu > 0 {
		b.ReportMetric(cpu/float64(b.N), "child-cpu-s/build")
	}
}
