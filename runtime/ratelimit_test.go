package runtime

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// One address may start only so many sessions a minute; the pages it
// has go on.
func TestNewSessionRateLimit(t *testing.T) {
	f := newFixture(t, Config{SessionRate: 3})
	pages := []*page{f.open(t), f.open(t), f.open(t)}
	resp, err := http.Get(f.http.URL + "/test")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := strings.TrimSuffix(string(b), "\n")
	var e struct{ Err string }
	retry, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	// 3 a minute: the next one in at most 20 s.
	if resp.StatusCode != http.StatusTooManyRequests || retry < 1 || retry > 20 ||
		json.Unmarshal([]byte(body), &e) != nil || strings.Contains(body, "\n") || !strings.Contains(e.Err, fmt.Sprintf("try again in %d s", retry)) {
		t.Errorf("the 4th page view in a minute: %d, Retry-After %q, %q; want 429, Retry-After in 1…20 s, a one-line JSON error",
			resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	f.srv.mu.Lock()
	n := len(f.srv.sessions)
	f.srv.mu.Unlock()
	if n != 3 {
		t.Errorf("%d sessions, want 3", n)
	}
	for _, p := range pages {
		p.call(t, "subscribe")
	}
	pages[0].call(t, "say", "still served")
	for _, p := range pages {
		if got := p.push(t, 0); !strings.Contains(got, `"still served"`) {
			t.Errorf("push after the refusal: %s", got)
		}
	}
	// Below zero: no limit.
	g := newFixture(t, Config{SessionRate: -1})
	for range 20 {
		g.open(t)
	}
}

func TestSessionLimiter(t *testing.T) {
	l := newSessionLimiter(2)
	t0 := time.Now()
	for _, c := range []struct {
		remote string
		at     time.Duration
		ok     bool
	}{
		{"192.0.2.1:1000", 0, true},
		{"192.0.2.1:1001", 0, true},
		{"192.0.2.1:1002", 0, false}, // a port is not an address
		{"192.0.2.2:1000", 0, true},
		{"[::ffff:192.0.2.2]:1000", 0, true}, // the same address, IPv4 in IPv6
		{"[::ffff:192.0.2.2]:1000", 0, false},
		{"[2001:db8:1:2::1]:80", 0, true},
		{"[2001:db8:1:2:ffff::9]:80", 0, true}, // the same /64
		{"[2001:db8:1:2::7%eth0]:80", 0, false},
		{"[2001:db8:1:3::1]:80", 0, true}, // another /64
		{"192.0.2.1:1000", 29 * time.Second, false},
		{"192.0.2.1:1000", 31 * time.Second, true}, // one back each 30 s
		{"192.0.2.1:1000", 31 * time.Second, false},
	} {
		ok, wait := l.allow(c.remote, t0.Add(c.at))
		if ok != c.ok || ok != (wait == 0) {
			t.Errorf("%s at %v: allowed %v, wait %v; want allowed %v", c.remote, c.at, ok, wait, c.ok)
		}
		if !ok && (wait <= 0 || wait > 30*time.Second) {
			t.Errorf("%s at %v: wait %v, want at most 30 s", c.remote, c.at, wait)
		}
	}
	if len(l.addrs) != 4 {
		t.Errorf("%d addresses counted, want 4: %v", len(l.addrs), l.addrs)
	}
	// An address whose allowance is full again is forgotten; one still
	// refilling is not.
	l.sweep(t0.Add(45 * time.Second))
	if len(l.addrs) != 3 {
		t.Errorf("after a sweep at 45 s, %d addresses counted, want 3 (all but 2001:db8:1:3::/64, full at 30 s)", len(l.addrs))
	}
	l.sweep(t0.Add(61 * time.Second))
	if len(l.addrs) != 1 {
		t.Errorf("after a sweep at 61 s, %d addresses counted, want 1 (192.0.2.1, full at 90 s)", len(l.addrs))
	}
	l.sweep(t0.Add(91 * time.Second))
	if len(l.addrs) != 0 {
		t.Errorf("after a sweep at 91 s, %d addresses counted, want none", len(l.addrs))
	}
	// However many addresses come, the counts stay bounded.
	for i := range maxLimited + 100 {
		l.allow(fmt.Sprintf("10.%d.%d.%d:1", i>>16, i>>8&0xff, i&0xff), t0)
	}
	if len(l.addrs) > maxLimited {
		t.Errorf("%d addresses counted, want at most %d", len(l.addrs), maxLimited)
	}
	if ok, _ := newSessionLimiter(0).allow("192.0.2.1:1", t0); !ok {
		t.Error("a limit of 0 refused a session")
	}
}
