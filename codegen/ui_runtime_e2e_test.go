package codegen_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/prog-lang/prog/codegen/jsclient"
)

// uiPage serves testdata/ui/name.js bundled with the client runtime on a
// page with an empty #app, and returns its URL.
func uiPage(t *testing.T, name string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "testdata", "ui", name+".js"))
	if err != nil {
		t.Fatal(err)
	}
	js, _, err := jsclient.Bundle(src, name)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/t.js" {
			w.Header().Set("Content-Type", "text/javascript")
			w.Write(js)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><html><body><div id="app"></div><script src="/t.js"></script></body></html>`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

// expect evaluates a JavaScript expression that gives "" when what it
// checks holds and otherwise says what it found.
func expect(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	if got := get(t, ctx, chromedp.Evaluate[string](js)); got != "" {
		t.Errorf("%s: %s", what, got)
	}
}

// poll waits until a JavaScript expression is true.
func poll(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	run(t, ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(10*time.Second)))
}

// TestUIRuntime drives the UI parts of the client runtime (reactive.js,
// ui.js) in Chromium through testdata/ui/runtime.js, which builds its page
// as generated code does.
func TestUIRuntime(t *testing.T) {
	url := uiPage(t, "runtime")
	ctx := browser(t)()
	run(t, ctx, chromedp.Navigate(url), chromedp.WaitVisible(css("#list li")))
	run(t, ctx, chromedp.Evaluate[chromedp.Void](`window.alive = 1`))

	// Each row's button acts on its own row.
	run(t, ctx, chromedp.Click(css("#list li:nth-child(2) button")))
	poll(t, ctx, `T.clicks.length === 1`)
	run(t, ctx, chromedp.Click(css("#list li:nth-child(3) button")))
	poll(t, ctx, `T.clicks.length === 2`)
	expect(t, ctx, "per-row handlers", `T.clicks.join() === "2,3" ? "" : T.clicks.join()`)

	// class:sel follows a source.
	expect(t, ctx, "class toggles", `(() => {
		T.$.set(T.sel, 2n);
		const on = [...document.querySelectorAll("#list li")].map(li => li.classList.contains("sel"));
		T.$.set(T.sel, 3n);
		const on2 = [...document.querySelectorAll("#list li")].map(li => li.className);
		return on.join() === "false,true,false" && on2.join() === ",,sel" ? "" : on.join() + " / " + on2.join("|");
	})()`)

	// disabled follows a source.
	expect(t, ctx, "disabled", `(() => {
		const b = document.getElementById("go"), was = b.disabled;
		T.$.set(T.busy, true);
		const now = b.disabled;
		T.$.set(T.busy, false);
		return !was && now && !b.disabled ? "" : [was, now, b.disabled].join();
	})()`)

	// bind, both ways: typing sets the source; set changes the field.
	run(t, ctx, chromedp.SendKeys(css("#field"), "hi"))
	poll(t, ctx, `T.$.get(T.draft) === "hi"`)
	expect(t, ctx, "bind: the hole reading the source", `document.getElementById("out").textContent === "hi" ? "" : document.getElementById("out").textContent`)
	expect(t, ctx, "bind: set", `(() => { T.$.set(T.draft, "yo"); const v = document.getElementById("field").value; return v === "yo" ? "" : v; })()`)
	run(t, ctx, chromedp.Click(css("#box")))
	poll(t, ctx, `T.$.get(T.done) === true`)
	expect(t, ctx, "bind checkbox: set", `(() => { T.$.set(T.done, false); return document.getElementById("box").checked ? "still checked" : ""; })()`)

	// A keyed update keeps an untouched row's node, its focus and its
	// typed text; a changed item updates its hole in place.
	run(t, ctx, chromedp.Evaluate[chromedp.Void](`window.keep = document.querySelectorAll("#list li")[1]`))
	run(t, ctx, chromedp.SendKeys(css("#list li:nth-child(2) input"), "typed"))
	expect(t, ctx, "keyed update", `(() => {
		T.$.set(T.items, [T.it(1, "a2"), T.it(2, "b"), T.it(4, "d"), T.it(3, "c")]);
		const lis = [...document.querySelectorAll("#list li")];
		const texts = lis.map(li => li.firstChild.data).join();
		if (texts !== "a2,b,d,c") return "texts " + texts;
		if (lis[1] !== keep) return "row 2 is a new node";
		if (document.activeElement !== keep.querySelector("input")) return "row 2 lost focus to " + document.activeElement.outerHTML;
		if (keep.querySelector("input").value !== "typed") return "typed text is " + keep.querySelector("input").value;
		T.$.set(T.items, [T.it(1, "a2"), T.it(2, "B"), T.it(4, "d"), T.it(3, "c")]);
		if (document.querySelectorAll("#list li")[1] !== keep || keep.firstChild.data !== "B") return "row 2 not updated in place";
		if (document.activeElement !== keep.querySelector("input")) return "row 2 lost focus after its item changed";
		if (T.sel.o.size !== 4) return "selection readers " + T.sel.o.size + ", want one a row";
		return "";
	})()`)

	// A swap moves two rows; removal disposes the row's effects.
	expect(t, ctx, "swap", `(() => {
		T.$.set(T.items, [1, 2, 3, 4, 5].map(i => T.it(i, "r" + i)));
		const ul = document.getElementById("list"), before = [...ul.children];
		const mo = new MutationObserver(() => {});
		mo.observe(ul, { childList: true });
		T.$.set(T.items, [1, 4, 3, 2, 5].map(i => T.it(i, "r" + i)));
		const added = mo.takeRecords().reduce((n, r) => n + r.addedNodes.length, 0);
		mo.disconnect();
		const after = [...ul.children];
		if (after.map(li => li.firstChild.data).join() !== "r1,r4,r3,r2,r5") return "order " + after.map(li => li.textContent).join();
		if (![0, 3, 2, 1, 4].every((j, i) => after[i] === before[j])) return "a row was rebuilt";
		if (added !== 2) return added + " nodes moved, want 2";
		T.$.set(T.items, [1, 4, 2, 5].map(i => T.it(i, "r" + i)));
		if (ul.children.length !== 4 || T.sel.o.size !== 4) return "after removing: " + ul.children.length + " rows, " + T.sel.o.size + " readers";
		return "";
	})()`)

	// Random reorders, with rows added and removed: the order is the
	// items', and a row whose key stays keeps its node.
	expect(t, ctx, "reorders", `(() => {
		let seed = 7;
		const rand = (n) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
		const ul = document.getElementById("list");
		for (let round = 0; round < 50; round++) {
			const before = new Map([...ul.children].map((li) => [li.firstChild.data, li]));
			const ids = [];
			for (let i = 0; i < 30; i++) if (rand(3)) ids.push(i);
			for (let i = ids.length - 1; i > 0; i--) { const j = rand(i + 1); [ids[i], ids[j]] = [ids[j], ids[i]]; }
			T.$.set(T.items, ids.map((i) => T.it(i, "k" + i)));
			const after = [...ul.children];
			if (after.map((li) => li.firstChild.data).join() !== ids.map((i) => "k" + i).join()) return "round " + round + ": " + after.map((li) => li.firstChild.data).join();
			for (const li of after) if (before.has(li.firstChild.data) && before.get(li.firstChild.data) !== li) return "round " + round + ": " + li.firstChild.data + " rebuilt";
		}
		T.$.set(T.items, [1, 4, 2, 5].map(i => T.it(i, "r" + i)));
		return "";
	})()`)

	// An effect follows what it read on its last run only: a source it
	// stopped reading no longer runs it, and dispose leaves every source.
	expect(t, ctx, "reads", `(() => {
		const $ = T.$, a = $.source(true), b = $.source(1), c = $.source(2), d = $.source(3);
		let runs = 0, stop;
		$.root((dispose) => { stop = dispose; $.effect(() => { runs++; $.get(d); if ($.get(a)) $.get(b); else { $.get(c); $.get(b); } }); });
		const readers = () => [a, b, c, d].map((s) => (s.o ? s.o.size : 0)).join("");
		const out = [];
		const check = (what, wantRuns, wantReaders) => { if (runs !== wantRuns || readers() !== wantReaders) out.push(what + ": " + runs + " runs, readers " + readers()); };
		check("first", 1, "1101");
		$.set(a, false); check("a off", 2, "1111");
		$.set(c, 5); check("c read", 3, "1111");
		$.set(a, true); check("a on", 4, "1101");
		$.set(c, 6); check("c no longer read", 4, "1101");
		$.set(b, 7); check("b read", 5, "1101");
		stop(); check("disposed", 5, "0000");
		$.set(d, 8); check("after dispose", 5, "0000");
		return out.join("; ");
	})()`)

	// Rows of two nodes each: the fast paths (a swap, a block removed,
	// items changed in place) move and remove whole rows, and only those.
	expect(t, ctx, "two-node rows", `(() => {
		const dl = document.getElementById("pairs");
		const texts = () => [...dl.children].map((n) => n.textContent).join();
		const step = (ids, want, wantAdded, wantRemoved) => {
			const before = new Map([...dl.children].map((n, i) => [n.textContent + (i % 2 ? "dd" : "dt"), n]));
			const mo = new MutationObserver(() => {});
			mo.observe(dl, { childList: true });
			T.$.set(T.pairs, ids.map((i) => T.it(i, "p" + i)));
			const recs = mo.takeRecords();
			mo.disconnect();
			const added = recs.reduce((n, r) => n + r.addedNodes.length, 0), removed = recs.reduce((n, r) => n + r.removedNodes.length, 0);
			if (texts() !== want) return ids + ": " + texts() + ", want " + want;
			if (added !== wantAdded || removed !== wantRemoved) return ids + ": " + added + " nodes added, " + removed + " removed, want " + wantAdded + ", " + wantRemoved;
			for (const [i, n] of [...dl.children].entries()) if (before.has(n.textContent + (i % 2 ? "dd" : "dt")) && before.get(n.textContent + (i % 2 ? "dd" : "dt")) !== n) return ids + ": " + n.textContent + " rebuilt";
			return "";
		};
		return step([5, 2, 3, 4, 1], "p5,5,p2,2,p3,3,p4,4,p1,1", 4, 4) ||
			step([5, 3, 2, 4, 1], "p5,5,p3,3,p2,2,p4,4,p1,1", 2, 2) ||
			step([5, 1], "p5,5,p1,1", 0, 6) ||
			step([1, 5], "p1,1,p5,5", 2, 2) ||
			step([1, 5, 6], "p1,1,p5,5,p6,6", 2, 0) ||
			step([], "", 2, 8) || // cleared at once: the two empty Text markers go out and back

			(T.psel.o?.size ? "readers left: " + T.psel.o.size : "") ||
			step([1, 2, 3], "p1,1,p2,2,p3,3", 6, 0) ||
			(() => {
				// An item changed in place: its holes update, no node moves.
				const dt = dl.children[2];
				T.$.set(T.pairs, [T.it(1, "p1"), T.it(2, "two"), T.it(3, "p3")]);
				return dl.children[2] === dt && dt.textContent === "two" && T.psel.o.size === 3 ? "" : "in place: " + texts();
			})() ||
			(() => {
				// A duplicate key that only the general case sees: nothing changes.
				const n = T.errors.length;
				T.$.set(T.pairs, [T.it(1, "p1"), T.it(1, "x")]);
				return T.errors.length === n + 1 && T.errors[n].includes("duplicate key 1") && texts() === "p1,1,two,2,p3,3" ? "" : "duplicate: " + texts() + " " + T.errors.slice(n).join(" | ");
			})();
	})()`)

	// A duplicate key is an error on the console; the list stays as it was.
	expect(t, ctx, "duplicate key", `(() => {
		T.$.set(T.items, [T.it(7, "x"), T.it(7, "y")]);
		const e = T.errors.find(e => e.includes("duplicate key 7"));
		return e && document.querySelectorAll("#list li").length === 4 ? "" : "errors: " + T.errors.join(" | ");
	})()`)

	// A text hole shows markup as text; a javascript: href is left out.
	expect(t, ctx, "text hole", `(() => {
		const p = document.getElementById("bad");
		return p.textContent === "<img src=x onerror=alert(1)>" && p.children.length === 0 && !document.querySelector("img") ? "" : p.innerHTML;
	})()`)
	expect(t, ctx, "url", `(() => {
		const a = document.getElementById("link");
		if (a.hasAttribute("href")) return "javascript: href set: " + a.getAttribute("href");
		if (!T.errors.some(e => e.includes("href left out of <a>"))) return "no console error: " + T.errors.join(" | ");
		const out = [];
		for (const [u, ok] of [["https://example.com/x", true], ["mailto:a@b.c", true], ["/rel?x=a:b", true], ["  JaVa\tScRiPt:alert(1)", false], ["data:text/html,x", false], ["x", true]]) {
			T.$.set(T.href, u);
			if (a.hasAttribute("href") !== ok) out.push(u);
		}
		return out.join(" ");
	})()`)

	// if in content; a positional list.
	expect(t, ctx, "when", `(() => {
		const w = document.getElementById("when"), a = w.textContent;
		T.$.set(T.show, false);
		const b = w.innerHTML;
		T.$.set(T.show, true);
		return a === "shown" && b.includes("<i>hidden</i>") && w.textContent === "shown" ? "" : [a, b, w.textContent].join(" / ");
	})()`)
	expect(t, ctx, "indexed", `(() => {
		const ol = document.getElementById("nums"), first = ol.children[0];
		T.$.set(T.nums, [5n, 2n, 3n, 4n]);
		const t1 = ol.textContent;
		T.$.set(T.nums, [6n]);
		return t1 === "5234" && ol.textContent === "6" && ol.children[0] === first ? "" : t1 + " / " + ol.textContent;
	})()`)

	// onsubmit does not reload the page.
	run(t, ctx, chromedp.Click(css("#submit")))
	poll(t, ctx, `T.submits() === 1`)
	expect(t, ctx, "submit", `window.alive === 1 ? "" : "the page was reloaded"`)

	// Overflow names the operation (formatted only when it fails).
	expect(t, ctx, "overflow", `(() => {
		const msg = (f) => { try { f(); return "no error"; } catch (e) { return e.message; } };
		const got = [msg(() => T.$.imul(1n << 62n, 4n)), msg(() => T.$.ineg(-(1n << 63n))), msg(() => T.$.iadd((1n << 63n) - 1n, 1n))].join(" | ");
		return got === "int overflow: 4611686018427387904 * 4 | int overflow: -(-9223372036854775808) | int overflow: 9223372036854775807 + 1" ? "" : got;
	})()`)

	// A second mount on the element disposes the first: its holes stop
	// reading their sources.
	expect(t, ctx, "mount again", `(() => {
		T.$.mount("app", "again");
		const app = document.getElementById("app");
		if (app.textContent !== "again") return app.innerHTML;
		const readers = [T.items, T.sel, T.busy, T.draft, T.done, T.bad, T.href, T.show, T.nums].map((s) => s.o ? s.o.size : 0);
		return readers.every((n) => n === 0) ? "" : "readers left: " + readers.join();
	})()`)
}
