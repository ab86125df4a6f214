package syntax

import (
	"fmt"
	"strings"
	"testing"
)

func genSrc(lines int) []byte {
	var b strings.Builder
	b.WriteString("table t { who: client, n: int, ch: channel<string> }\n")
	for i := 0; i*8 < lines; i++ {
		fmt.Fprintf(&b, `fun f%d(a: int, s: string): int {
  var n = a * 2 + %d
  if n > 10 && s != "x" { n = n - 1 } else { log("small") }
  for r in select t where n == a { send(r.ch, s + str(r.n)) }
  let xs = [1, 2, 3]
  let g = fun(x: int): int { return x * n }
  return g(n) + length(xs)
}
`, i, i)
	}
	return []byte(b.String())
}

func BenchmarkParseProbe(b *testing.B) {
	src := genSrc(20000)
	for b.Loop() {
		Parse("x.prog", src)
	}
	b.ReportMetric(20000*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
