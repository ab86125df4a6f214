package codegen_test

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBuiltinsAgree runs testdata/e2e/builtins.prog: the built-ins of
// version 2 at their edges, each check on the client and on the server,
// whose answers must be equal and what is written here ("!": a runtime
// error). It is the client runtime's unit test (runtime/client/values.js)
// as much as the server's (runtime/std_test.go tests more of it alone).
func TestBuiltinsAgree(t *testing.T) {
	url := serve(t, filepath.Join("..", "testdata", "e2e", "builtins.prog"))
	a := browser(t)()
	want := []struct{ name, want string }{
		{"case", "àb i ǆ ß ασ|ÀB ß Ǆ ﬁ S Σ 𞤀"},
		{"trim", "[a b][\ufeffa\u200b][]"},
		{"substring", "😀e\u0301|a😀|\u0301b||a😀e\u0301b"},
		{"search", "2 1 0 -1 true false true false"},
		{"replace", "a--b--c ba -a-😀- - a$&$1b abc"},
		{"repeat", "ababab|||007|😀x😀7|abc|7"},
		{"fixed", "2.5 3 -3 0.13 1.00 1000000000000000000000.00 1 -0.00 0.0 0.000 NaN -Infinity 0.10000000000000000555 123456789.13 410"},
		{"numbers", "7 9223372036854775807 0 1.5 -1 9223372036854775807 -0 -0 0 0 NaN NaN 1.5"},
		{"rounding", "3 -3 0 -1 0 -2 -1 0 4503599627370497 -9223372036854775808 1000000000000000000"},
		{"lists", "6,2,4 3,2 -2,-1,0,1 [] 9223372036854775806 2,1,3 3,1,2 3 0"},
		{"sort", "ebdac 6,2,0,5,1,3,4,7,8 17 a,b,\ue000,\U00010000 "},
		{"e-repeat", "!"},
		{"e-pad", "!"},
		{"e-range", "!"},
		{"e-round", "!"},
		{"e-fixed", "!"},
		{"e-abs", "!"},
		{"e-replace", "!"},
	}
	var ids []string
	for _, w := range want {
		ids = append(ids, w.name+"-server", w.name+"-client")
	}
	ids = append(ids, "waiting")
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = strconv.Quote(id)
	}
	list := "[" + strings.Join(q, ",") + "]"
	// The checks that fail keep their "!": wait for the others, and for
	// every spawned function to end (each failure is on the console).
	ctx, cancel := context.WithTimeout(a, 20*time.Second)
	defer cancel()
	console := chromedp.Console(ctx)
	run(t, a, chromedp.Navigate(url))
	errs := 0
	for m, err := range console {
		if err != nil {
			t.Fatalf("%d runtime errors on the console, want %d: %v", errs, 2*7, err)
		}
		if m.Type == chromedp.ConsoleError {
			errs++
			if errs == 2*7 {
				break
			}
		}
	}
	run(t, a, chromedp.Poll[chromedp.Void](list+`.filter(id => document.getElementById(id).textContent !== "!").length === `+strconv.Itoa(len(ids)-2*7),
		chromedp.WithPollingTimeout(10*time.Second)))
	got := get(t, a, chromedp.Evaluate[[]string](list+`.map(id => document.getElementById(id).textContent)`))
	for i, w := range want {
		server, client := got[2*i], got[2*i+1]
		if server != w.want {
			t.Errorf("%s on the server: %q, want %q", w.name, server, w.want)
		}
		if client != server {
			t.Errorf("%s: the halves differ:\nclient: %q\nserver: %q", w.name, client, server)
		}
	}
	// Each call of a function that waits is awaited, in order: note ran
	// for 3, 1, 2, then 5, 6, 7.
	if w := got[len(got)-1]; w != "30,10,20 6,7 1,2,3,4,5 312567" {
		t.Errorf("waiting: %q", w)
	}
}
