package codegen_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// rowsText is the texts of the list's rows in a tab, "|"-separated, each
// with its class (done or not): "first|second(done)".
const rowsText = `[...document.querySelectorAll("#list li")].map(li => li.querySelector(".text").textContent + (li.className ? "(" + li.className + ")" : "")).join("|")`

// typeDraft empties #draft (an input event, as the user's delete would
// send) and types s into it.
func typeDraft(t *testing.T, ctx context.Context, s string) {
	t.Helper()
	run(t, ctx, chromedp.Evaluate[chromedp.Void](`(() => { const d = document.getElementById("draft"); d.value = ""; d.dispatchEvent(new Event("input")); })()`),
		chromedp.SendKeys(css("#draft"), s))
	poll(t, ctx, fmt.Sprintf(`document.getElementById("echo").textContent === %q`, s))
}

// TestUITwoTabs drives testdata/e2e/ui.prog, a list shared by two tabs
// and built with HTML literals, sources and a keyed for.
func TestUITwoTabs(t *testing.T) {
	url := serve(t, filepath.Join("..", "testdata", "e2e", "ui.prog"))
	tab := browser(t)
	a, b := tab(), tab()
	for _, ctx := range []context.Context{a, b} {
		run(t, ctx, chromedp.Navigate(url), chromedp.WaitVisible(css("#draft")),
			chromedp.Evaluate[chromedp.Void](`window.alive = 1`))
	}

	// disabled follows a source: Add is disabled while the draft is empty.
	expect(t, a, "disabled at first", `document.getElementById("add").disabled ? "" : "enabled with an empty draft"`)

	// bind: typing sets the source, which a text hole shows, as text.
	typeDraft(t, a, "<img src=x onerror=alert(1)>")
	expect(t, a, "text hole", `document.querySelector("img") || document.getElementById("echo").children.length ? document.getElementById("echo").innerHTML : ""`)
	expect(t, a, "disabled after typing", `document.getElementById("add").disabled ? "still disabled" : ""`)

	// A javascript: href is left out; an https one is set.
	typeDraft(t, a, "javascript:alert(1)")
	expect(t, a, "javascript: href", `document.getElementById("link").hasAttribute("href") ? document.getElementById("link").getAttribute("href") : ""`)
	typeDraft(t, a, "https://example.com/")
	expect(t, a, "https href", `document.getElementById("link").getAttribute("href") === "https://example.com/" ? "" : String(document.getElementById("link").getAttribute("href"))`)

	// onsubmit does not reload the page; its set(draft, "") empties the
	// field (bind the other way).
	add := func(ctx context.Context, text string) {
		t.Helper()
		typeDraft(t, ctx, text)
		run(t, ctx, chromedp.Click(css("#add")))
		poll(t, ctx, fmt.Sprintf(`[...document.querySelectorAll("#list .text")].some(e => e.textContent === %q)`, text))
	}
	add(a, "first")
	expect(t, a, "after submit", `(() => {
		if (window.alive !== 1) return "the page was reloaded";
		if (document.getElementById("draft").value !== "") return "the field holds " + document.getElementById("draft").value;
		if (document.getElementById("sent").textContent !== "1 sent") return document.getElementById("sent").textContent;
		return document.getElementById("add").disabled ? "" : "Add enabled with an empty draft";
	})()`)
	add(a, "second")
	add(b, "third")
	poll(t, a, rowsText+` === "first|second|third"`)
	poll(t, b, rowsText+` === "first|second|third"`)

	// Per-row buttons act on their own row; the class follows the item.
	run(t, b, chromedp.Click(css("#list li:nth-child(2) .toggle")))
	for _, ctx := range []context.Context{a, b} {
		poll(t, ctx, rowsText+` === "first|second(done)|third"`)
		expect(t, ctx, "toggle's text", `[...document.querySelectorAll("#list .toggle")].map(b => b.textContent).join() === "Done,Undo,Done" ? "" : [...document.querySelectorAll("#list .toggle")].map(b => b.textContent).join()`)
	}

	// A keyed update keeps an untouched row's node, its focus and its
	// typed text, and updates a changed row in place.
	run(t, a, chromedp.Evaluate[chromedp.Void](`window.keep = document.querySelector("#list li")`),
		chromedp.SendKeys(css("#list li:nth-child(1) .note"), "typed"))
	add(b, "fourth")
	run(t, b, chromedp.Click(css("#list li:nth-child(1) .toggle")))
	poll(t, a, rowsText+` === "first(done)|second(done)|third|fourth"`)
	expect(t, a, "the kept row", `(() => {
		const li = document.querySelector("#list li");
		if (li !== keep) return "row 1 is a new node";
		if (document.activeElement !== li.querySelector(".note")) return "focus is on " + document.activeElement.outerHTML;
		return li.querySelector(".note").value === "typed" ? "" : "typed text is " + li.querySelector(".note").value;
	})()`)

	// A row removed in one tab disappears in the other.
	run(t, b, chromedp.Click(css("#list li:nth-child(2) .remove")))
	poll(t, a, rowsText+` === "first(done)|third|fourth"`)
	expect(t, a, "the kept row after a removal", `document.querySelector("#list li") === keep && keep.querySelector(".note").value === "typed" ? "" : "row 1 changed"`)
	for i := 0; i < 3; i++ {
		run(t, a, chromedp.Click(css("#list li:nth-child(1) .remove")))
		poll(t, a, fmt.Sprintf(`document.querySelectorAll("#list li").length === %d`, 2-i))
	}
	poll(t, b, `document.getElementById("empty") !== null && document.querySelectorAll("#list li").length === 0`)
}

// TestUIGoldenPage runs testdata/golden/ui.prog, which has every part of
// an HTML literal, and checks the page it builds and how it follows its
// sources: the generated code finds each hole's place in a cloned
// template.
func TestUIGoldenPage(t *testing.T) {
	url := serve(t, filepath.Join("..", "testdata", "golden", "ui.prog"))
	ctx := browser(t)()
	run(t, ctx, chromedp.Navigate(url), chromedp.WaitVisible(css("#app form")))
	html := func() string {
		return get(t, ctx, chromedp.Evaluate[string](`document.getElementById("app").innerHTML`))
	}
	const want = `<h1 style="margin: 0px; color: green;">Steps &amp; more</h1><hr>` +
		`<ol><li class="cur">a</li><li class="done">b</li></ol>` +
		`<ul><li title="a" data-n="1">1: a<button>pick</button></li><li title="b" data-n="2">2: b<button disabled="">pick</button></li></ul><hr>` +
		`<form><input required="" value="x"><input type="checkbox"><select><option value="a">A</option><option value="b" selected="">B</option></select>` +
		`<a href="/steps/">link</a><img src="/logo.png" alt=""></form>Who are you?nothing found<p>1.5 true 1</p>`
	if got := html(); got != want {
		t.Errorf("the page:\n got %s\nwant %s", got, want)
	}
	expect(t, ctx, "bind on the select", `document.querySelector("select").value === "b" ? "" : document.querySelector("select").value`)
	// Enter in the field sets cur to 0 (class:cur goes, the p is
	// hidden), the first row's pick sets it back; typing fills the name's
	// holes; the checkbox switches the if.
	run(t, ctx, chromedp.SendKeys(css("form input"), "\r"))
	poll(t, ctx, `document.querySelector("ol li").className === "" && document.querySelector("p").hidden`)
	run(t, ctx, chromedp.Click(css("ul li:nth-child(1) button")))
	poll(t, ctx, `document.querySelector("ol li").className === "cur" && !document.querySelector("p").hidden`)
	run(t, ctx, chromedp.SendKeys(css("form input"), "bob"))
	poll(t, ctx, `document.getElementById("app").innerHTML.includes("Hello bob")`)
	run(t, ctx, chromedp.Click(css("input[type=checkbox]")))
	poll(t, ctx, `document.getElementById("app").innerHTML.includes("<p>Thanks, bob.</p>nothing found<p>1.5 true 1</p>")`)
	expect(t, ctx, "the link", `document.querySelector("a").getAttribute("href") === "/steps/bob" ? "" : document.querySelector("a").getAttribute("href")`)
}

// TestRowsBench runs the UI benchmark's two pages (testdata/bench/ui:
// rows.prog and vanilla.html) through its operations, as progbench does
// but untimed, and checks that they show the same table after each.
func TestRowsBench(t *testing.T) {
	progURL := serve(t, filepath.Join("..", "testdata", "bench", "ui", "rows.prog"))
	vanilla, err := os.ReadFile(filepath.Join("..", "testdata", "bench", "ui", "vanilla.html"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(vanilla)
	}))
	t.Cleanup(srv.Close)
	tab := browser(t)
	p, v := tab(), tab()
	run(t, p, chromedp.Navigate(progURL), chromedp.WaitVisible(css("#run")))
	run(t, v, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(css("#run")))
	table := `[...document.querySelectorAll("#tbody tr")].map(tr => tr.className + ":" + tr.children[0].textContent + ":" + tr.children[1].textContent).join("|")`
	for _, step := range []struct {
		click string
		rows  int
	}{
		{"#run", 1000}, {"#update", 1000}, {"#tbody tr:nth-child(2) a.lbl", 1000}, {"#swaprows", 1000},
		{"#tbody tr:nth-child(4) a.remove", 999}, {"#add", 1999}, {"#run", 1000}, {"#tbody tr:nth-child(7) a.lbl", 1000},
		{"#clear", 0}, {"#runlots", 10000}, {"#clear", 0},
	} {
		var got [2]string
		for i, ctx := range []context.Context{p, v} {
			run(t, ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).click()`, step.click)))
			poll(t, ctx, fmt.Sprintf(`document.querySelectorAll("#tbody tr").length === %d`, step.rows))
			got[i] = get(t, ctx, chromedp.Evaluate[string](table))
		}
		if got[0] != got[1] {
			n := min(len(got[0]), len(got[1]), 300)
			t.Fatalf("after %s the tables differ:\n prog    %s…\n vanilla %s…", step.click, got[0][:n], got[1][:n])
		}
	}
}

// TestRowsBenchMoves checks the DOM work of the rows benchmark's
// operations on Prog's page: swapping rows 2 and 999 of 1,000 moves those
// two rows only, updating every 10th row and selecting one move none, and
// removing one removes it alone; every other row keeps its node.
func TestRowsBenchMoves(t *testing.T) {
	url := serve(t, filepath.Join("..", "testdata", "bench", "ui", "rows.prog"))
	ctx := browser(t)()
	run(t, ctx, chromedp.Navigate(url), chromedp.WaitVisible(css("#run")))
	run(t, ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector("#run").click()`))
	poll(t, ctx, `document.querySelectorAll("#tbody tr").length === 1000`)
	for _, c := range []struct {
		click string
		// the rows (indexes before the click) added and removed, and the
		// old index of each row after it
		added, removed, order string
	}{
		{"#swaprows", "1,998", "1,998", "0,998,2-997,1,999"},
		{"#update", "", "", "0-999"},
		{"#tbody tr:nth-child(2) a.lbl", "", "", "0-999"},
		{"#tbody tr:nth-child(4) a.remove", "", "3", "0-2,4-999"},
	} {
		run(t, ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
			const tb = document.getElementById("tbody");
			window.before = [...tb.children];
			window.recs = [];
			window.mo = new MutationObserver((rs) => recs.push(...rs));
			mo.observe(tb, { childList: true });
			window.changed = false;
			new MutationObserver((_, o) => { changed = true; o.disconnect(); }).observe(tb, { childList: true, subtree: true, attributes: true, characterData: true });
			document.querySelector(%q).click();
		})()`, c.click)))
		poll(t, ctx, `changed`)
		got := get(t, ctx, chromedp.Evaluate[string](`(() => {
			recs.push(...mo.takeRecords());
			mo.disconnect();
			const idx = (nodes) => nodes.map((n) => before.indexOf(n)).sort((a, b) => a - b).join();
			const added = idx(recs.flatMap((r) => [...r.addedNodes])), removed = idx(recs.flatMap((r) => [...r.removedNodes]));
			const order = [...document.getElementById("tbody").children].map((n) => before.indexOf(n));
			// Runs of consecutive indexes as a-b.
			const runs = [];
			for (let i = 0; i < order.length; ) {
				let j = i;
				while (j + 1 < order.length && order[j + 1] === order[j] + 1) j++;
				runs.push(j > i + 1 ? order[i] + "-" + order[j] : j > i ? order[i] + "," + order[j] : "" + order[i]);
				i = j + 1;
			}
			return added + " / " + removed + " / " + runs.join();
		})()`))
		if want := c.added + " / " + c.removed + " / " + c.order; got != want {
			t.Errorf("%s: added / removed / order %s, want %s", c.click, got, want)
		}
	}
}

// TestUINesting runs testdata/e2e/nest.prog: content for, if and match
// inside the rows of a keyed list, a list of lists, fragment rows.
func TestUINesting(t *testing.T) {
	url := serve(t, filepath.Join("..", "testdata", "e2e", "nest.prog"))
	ctx := browser(t)()
	run(t, ctx, chromedp.Navigate(url), chromedp.WaitVisible(css("#go")))
	page := `["t", "u", "f"].map(id => document.getElementById(id).innerHTML).join(" ")`
	want := `<p>1:<b>a</b><b>b</b>|n1|many</p><p>2:|-|few</p> <li>1.a</li><li>1.b</li> [1][2]`
	if got := get(t, ctx, chromedp.Evaluate[string](page)); got != want {
		t.Errorf("at first:\n got %s\nwant %s", got, want)
	}
	run(t, ctx, chromedp.Evaluate[chromedp.Void](`window.p1 = document.querySelector("#t p"); window.b1 = p1.querySelector("b")`),
		chromedp.Click(css("#go")))
	want = `<p>2:<b>c</b>|n2|few</p><p>1:<b>B</b><b>a</b>|-|many</p> <li>2.c</li><li>1.B</li><li>1.a</li> [2][1]`
	poll(t, ctx, page+` === `+fmt.Sprintf("%q", want))
	expect(t, ctx, "kept nodes", `(() => {
		const p = document.querySelectorAll("#t p")[1];
		if (p !== p1) return "row 1's p is new";
		return p.querySelectorAll("b")[1] === b1 ? "" : "cell 1's b is new";
	})()`)
}
