package pipeline_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/prog-lang/prog/pipeline"
)

// benchProgram generates a program of about n lines that uses the whole
// language: tables, records, lambdas, loops, match, select, remote calls.
func benchProgram(n int) []byte {
	var b strings.Builder
	b.WriteString(`type Line = { who: string, text: string }
table members { who: client, name: string, room: string, ch: channel<Line>, seen: option<int> }
page ` + "`<ul id=\"log\"></ul>`" + `
`)
	for i := 0; strings.Count(b.String(), "\n") < n-20; i++ {
		fmt.Fprintf(&b, `fun tell%[1]d(room0: string, l: Line): int {
  var sent = 0
  for m in select members where room == room0 && name != l.who {
    send(m.ch, { who: l.who, text: l.text + str(%[1]d) })
    sent = sent + 1
  }
  update members set seen = some(sent) where room == room0
  return sent
}
fun show%[1]d(l: Line, n: option<int>): string {
  let k = match n { some(v) => v * 2 - %[1]d %% 7, none => 0 }
  let parts = split(l.text, " ")
  if k > 10 && length(parts) > 1 { return l.who + ": " + join(parts, "_") } else { return str(k) }
}
fun listen%[1]d(c: channel<Line>) {
  while true { add("log", show%[1]d(recv(c), none)) }
}
`, i)
	}
	b.WriteString(`fun join0(room: string): channel<Line> {
  let c = channel<Line>()
  insert members { who: self(), name: "x", room: room, ch: c, seen: none }
  return c
}
client fun main() {
  let c = join0("lobby")
  spawn listen0(c)
  onClick("send", fun() { let n = tell0("lobby", { who: "me", text: value("msg") }); text("n", str(n)) })
}
`)
	return []byte(b.String())
}

// BenchmarkFrontEnd runs parse, check and split on a generated program of
// 20,000 lines and reports lines per second (issue 2's goal: ≥ 100,000).
func BenchmarkFrontEnd(b *testing.B) {
	src := benchProgram(20000)
	lines := strings.Count(string(src), "\n")
	if _, errs := pipeline.Load("bench.prog", src); len(errs) > 0 {
		b.Fatalf("generated program has errors: %v", errs)
	}
	b.SetBytes(int64(len(src)))
	b.ResetTimer()
	for b.Loop() {
		pipeline.Load("bench.prog", src)
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
