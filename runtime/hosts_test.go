package runtime

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// getHost sends GET path to f's server with the Host header host.
func (f *fixture) getHost(t *testing.T, host, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", f.http.URL+path, nil)
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A server on loopback answers only the names of this machine: a page
// on evil.example, resolved to 127.0.0.1, gets no page and no key.
func TestHostCheck(t *testing.T) {
	f := newFixture(t, Config{AllowHosts: loopbackHosts(), PushOrigin: "https://push.example.com"})
	for _, host := range []string{"localhost", "localhost:8080", "LOCALHOST:1", "app.localhost:3000", "127.0.0.1", "127.0.0.2:9", "[::1]:8080", "push.example.com"} {
		if code, body := f.getHost(t, host, "/test"); code != 200 || !strings.Contains(body, "prog-key") {
			t.Errorf("Host %s: %d %.80s, want the page", host, code, body)
		}
	}
	for _, host := range []string{"evil.example", "evil.example:8080", "localhost.evil.example", "127.0.0.1.evil.example", "10.0.0.1", "[::2]:80", "example.com", "push.example.com.evil"} {
		for _, path := range []string{"/test", "/push/x?ack=0", "/"} {
			code, body := f.getHost(t, host, path)
			body = strings.TrimSuffix(body, "\n")
			var e struct{ Err string }
			if code != http.StatusMisdirectedRequest || json.Unmarshal([]byte(body), &e) != nil || strings.Contains(body, "\n") ||
				!strings.Contains(e.Err, "--allow-host") || !strings.Contains(e.Err, host) {
				t.Errorf("Host %s, %s: %d %q, want 421 with a one-line JSON error naming the host and --allow-host", host, path, code, body)
			}
		}
	}
	// Without AllowHosts, any host.
	g := newFixture(t, Config{})
	if code, body := g.getHost(t, "evil.example", "/test"); code != 200 || !strings.Contains(body, "prog-key") {
		t.Errorf("no AllowHosts, Host evil.example: %d %.80s, want the page", code, body)
	}
}

// Run's default: the loopback names on a loopback address, any host on
// another.
func TestDefaultAllowHosts(t *testing.T) {
	for _, c := range []struct {
		ip       string
		loopback bool
	}{{"127.0.0.1", true}, {"127.1.2.3", true}, {"::1", true}, {"0.0.0.0", false}, {"::", false}, {"192.0.2.7", false}} {
		got := defaultAllowHosts(&net.TCPAddr{IP: net.ParseIP(c.ip), Port: 8080})
		if (len(got) > 0) != c.loopback {
			t.Errorf("listening on %s: allow hosts %q", c.ip, got)
		}
	}
}

func TestAllowHostEntries(t *testing.T) {
	p, err := newHostPolicy([]string{"Example.COM", "*.apps.example", "10.0.0.0/8", "2001:db8::1", "[::2]"}, "")
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]bool{
		"example.com": true, "example.com.:443": true, "www.example.com": false,
		"a.apps.example": true, "a.b.apps.example:1": true, "apps.example": false, "xapps.example": false,
		"10.1.2.3:80": true, "11.0.0.1": false, "[2001:db8::1]:80": true, "[2001:db8::2]": false, "[::2]:9": true, "": false,
	} {
		if got := p.allows(host); got != want {
			t.Errorf("allows(%q) = %v, want %v", host, got, want)
		}
	}
	all, err := newHostPolicy([]string{"localhost", "*"}, "")
	if err != nil || !all.allows("evil.example") {
		t.Errorf("--allow-host '*' does not allow any host (%v)", err)
	}
	for _, bad := range []string{"", "a b", "http://x.example", "x.example/", "x..example", "*.*.example"} {
		_, err := newHostPolicy([]string{bad}, "")
		if err == nil || !strings.Contains(err.Error(), "--allow-host") {
			t.Errorf("--allow-host %q: %v, want an error naming the flag", bad, err)
		}
	}
	if _, err := newHostPolicy(nil, "push.example.com"); err == nil || !strings.Contains(err.Error(), "--push-origin") {
		t.Errorf("--push-origin without a scheme: %v, want an error naming the flag", err)
	}
}

// A bad --allow-host stops the server with the flag's name.
func TestRunRefusesBadAllowHost(t *testing.T) {
	p := &Program{Name: "test", Bundle: []byte("1"), Map: []byte("{}")}
	err := Run(p, []string{"--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "t.db"), "--allow-host", "not a host"})
	if err == nil || !strings.Contains(err.Error(), `--allow-host "not a host"`) {
		t.Errorf("Run with a bad --allow-host: %v", err)
	}
}
