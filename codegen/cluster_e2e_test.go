package codegen_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/prog-lang/prog/runtime/nginxtest"
	"github.com/prog-lang/prog/runtime/pgtest"
)

// TestChatClusterNginx: two chat servers started with --cluster on one
// PostgreSQL, behind nginx (round-robin, no stickiness, the configuration
// docs/SCALING.md shows); two Chromium tabs chat through it, go on
// chatting when one server is killed with SIGKILL and started again, and
// through a rolling restart of both (each stopped as a deploy stops it,
// and started again); neither page ends.
func TestChatClusterNginx(t *testing.T) {
	db := pgtest.Shared(t).NewDatabase(t)
	bin := build(t, "chat")
	hosts := make([]string, 2)
	stops, kills := make([]func(), 2), make([]func(), 2)
	startNode := func(i int, addr string) {
		u, stop, kill := startProcess(t, bin, "--addr", addr, "--db", db, "--cluster", "--session-rate", "0", "-v")
		p, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		hosts[i], stops[i], kills[i] = p.Host, stop, kill
	}
	startNode(0, "127.0.0.1:0")
	startNode(1, "127.0.0.1:0")
	front := nginxtest.Start(t, hosts[0], hosts[1]).URL + "/chat"
	tab := browser(t)
	a, b := tab(), tab()
	run(t, a, chromedp.Navigate(front))
	run(t, b, chromedp.Navigate(front))
	say(t, a, "a is here")
	say(t, b, "b is here")
	waitItem(t, a, "log", "b is here")
	kills[1]()
	exchange(t, a, b)
	// Started again on its address, then a rolling restart of both.
	startNode(1, hosts[1])
	for i, line := range []string{"during the deploy", "after the deploy"} {
		stops[i]()
		startNode(i, hosts[i])
		say(t, a, line)
		waitItem(t, b, "log", line)
	}
	for _, tabCtx := range []context.Context{a, b} {
		if n := get(t, tabCtx, chromedp.Evaluate[int](`document.querySelectorAll("[role=alert]").length`)); n != 0 {
			t.Errorf("a tab says its session ended")
		}
	}
}
