package codegen_test

import (
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prog-lang/prog/runtime/nginxtest"
)

// Chat behind nginx with the configuration docs/SCALING.md gives: two
// tabs whose every request goes through the proxy see each other's lines.
// One server: sessions live in its memory (SQLite). Several servers need
// cluster mode on PostgreSQL.
func TestChatThroughNginx(t *testing.T) {
	bin := build(t, "chat")
	page, _ := start(t, bin, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "chat.db"), "--trust-proxy", "127.0.0.1")
	u, err := url.Parse(page)
	if err != nil {
		t.Fatal(err)
	}
	proxy := nginxtest.Start(t, u.Host)
	a, b := twoTabs(t, proxy.URL+"/chat", `document.getElementById("send") !== null`)
	say(t, a, "a is here")
	say(t, b, "b is here")
	exchange(t, a, b)
	// Every request of the pages went through nginx.
	log := proxy.AccessLog()
	for _, r := range []string{`"GET /chat HTTP/1.1" 200`, `"POST /pull/`, `"GET /push/`} {
		if !strings.Contains(log, r) {
			t.Errorf("nginx's access log has no %s", r)
		}
	}
	if t.Failed() {
		t.Log(log, proxy.ErrorLog())
	}
}
