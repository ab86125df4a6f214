package codegen_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// wherePredicates are where clauses over the columns of table t in
// wherePredicateProgram; @c is column c (r.c in the program's version).
// Each is evaluated through SQL and in the program over the same rows:
// negative numbers, NaN and ±Infinity, none, text outside ASCII, and %, _
// and \ in contains patterns.
var wherePredicates = []string{
	`@n == k`, `@n != k`, `@n < k`, `@n <= -3`, `@n > k && @b`, `@b`, `!@b`, `@b == false`,
	`@n + 1 > k`, `@n - k < 0`, `@n * 2 == 4`, `@n / 2 == -1`, `@n % 3 == -1`, `@n % 3 == 1`, `-@n > 2`,
	`@n > 0 || @o == none`, `!(@n > 0 && @b)`,
	`@f < x`, `@f >= x`, `@f == @f`, `@f != @f`, `@f > 0.0`, `!(@f < 1.0)`, `@f + 1.0 > x`,
	`@f * 2.0 < 3.0`, `@f / 2.0 <= 0.25`, `-@f < 0.0`, `@f - @f == 0.0`, `@f != x`, `@f == 1.0 / 0.0`,
	`@s < q`, `@s == q`, `@s >= "Z"`, `@s + "x" == "ax"`, `@s <= "é"`, `@s > "\u{E000}"`, `@s < "\u{10000}"`,
	`contains(@s, "%")`, `contains(@s, "_")`, `contains(@s, "\\")`, `contains(@s, q)`, `contains(@s, "")`,
	`contains(@s, "A")`, `contains("x50%y", @s)`,
	`@o == none`, `@o != none`, `@o == some(k)`, `@o == some(3)`, `!(@o == some(3))`, `@o == p`, `@o != p`,
	`@of == some(x)`, `@of != none`, `@of == some(0.0 / 0.0)`, `!(@of == some(@f))`,
}

var column = regexp.MustCompile(`@([a-z]+)`)

// wherePredicateProgram writes a program whose function pI returns the
// ids that predicate I keeps through SQL, then "|", then those it keeps in
// the program.
func wherePredicateProgram() string {
	var b strings.Builder
	b.WriteString(`table t { id: serial, n: int, f: float, s: string, b: bool, o: option<int>, of: option<float> }
fun row(n: int, f: float, s: string, b: bool, o: option<int>, of: option<float>) { insert t { n: n, f: f, s: s, b: b, o: o, of: of } }
server fun seed() {
  let nan = 0.0 / 0.0
  let inf = 1.0 / 0.0
  row(-5, -1.5, "a", true, some(3), some(1.0))
  row(0, 0.0, "\u{E000}", false, none, none)
  row(2, nan, "\u{10000}", true, some(-1), some(nan))
  row(7, inf, "50%", false, some(7), some(2.5))
  row(-1, 2.5, "a_b", true, none, some(-0.5))
  row(3, -inf, "back\\slash", false, some(3), none)
  row(10, 1e300, "é", true, some(10), some(1e300))
  row(-7, 0.5, "Z", false, some(0), some(0.5))
  row(-3, -0.0, "A", true, some(-3), some(-0.0))
}
fun ids(rs: list<{ id: int, n: int, f: float, s: string, b: bool, o: option<int>, of: option<float> }>): string {
  var s = ""
  for r in rs { s = s + str(r.id) + " " }
  return s
}
`)
	for i, p := range wherePredicates {
		fmt.Fprintf(&b, `fun p%d(k: int, x: float, q: string, p: option<int>): string {
  var prog = ""
  for r in select t { if %s { prog = prog + str(r.id) + " " } }
  return ids(select t where %s) + "|" + prog
}
`, i, column.ReplaceAllString(p, "r.$1"), column.ReplaceAllString(p, "$1"))
	}
	b.WriteString("client fun main() {\n  seed()\n")
	for i := range wherePredicates {
		fmt.Fprintf(&b, "  log(p%d(2, 0.5, \"a\", some(3)))\n", i)
	}
	b.WriteString("}\n")
	return b.String()
}

func TestWhereInSQLAsInProgram(t *testing.T) {
	file := filepath.Join(t.TempDir(), "preds.prog")
	if err := os.WriteFile(file, []byte(wherePredicateProgram()), 0o644); err != nil {
		t.Fatal(err)
	}
	build(t, file)
	onBothDBs(t, func(t *testing.T, db string) {
		url := serveDB(t, file, db)
		base := strings.TrimSuffix(url, "preds")
		client := &http.Client{Timeout: 20 * time.Second}
		sid, key := viewPage(t, client, url)
		if got := pullCall(t, client, base, sid, key, 1, "seed", `[]`); !strings.Contains(got, `"ok":null`) {
			t.Fatalf("seed: %s", got)
		}
		args := []string{`[2,0.5,"a",3]`, `[-1,"NaN","\ue000",null]`, `[7,"-Infinity","%",7]`}
		for i, p := range wherePredicates {
			for j, a := range args {
				got := pullCall(t, client, base, sid, key, 2+i*len(args)+j, fmt.Sprintf("p%d", i), a)
				sql, prog, ok := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(got, `{"id":`+fmt.Sprint(2+i*len(args)+j)+`,"ok":"`), `"}`), "|")
				if testing.Verbose() && j == 0 {
					t.Logf("%s: %s", p, sql)
				}
				if !ok || sql != prog {
					t.Errorf("where %s with (k, x, q, p) = %s: SQL keeps %q, the program %q (%s)", p, a, sql, prog, got)
				}
			}
		}
	})
}
