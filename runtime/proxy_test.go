package runtime

import (
	"net/http"
	"testing"
)

func TestClientAddr(t *testing.T) {
	p, err := newProxyPolicy([]string{"127.0.0.1", "10.0.0.0/8", "[::1]"})
	if err != nil {
		t.Fatal(err)
	}
	none, _ := newProxyPolicy(nil)
	for _, c := range []struct {
		policy  proxyPolicy
		remote  string
		xff     []string
		want    string
		ignored bool
	}{
		{p, "192.0.2.1:5000", nil, "192.0.2.1", false},
		// From a client: its header is not believed.
		{p, "192.0.2.1:5000", []string{"198.51.100.7"}, "192.0.2.1", true},
		{none, "127.0.0.1:5000", []string{"198.51.100.7"}, "127.0.0.1", true},
		// From a trusted proxy: the last address that is not a proxy.
		{p, "127.0.0.1:5000", []string{"198.51.100.7"}, "198.51.100.7", false},
		{p, "[::1]:5000", []string{"2001:db8::1"}, "2001:db8::1", false},
		{p, "127.0.0.1:5000", []string{"203.0.113.9, 198.51.100.7"}, "198.51.100.7", false}, // the client wrote the first
		{p, "127.0.0.1:5000", []string{"198.51.100.7, 10.1.2.3"}, "198.51.100.7", false},    // through two proxies
		{p, "127.0.0.1:5000", []string{"198.51.100.7", "10.1.2.3"}, "198.51.100.7", false},  // as two headers
		{p, "127.0.0.1:5000", []string{"::ffff:198.51.100.7"}, "198.51.100.7", false},
		// Junk stops the walk at the last proxy.
		{p, "127.0.0.1:5000", []string{"198.51.100.7, junk, 10.1.2.3"}, "10.1.2.3", false},
		{p, "127.0.0.1:5000", []string{"junk"}, "127.0.0.1", false},
		{p, "127.0.0.1:5000", []string{"10.1.2.3"}, "10.1.2.3", false}, // only proxies: the first of them
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		for _, h := range c.xff {
			r.Header.Add("X-Forwarded-For", h)
		}
		got, ignored := c.policy.clientAddr(r)
		if got != c.want || ignored != c.ignored {
			t.Errorf("from %s with X-Forwarded-For %q (trusting %v): %s, ignored %v; want %s, %v", c.remote, c.xff, c.policy.trusted, got, ignored, c.want, c.ignored)
		}
	}
	for _, bad := range []string{"proxy.example", "10.0.0.0/33", ""} {
		if _, err := newProxyPolicy([]string{bad}); err == nil {
			t.Errorf("--trust-proxy %q: no error", bad)
		}
	}
}

// Behind a trusted proxy each client has its own allowance of new
// sessions; without --trust-proxy, X-Forwarded-For changes nothing.
func TestSessionRateBehindProxy(t *testing.T) {
	view := func(f *fixture, xff string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", f.http.URL+"/test", nil)
		req.Header.Set("X-Forwarded-For", xff)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	trusting := newFixture(t, Config{SessionRate: 1, TrustProxies: []string{"127.0.0.0/8", "::1"}})
	for _, c := range []struct {
		xff  string
		want int
	}{{"198.51.100.1", 200}, {"198.51.100.2", 200}, {"198.51.100.1", 429}, {"203.0.113.5, 198.51.100.2", 429}} {
		if got := view(trusting, c.xff); got != c.want {
			t.Errorf("trusting the proxy: a page view for %s: %d, want %d", c.xff, got, c.want)
		}
	}
	plain := newFixture(t, Config{SessionRate: 1})
	if got := view(plain, "198.51.100.1"); got != 200 {
		t.Errorf("first page view: %d", got)
	}
	if got := view(plain, "198.51.100.2"); got != 429 {
		t.Errorf("a second page view from the same address claiming another: %d, want 429", got)
	}
}
