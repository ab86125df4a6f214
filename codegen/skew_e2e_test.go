package codegen_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Version skew (docs/RUNTIME.md, "Version skew"): a page of one build
// whose push or call reaches a server of another build reloads itself into
// that build, at most once in 30 s.

// buildB builds chat with another heading and a line more in its client
// code: the same program name and protocol, another bundle, as a deploy of
// a new version would.
func buildB(t *testing.T) string {
	t.Helper()
	r, _ := binOnce.LoadOrStore("chat, build B", &buildResult{})
	br := r.(*buildResult)
	br.once.Do(func() {
		file := filepath.Join("..", "testdata", "examples", "chat.prog")
		src, err := os.ReadFile(file)
		if err != nil {
			br.err = err
			return
		}
		// The build is the bundle's hash: B changes the client code too.
		b := strings.NewReplacer("<h1>Chat</h1>", "<h1>Chat, build B</h1>",
			`onEnter("msg", speak)`, `onEnter("msg", speak)`+"\n  log(\"build B\")").Replace(string(src))
		if strings.Count(b, "build B") != 2 {
			br.err = errors.New("chat.prog has changed: this test no longer knows where to change it")
			return
		}
		dir := filepath.Join(binDir, "b")
		if br.err = os.MkdirAll(dir, 0o755); br.err != nil {
			return
		}
		br.bin = filepath.Join(dir, "chat")
		br.err = buildSource("chat", file, []byte(b), br.bin)
	})
	if br.err != nil || br.bin == "" {
		t.Fatalf("build chat, build B: %v", br.err)
	}
	return br.bin
}

// A server restarted with another build on the same address: the open
// page's next push meets the new build, and the page reloads itself into
// it, without a word to the user, and chats on.
func TestVersionSkewReloads(t *testing.T) {
	a, b := build(t, "chat"), buildB(t)
	addr := freeAddr(t)
	args := []string{"--addr", addr, "--db", filepath.Join(t.TempDir(), "chat.db")}
	u, stop := start(t, a, args...)
	tab := browser(t)()
	run(t, tab, chromedp.Navigate(u))
	say(t, tab, "before the deploy")
	wait := reloads(t, tab)
	stop()
	start(t, b, args...)
	wait()
	say(t, tab, "after the deploy")
}

// reloads returns what waits until tab has loaded its page again, into
// build B, and shows no alert.
func reloads(t *testing.T, tab context.Context) (wait func()) {
	t.Helper()
	loaded := make(chan struct{}, 1)
	if err := chromedp.Listen(tab, func(ev any) {
		if _, ok := ev.(*page.EventLoadEventFired); ok {
			select {
			case loaded <- struct{}{}:
			default:
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	select { // the first load's event, if it came late
	case <-loaded:
	default:
	}
	return func() {
		t.Helper()
		select {
		case <-loaded:
		case <-time.After(30 * time.Second):
			t.Fatal("the page did not reload itself after the server's build changed")
		}
		waitJS(t, tab, `document.querySelector("h1")?.textContent === "Chat, build B"`)
		if n := get(t, tab, chromedp.Evaluate[int](`document.querySelectorAll("[role=alert]").length`)); n != 0 {
			t.Errorf("the reloaded page shows %d alerts", n)
		}
	}
}

// A skew that lasts: a proxy sends some requests of the page to build A
// and the others to build B. The page reloads once, and then says that
// the server runs another version instead of reloading again. Either its
// push and calls meet the other build (409, reload), or already its
// bundle request does (the script that build serves in its place).
func TestVersionSkewReloadIsBounded(t *testing.T) {
	a, b := build(t, "chat"), buildB(t)
	dir := t.TempDir()
	ua, _ := start(t, a, "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "a.db"))
	ub, _ := start(t, b, "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "b.db"))
	proxyTo := func(page string) *httputil.ReverseProxy {
		u, err := url.Parse(page)
		if err != nil {
			t.Fatal(err)
		}
		u.Path = ""
		return httputil.NewSingleHostReverseProxy(u)
	}
	toA, toB := proxyTo(ua), proxyTo(ub)
	for _, c := range []struct {
		name string
		toA  func(path string) bool // the other requests go to B
	}{
		{"calls", func(path string) bool { return strings.HasPrefix(path, "/push/") || strings.HasPrefix(path, "/pull/") }},
		{"bundle", func(path string) bool { return path == "/chat" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			var pages atomic.Int64
			proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/chat" {
					pages.Add(1)
				}
				if c.toA(r.URL.Path) {
					toA.ServeHTTP(w, r)
				} else {
					toB.ServeHTTP(w, r)
				}
			}))
			t.Cleanup(proxy.Close)
			tab := browser(t)()
			run(t, tab, chromedp.Navigate(proxy.URL+"/chat"))
			// The reload cuts a poll that is running; the next one sees the new page.
			for i := 0; ; i++ {
				_, err := chromedp.Run(tab, chromedp.Poll[chromedp.Void](`document.querySelector("[role=alert]") !== null`, chromedp.WithPollingTimeout(20*time.Second)))
				if err == nil {
					break
				}
				if i == 3 || !strings.Contains(err.Error(), "(-32000)") { // the page navigated, or its context went with it
					t.Fatalf("the page never said that the server runs another version: %v", err)
				}
			}
			msg := get(t, tab, chromedp.Text(css("[role=alert]")))
			if !strings.Contains(msg, "another version of this program") {
				t.Errorf("the page says %q", msg)
			}
			// Once the page says so it never reloads by itself: the count is final.
			if n := pages.Load(); n != 2 {
				t.Errorf("the page was loaded %d times, want 2 (the first view and one reload)", n)
			}
		})
	}
}

// With --push-origin the page's push requests are cross-origin and carry
// Prog-Build: the preflight allows it, and the page chats. The page is
// served as 127.0.0.1, its pushes go to localhost: two origins, one
// server.
func TestPushOriginSendsBuild(t *testing.T) {
	bin := build(t, "chat")
	addr := freeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	u, _ := start(t, bin, "--addr", addr, "--db", filepath.Join(t.TempDir(), "chat.db"), "--push-origin", "http://localhost:"+port)
	a, b := twoTabs(t, u, `document.getElementById("send") !== null`)
	say(t, a, "pushed across origins")
	waitItem(t, b, "log", "pushed across origins")
}
