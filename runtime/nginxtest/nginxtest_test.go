package nginxtest

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
)

// upstream is a stand-in for a Prog server: it says its name and what
// nginx told it, and counts the connections nginx opened to it.
type upstream struct {
	name string
	srv  *httptest.Server

	mu    sync.Mutex
	conns int
	seen  []http.Header // with "Host" added
}

func newUpstream(t *testing.T, name string, hold chan chan struct{}) *upstream {
	u := &upstream{name: name}
	u.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Clone()
		h.Set("Host", r.Host)
		u.mu.Lock()
		u.seen = append(u.seen, h)
		u.mu.Unlock()
		if r.URL.Path == "/hold" { // a push request that waits for a message
			release := make(chan struct{})
			hold <- release
			<-release
		}
		io.WriteString(w, name)
	}))
	u.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			u.mu.Lock()
			u.conns++
			u.mu.Unlock()
		}
	}
	u.srv.Start()
	t.Cleanup(u.srv.Close)
	return u
}

func (u *upstream) addr() string { return strings.TrimPrefix(u.srv.URL, "http://") }

func get(t *testing.T, c *http.Client, url string, header ...string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

// Requests go round robin, whichever client sends them, over kept-alive
// connections; the Host the client sent and its address reach the
// server; a held request is answered when the server answers it.
func TestProxy(t *testing.T) {
	hold := make(chan chan struct{})
	a, b := newUpstream(t, "a", hold), newUpstream(t, "b", hold)
	p := Start(t, a.addr(), b.addr())
	c := &http.Client{}
	var got []string
	for range 6 {
		got = append(got, get(t, c, p.URL+"/chat"))
	}
	for i := 1; i < len(got); i++ {
		if got[i] == got[i-1] {
			t.Errorf("answered by %q: not round robin", got)
			break
		}
	}
	a.mu.Lock()
	requests, conns := len(a.seen), a.conns
	a.mu.Unlock()
	if conns >= requests {
		t.Errorf("nginx opened %d connections to a server for %d requests: no keep-alive", conns, requests)
	}
	u, _ := url.Parse(p.URL)
	get(t, c, p.URL+"/chat", "X-Forwarded-For", "203.0.113.1")
	get(t, c, p.URL+"/chat", "X-Forwarded-For", "203.0.113.1")
	for _, up := range []*upstream{a, b} {
		up.mu.Lock()
		h := up.seen[len(up.seen)-1]
		up.mu.Unlock()
		if h.Get("Host") != u.Host || h.Get("X-Forwarded-For") != "203.0.113.1, 127.0.0.1" {
			t.Errorf("server %s was told Host %q, X-Forwarded-For %q; want %q, and the client's list with 127.0.0.1 added",
				up.name, h.Get("Host"), h.Get("X-Forwarded-For"), u.Host)
		}
	}
	answered := make(chan string, 1)
	go func() {
		resp, err := http.Get(p.URL + "/hold")
		if err != nil {
			answered <- err.Error()
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answered <- string(body)
	}()
	close(<-hold)
	if got := <-answered; got != "a" && got != "b" {
		t.Errorf("the held request: %q", got)
	}
	if t.Failed() {
		t.Log(p.ErrorLog())
	}
}

// docs/SCALING.md quotes the configuration the tests run, for two
// servers on 127.0.0.1:8081 and :8082 behind nginx on port 80.
func TestScalingDocQuotesSite(t *testing.T) {
	doc, err := os.ReadFile("../../docs/SCALING.md")
	if err != nil {
		t.Fatal(err)
	}
	want := Site("80", []string{"127.0.0.1:8081", "127.0.0.1:8082"})
	if !strings.Contains(string(doc), "```nginx\n"+want+"```\n") {
		t.Errorf("docs/SCALING.md does not quote nginxtest.Site as the tests run it; it should hold:\n```nginx\n%s```", want)
	}
}
