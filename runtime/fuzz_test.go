package runtime

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzProtocol sends requests of any method, path, key and body to a live
// session's server: none may panic or answer 5xx, and every error is one
// line of JSON. In the path, {sid} stands for the session's id; the key
// "{key}" stands for its key.
func FuzzProtocol(f *testing.F) {
	fx := newFixture(f, Config{PollTimeout: time.Millisecond})
	fx.srv.gapWait = time.Millisecond // fuzzed call ids skip about
	p := fx.open(f)
	p.call(f, "subscribe")
	handler := fx.srv.Handler()
	for _, seed := range []struct{ method, path, key, body string }{
		{"POST", "/pull/{sid}", "{key}", `{"id":2,"fn":"count","args":[]}`},
		{"POST", "/pull/{sid}", "{key}", `{"id":3,"fn":"post","args":["hi",false]}`},
		{"POST", "/pull/{sid}", "{key}", `{"id":4,"fn":"big","args":["9223372036854775807"]}`},
		{"POST", "/pull/{sid}", "{key}", `{"id":5,"fn":"post","args":[{"a":[1,2]},null]}`},
		{"POST", "/pull/{sid}", "{key}", `{"id":-1,"fn":"count"}`},
		{"POST", "/pull/{sid}", "{key}", `{"id":1e30,"fn":"count","args":[]}`},
		{"POST", "/pull/{sid}", "{key}", `{"id":6,"fn":"say","args":["\ud800"]}`},
		{"POST", "/pull/{sid}", "wrong", `{"id":7,"fn":"count","args":[]}`},
		{"POST", "/pull/nosuch", "{key}", `{}`},
		{"GET", "/push/{sid}?ack=0", "{key}", ``},
		{"GET", "/push/{sid}?ack=99999999999999999999", "{key}", ``},
		{"GET", "/push/{sid}?ack=1&ack=2", "{key}", ``},
		{"OPTIONS", "/push/{sid}", "", ``},
		{"GET", "/", "", ``},
		{"GET", "/test", "", ``},
		{"GET", "/../../etc/passwd", "", ``},
		{"PUT", "/pull/{sid}", "{key}", `x`},
		{"GET", "/%zz", "", ``},
	} {
		f.Add(seed.method, seed.path, seed.key, seed.body)
	}
	f.Fuzz(func(t *testing.T, method, path, key, body string) {
		path = strings.ReplaceAll(path, "{sid}", p.sid)
		if key == "{key}" {
			key = p.key
		}
		// What net/http refuses before any handler sees it is not ours
		// to test.
		u, err := url.ParseRequestURI(path)
		if err != nil || !validToken(method) || strings.ContainsFunc(key, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
			return
		}
		req := &http.Request{
			Method: method, URL: u, RequestURI: path, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"Prog-Key": {key}}, Body: http.NoBody, Host: "example.test",
		}
		if body != "" {
			req.Body = io.NopCloser(strings.NewReader(body))
			req.ContentLength = int64(len(body))
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req.WithContext(t.Context()))
		if rec.Code >= 500 {
			t.Fatalf("%s %q: %d %s", method, path, rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			b := strings.TrimSuffix(rec.Body.String(), "\n")
			var e struct{ Err string }
			if strings.Contains(b, "\n") || json.Unmarshal([]byte(b), &e) != nil || e.Err == "" {
				t.Fatalf("%s %q: %d with %q, want one line of JSON with err", method, path, rec.Code, b)
			}
		}
	})
}

// validToken reports whether s is an HTTP token (RFC 9110), as a method
// must be.
func validToken(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r))
	})
}
