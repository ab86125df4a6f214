package codegen_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/prog-lang/prog/runtime/nginxtest"
	"github.com/prog-lang/prog/runtime/pgtest"
)

// TestChatClusterNginx: two chat servers started with --cluster on one
// PostgreSQL, behind nginx (round-robin, no stickiness, the configuration
// docs/SCALING.md shows); two Chromium tabs chat through it, and go on
// chatting when one server is killed with SIGKILL.
func TestChatClusterNginx(t *testing.T) {
	db := pgtest.Shared(t).NewDatabase(t)
	bin := build(t, "chat")
	var hosts []string
	var kill func()
	for range 2 {
		u, _, k := startProcess(t, bin, "--addr", "127.0.0.1:0", "--db", db, "--cluster", "--session-rate", "0")
		p, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		hosts = append(hosts, p.Host)
		kill = k
	}
	front := "http://" + nginxtest.Start(t, hosts[0], hosts[1]) + "/chat"
	tab := browser(t)
	a, b := tab(), tab()
	run(t, a, chromedp.Navigate(front))
	run(t, b, chromedp.Navigate(front))
	say(t, a, "a is here")
	say(t, b, "b is here")
	waitItem(t, a, "log", "b is here")
	kill() // the second server
	say(t, a, "hello from a")
	waitItem(t, b, "log", "hello from a")
	say(t, b, "hello from b")
	waitItem(t, a, "log", "hello from b")
	for _, tabCtx := range []context.Context{a, b} {
		got := items(t, tabCtx, "log")
		if strings.Join(got[len(got)-2:], "|") != "hello from a|hello from b" {
			t.Errorf("log ends %q, want the two lines in order", got)
		}
	}
}
