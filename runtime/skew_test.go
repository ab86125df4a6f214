package runtime

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A page of another build of the program (its Prog-Build is not the
// server's bundle hash) is answered 409 with reload: true on push and
// pull, before its session is looked at, and its call does not run. The
// page's own build and a request without the header are served as ever.
func TestOtherBuildAnswersReload(t *testing.T) {
	f := newFixture(t, Config{PollTimeout: 50 * time.Millisecond})
	a := f.open(t)
	resp, err := http.Get(f.http.URL + "/test")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := `<meta name="prog-build" content="` + f.srv.build + `">`; len(f.srv.build) != 12 || !strings.Contains(string(page), want) ||
		f.srv.bundle != "/test."+f.srv.build+".js" {
		t.Fatalf("build %q, bundle %q; the page does not carry %s:\n%s", f.srv.build, f.srv.bundle, want, page)
	}
	do := func(method, path, sid, build, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, f.http.URL+path+sid, strings.NewReader(body))
		req.Header.Set("Prog-Key", a.key)
		if build != "" {
			req.Header.Set("Prog-Build", build)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	call := `{"id":1,"fn":"count","args":[]}`
	for _, c := range []struct {
		method, path, sid, build, body string
	}{
		{"GET", "/push/", a.sid + "?ack=0", "0123456789ab", ""},
		{"POST", "/pull/", a.sid, "0123456789ab", call},
		{"GET", "/push/", "unknown?ack=0", "x", ""}, // before the session: another build's page is unknown here
		{"POST", "/pull/", "unknown", "x", call},
	} {
		code, body := do(c.method, c.path, c.sid, c.build, c.body)
		var res struct {
			Err    string
			Reload bool
		}
		if code != http.StatusConflict || json.Unmarshal([]byte(body), &res) != nil || !res.Reload ||
			!strings.Contains(res.Err, "another version of this program") || strings.Count(body, "\n") != 1 {
			t.Errorf("%s %s with build %q: %d %q, want 409 with a one-line {\"err\":…,\"reload\":true}", c.method, c.path, c.build, code, body)
		}
	}
	if n := f.runs.Load(); n != 0 {
		t.Errorf("a call from another build ran (%d runs)", n)
	}
	// The same build, or none: served.
	if code, body := do("POST", "/pull/", a.sid, f.srv.build, call); code != 200 || body != `{"id":1,"ok":1}`+"\n" {
		t.Errorf("a call of the server's build: %d %q", code, body)
	}
	if code, body := do("POST", "/pull/", a.sid, "", `{"id":2,"fn":"count","args":[]}`); code != 200 || body != `{"id":2,"ok":2}`+"\n" {
		t.Errorf("a call without Prog-Build: %d %q", code, body)
	}
	if code, body := do("GET", "/push/", a.sid+"?ack=0", f.srv.build, ""); code != 200 {
		t.Errorf("a push of the server's build: %d %q", code, body)
	}
	// Same build, unknown session (a single server restarted): 410, as
	// before; the page offers a reload.
	if code, body := do("GET", "/push/", "unknown?ack=0", f.srv.build, ""); code != http.StatusGone || strings.Contains(body, "reload") {
		t.Errorf("an unknown session of the server's build: %d %q, want 410 session expired", code, body)
	}
}

// With --push-origin, the page's cross-origin push sends Prog-Build: the
// preflight must allow it.
func TestPushOriginAllowsBuildHeader(t *testing.T) {
	f := newFixture(t, Config{PushOrigin: "http://push.example"})
	a := f.open(t)
	req, _ := http.NewRequest("OPTIONS", f.http.URL+"/push/"+a.sid+"?ack=0", nil)
	req.Header.Set("Origin", f.http.URL)
	req.Header.Set("Access-Control-Request-Headers", "prog-build,prog-key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	allowed := map[string]bool{}
	for _, h := range strings.Split(resp.Header.Get("Access-Control-Allow-Headers"), ",") {
		allowed[strings.ToLower(strings.TrimSpace(h))] = true
	}
	if resp.StatusCode != http.StatusNoContent || !allowed["prog-key"] || !allowed["prog-build"] {
		t.Errorf("preflight: %d, Access-Control-Allow-Headers %q; want 204 allowing Prog-Key and Prog-Build", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Headers"))
	}
}

// The bundle of another build is answered with a script that reloads the
// page, never cached; other names stay unknown.
func TestOtherBuildsBundleReloads(t *testing.T) {
	f := newFixture(t, Config{})
	a := f.open(t)
	other := "0123456789ab"
	if other == f.srv.build {
		other = "ba9876543210"
	}
	resp, err := http.Get(f.http.URL + "/test." + other + ".js")
	if err != nil {
		t.Fatal(err)
	}
	js, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") || !strings.Contains(string(js), "location.reload()") {
		t.Errorf("another build's bundle: %d, %v\n%s", resp.StatusCode, resp.Header, js)
	}
	for _, name := range []string{"test.0123456789.js", "test.0123456789ag.js", "test.0123456789AB.js", "other." + other + ".js", "test." + other + ".js.map"} {
		if code, _ := a.do(t, "GET", "/"+name, "", ""); code != 404 {
			t.Errorf("GET /%s: %d, want 404", name, code)
		}
	}
}
