package codegen_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestSharedTypes generates a program whose record type doubles with each
// let: written out, its last type would hold 2^59 ints. The checker, the
// split and both generators must take time in the number of the type's
// parts; before, the checker's Resolve and Walk, and the generators'
// canonical strings, went down every path, and this test never ended.
// (Go itself copies such a value whole: the program would not be built.)
func TestSharedTypes(t *testing.T) {
	const n = 60
	var b strings.Builder
	b.WriteString("server fun deep(): bool {\n  let a0 = 1\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "  let a%d = {x: a%d, y: a%d}\n", i, i-1, i-1)
	}
	fmt.Fprintf(&b, "  return a%d.x.y.x == a%d.y.x.y\n}\n", n-1, n-1)
	// The same type by aliases crosses the network both ways: the split
	// checks what it holds, and the client decodes it.
	b.WriteString("type D0 = int\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "type D%d = {x: D%d, y: D%d}\n", i, i-1, i-1)
	}
	fmt.Fprintf(&b, "server fun echo(v: D%d): D%d { return v }\n", n-1, n-1)
	fmt.Fprintf(&b, "client fun relay(v: D%d): bool { return echo(v) == v }\n", n-1)
	b.WriteString("client fun main() { log(str(deep())) }\n")
	out := gen(t, "deep", "deep.prog", []byte(b.String()))
	if !strings.Contains(string(out.Go), fmt.Sprintf("a%d", n-1)) {
		t.Errorf("the server lacks a%d", n-1)
	}
}
