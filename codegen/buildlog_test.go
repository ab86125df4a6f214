package codegen

import (
	"strings"
	"testing"
)

// buildLog notes a long build at the first package from outside this
// module that go build -v names, and keeps the rest of the output.
func TestBuildLog(t *testing.T) {
	for _, c := range []struct {
		name, output string
		noted        bool
		kept         string
		compileErr   bool
		work         string
	}{
		{name: "warm", output: "prog.generated/server\n"},
		{name: "work", output: "WORK=/tmp/go-build1\nprog.generated/server\n", work: "/tmp/go-build1"},
		{name: "runtime changed", output: "github.com/prog-lang/prog/runtime\nprog.generated/server\n"},
		{name: "cold", output: "internal/goarch\ninternal/abi\nruntime\n", noted: true},
		{name: "dependency", output: "modernc.org/libc\nprog.generated/server\n", noted: true},
		{name: "download", output: "go: downloading modernc.org/sqlite v1.61.1\n", noted: true, kept: "go: downloading modernc.org/sqlite v1.61.1\n"},
		{
			name:       "compile error",
			output:     "prog.generated/server\n# prog.generated/server\nchat.prog:3:5: undefined: x\n\tmore\n",
			kept:       "# prog.generated/server\nchat.prog:3:5: undefined: x\n\tmore\n",
			compileErr: true,
		},
		{name: "no end of line", output: "go: disk full", kept: "go: disk full"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var said strings.Builder
			l := &buildLog{progress: &said, note: "slow\n"}
			// Output arrives in pieces that split lines.
			for i := 0; i < len(c.output); i += 5 {
				l.Write([]byte(c.output[i:min(i+5, len(c.output))]))
			}
			if want := map[bool]string{true: "slow\n"}[c.noted]; said.String() != want {
				t.Errorf("said %q, want %q", said.String(), want)
			}
			if got := string(l.output()); got != c.kept {
				t.Errorf("kept %q, want %q", got, c.kept)
			}
			if l.work != c.work {
				t.Errorf("work = %q, want %q", l.work, c.work)
			}
			if l.compileErrors() != c.compileErr {
				t.Errorf("compileErrors() = %v", !c.compileErr)
			}
		})
	}
}
