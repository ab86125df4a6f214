package codegen_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// waitJS waits until the expression is true in the tab.
func waitJS(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	run(t, ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(10*time.Second)))
}

// twoTabs opens url in two tabs and waits until ready (a JS test) holds
// in each.
func twoTabs(t *testing.T, url, ready string) (a, b context.Context) {
	t.Helper()
	tab := browser(t)
	a, b = tab(), tab()
	for _, ctx := range []context.Context{a, b} {
		run(t, ctx, chromedp.Navigate(url))
		waitJS(t, ctx, ready)
	}
	return a, b
}

// rowsAre is the JS test that the texts of sel are want, in order.
func rowsAre(sel string, want ...string) string {
	return fmt.Sprintf(`JSON.stringify([...document.querySelectorAll(%q)].map(e => e.textContent.trim())) === %q`, sel, mustJSON(want))
}

// TestTodoTwoTabs runs testdata/examples/todo.prog (LANGUAGE.md's v2
// example) in two tabs, as its comments say: every open page shows the
// same list, live; each row's checkbox and delete button act on their own
// row; done rows get the class "done".
func TestTodoTwoTabs(t *testing.T) { onBothDBs(t, testTodoTwoTabs) }

func testTodoTwoTabs(t *testing.T, db string) {
	url := serveDB(t, "todo", db)
	a, b := twoTabs(t, url, `[...document.querySelectorAll("#app p")].some(p => p.textContent === "Nothing to do.")`)
	add := func(ctx context.Context, text string) {
		run(t, ctx, chromedp.SendKeys(css("#app input[placeholder]"), text+"\r"))
	}
	add(a, "milk")
	waitJS(t, b, rowsAre("#app li", "milk×"))
	add(b, "eggs")
	waitJS(t, a, rowsAre("#app li", "milk×", "eggs×"))
	waitJS(t, a, `[...document.querySelectorAll("#app p")].some(p => p.textContent === "2 left")`)
	// Typing in a's field while b changes the list keeps a's draft.
	run(t, a, chromedp.SendKeys(css("#app input[placeholder]"), "bre"))
	// a's row for milk: the same node must stay through b's changes.
	run(t, a, chromedp.Evaluate[chromedp.Void](`window.milk = document.querySelector("#app li")`))
	// b ticks eggs: a sees the class, the count, and keeps its milk row and draft.
	run(t, b, chromedp.Click(css("#app li:nth-child(2) input[type=checkbox]")))
	waitJS(t, a, `document.querySelector("#app li:nth-child(2)").classList.contains("done")`)
	waitJS(t, a, `[...document.querySelectorAll("#app p")].some(p => p.textContent === "1 left")`)
	if same := get(t, a, chromedp.Evaluate[bool](`window.milk === document.querySelector("#app li") && !window.milk.classList.contains("done")`)); !same {
		t.Error("a's milk row was rebuilt, or marked done, when b ticked eggs")
	}
	if draft := get(t, a, chromedp.Evaluate[string](`document.querySelector("#app input[placeholder]").value`)); draft != "bre" {
		t.Errorf("a's draft = %q after b's change, want \"bre\"", draft)
	}
	// a deletes milk: it goes from b.
	run(t, a, chromedp.Click(css("#app li:nth-child(1) button")))
	waitJS(t, b, rowsAre("#app li", "eggs×"))
	run(t, b, chromedp.Click(css("#app li:nth-child(1) button")))
	waitJS(t, a, `document.querySelectorAll("#app li").length === 0 && [...document.querySelectorAll("#app p")].some(p => p.textContent === "Nothing to do.")`)
}

// TestScoresTwoTabs runs testdata/examples/scores.prog in two tabs: the
// button is disabled until a name is typed, the board is ordered by points
// then name, and each tab sees the other's points.
func TestScoresTwoTabs(t *testing.T) { onBothDBs(t, testScoresTwoTabs) }

func testScoresTwoTabs(t *testing.T, db string) {
	url := serveDB(t, "scores", db)
	a, b := twoTabs(t, url, `document.querySelector("#app button") !== null && document.querySelector("#app button").disabled`)
	run(t, a, chromedp.SendKeys(css("#app input"), "  Ann "))
	waitJS(t, a, `!document.querySelector("#app button").disabled`)
	run(t, a, chromedp.Click(css("#app button")))
	waitJS(t, b, rowsAre("#app li", "ann: 1"))
	run(t, b, chromedp.SendKeys(css("#app input"), "bob"))
	// The button is enabled by the input's effect: a click before it
	// would be lost.
	waitJS(t, b, `!document.querySelector("#app button").disabled`)
	run(t, b, chromedp.Click(css("#app button")))
	waitJS(t, a, rowsAre("#app li", "ann: 1", "bob: 1"))
	run(t, b, chromedp.Click(css("#app button")))
	waitJS(t, a, rowsAre("#app li", "bob: 2", "ann: 1"))
	run(t, a, chromedp.Click(css("#app button")))
	waitJS(t, b, rowsAre("#app li", "ann: 2", "bob: 2"))
}

// TestSignupForm runs testdata/examples/signup.prog: each field says what
// is wrong while typing, the button is disabled until all are right, the
// server refuses a name taken meanwhile, and the other tab sees the new
// member.
func TestSignupForm(t *testing.T) {
	url := serve(t, "signup")
	a, b := twoTabs(t, url, `document.querySelector("#app h2") !== null && document.querySelector("#app h2").textContent === "0 members"`)
	hints := `[...document.querySelectorAll("#app label span")].map(s => s.textContent)`
	button := `document.querySelector("#app form button")`
	waitJS(t, a, button+`.disabled`)
	run(t, a, chromedp.SendKeys(css("#app label:nth-of-type(1) input"), "an"))
	waitJS(t, a, hints+`[0] === "A name has at least 3 characters."`)
	run(t, a, chromedp.SendKeys(css("#app label:nth-of-type(1) input"), "n"))
	waitJS(t, a, hints+`[0] === "✓" && document.querySelector("#app label span").classList.contains("ok")`)
	run(t, a, chromedp.SendKeys(css("#app label:nth-of-type(2) input"), "ann@example.org"))
	run(t, a, chromedp.SendKeys(css("#app label:nth-of-type(3) input"), "secret-pw"))
	run(t, a, chromedp.SendKeys(css("#app label:nth-of-type(4) input"), "secret-px"))
	waitJS(t, a, hints+`[2] === "The two passwords differ." && `+button+`.disabled`)
	run(t, a, chromedp.SendKeys(css("#app label:nth-of-type(4) input"), "\bw"))
	waitJS(t, a, hints+`[2] === "✓" && !`+button+`.disabled`)
	run(t, a, chromedp.Click(css("#app form button")))
	waitJS(t, a, `document.querySelector("#app form p").textContent === "Welcome, ann!"`)
	waitJS(t, b, rowsAre("#app li", "ann"))
	// The page did not reload on submit: the form was cleared by the program.
	if v := get(t, a, chromedp.Evaluate[string](`document.querySelector("#app label:nth-of-type(1) input").value`)); v != "" {
		t.Errorf("name field = %q after joining, want it cleared", v)
	}
	// b takes the same name: the server says so.
	for i, s := range []string{"Ann", "b@example.org", "password1", "password1"} {
		run(t, b, chromedp.SendKeys(css(fmt.Sprintf("#app label:nth-of-type(%d) input", i+1)), s))
	}
	run(t, b, chromedp.Click(css("#app form button")))
	waitJS(t, b, `document.querySelector("#app form p").textContent === "The name ann is taken."`)
	waitJS(t, b, `document.querySelector("#app h2").textContent === "1 members"`)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestCounterTwoTabs runs counter, ported to the page built by the
// program: a press in one tab shows in the other, with who pressed, and
// reset is disabled while the count is 0.
func TestCounterTwoTabs(t *testing.T) {
	url := serve(t, "counter")
	a, b := twoTabs(t, url, `document.getElementById("reset") !== null && document.getElementById("reset").disabled`)
	run(t, a, chromedp.SendKeys(css("#name"), "-ann"))
	run(t, a, chromedp.Click(css("#inc")))
	waitJS(t, b, `document.getElementById("count").textContent === "1" && document.getElementById("last").textContent === "guest-ann" && !document.getElementById("reset").disabled`)
	run(t, b, chromedp.Click(css("#reset")))
	waitJS(t, a, `document.getElementById("count").textContent === "0" && document.getElementById("last").textContent === "guest" && document.getElementById("reset").disabled`)
}
