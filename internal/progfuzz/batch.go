package progfuzz

import (
	"fmt"
	"strings"
)

// Batch joins programs into one Prog file, so that one build runs many.
// Program i runs on each half:
//   - in the browser, main spawns pI_client, which writes "=" and the
//     result into the element cI; the page starts with "!" there, so a
//     runtime error leaves "!" (and the spawn reports it on the console);
//   - on the server, pI_server is a remote function that returns the
//     result, or fails with the runtime error. The page's button "server"
//     calls each (so that each is a remote function); the tester calls
//     them itself, over the wire protocol.
func Batch(progs []*Program) string {
	var b strings.Builder
	b.WriteString("page `<button id=\"server\">server</button>\n")
	for i := range progs {
		fmt.Fprintf(&b, "<p id=\"c%d\">!</p>\n", i)
	}
	b.WriteString("`\n\n")
	var spawns, calls []string
	for i, p := range progs {
		fmt.Fprintf(&b, "// program %d: seed %d\n%s", i, p.Seed, p.Source)
		fmt.Fprintf(&b, "server fun %s() : string { return %s() }\n", ServerFunc(p), p.Main)
		fmt.Fprintf(&b, "fun %s_client() { text(\"c%d\", \"=\" + %s()) }\n\n", p.Main, i, p.Main)
		spawns = append(spawns, fmt.Sprintf("  spawn %s_client()\n", p.Main))
		calls = append(calls, fmt.Sprintf("%s()", ServerFunc(p)))
	}
	fmt.Fprintf(&b, "fun onServer() { text(\"server\", %s) }\n", strings.Join(calls, " + "))
	b.WriteString("client fun main() {\n  onClick(\"server\", onServer)\n")
	b.WriteString(strings.Join(spawns, ""))
	b.WriteString("}\n")
	return b.String()
}

// ServerFunc is the name of the remote function that runs p on the server.
func ServerFunc(p *Program) string { return p.Main + "_server" }
