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
		hosts[i], stops[i], kills[i] = clusterNode(t, bin, db, addr)
	}
	startNode(0, "127.0.0.1:0")
	startNode(1, "127.0.0.1:0")
	front := nginxtest.Start(t, hosts[0], hosts[1]).URL + "/chat"
	a, b := twoTabs(t, front, `document.getElementById("send") !== null`)
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

// TestChatClusterDeploy: a deploy of another build to a cluster behind
// nginx. Two chat servers of build A with --cluster; a tab chats. Server 1
// is replaced by build B and server 0 stopped: the tab's next request
// meets build B (nginx passes over the server that is down), and the tab
// reloads itself into build B and chats on; server 0 comes back as build
// B, and the tab chats through both.
func TestChatClusterDeploy(t *testing.T) {
	db := pgtest.Shared(t).NewDatabase(t)
	a, b := build(t, "chat"), buildB(t)
	hosts, stops := make([]string, 2), make([]func(), 2)
	startNode := func(i int, bin, addr string) {
		hosts[i], stops[i], _ = clusterNode(t, bin, db, addr)
	}
	startNode(0, a, "127.0.0.1:0")
	startNode(1, a, "127.0.0.1:0")
	front := nginxtest.Start(t, hosts[0], hosts[1]).URL + "/chat"
	tabs := browser(t)
	tab := tabs()
	run(t, tab, chromedp.Navigate(front))
	say(t, tab, "before the deploy")
	wait := reloads(t, tab)
	stops[1]()
	startNode(1, b, hosts[1])
	stops[0]()
	wait()
	say(t, tab, "on build B")
	startNode(0, b, hosts[0])
	other := tabs()
	run(t, other, chromedp.Navigate(front))
	say(t, other, "both on build B")
	waitItem(t, tab, "log", "both on build B")
}

// clusterNode starts bin as a cluster node on database db at addr, and
// returns its host (address and port) and what stops it as a deploy does,
// and kills it.
func clusterNode(t *testing.T, bin, db, addr string) (host string, stop, kill func()) {
	t.Helper()
	u, stop, kill := startProcess(t, bin, "--addr", addr, "--db", db, "--cluster", "--session-rate", "0", "-v")
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return p.Host, stop, kill
}
