package runtime

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// serveReal serves f's server as Run does, with Server.Serve on a loopback
// listener, until the test ends, and returns its address.
func (f *fixture) serveReal(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- f.srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := f.srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve returned %v, want http.ErrServerClosed", err)
		}
	})
	return ln.Addr().String()
}

// dialServer opens a connection to addr that the test closes at its end.
func dialServer(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedByServer reads c until the server closes it and returns what it
// read; it fails the test if c is still open after 10 s (the timeouts
// under test are far shorter).
func closedByServer(t *testing.T, c net.Conn, what string) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("%s: the server kept the connection open (read %q)", what, b)
	}
	return string(b) // io.EOF, or a reset: closed either way
}

// waitConns waits, for up to 10 s, until cond holds of the connections
// the server has open and those whose request it is answering; it wakes
// at each change the server's connection guard sees.
func (f *fixture) waitConns(t *testing.T, what string, cond func(open, busy int) bool) {
	t.Helper()
	g := f.srv.conns
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		g.mu.Lock()
		ok := cond(len(g.conns), len(g.conns)-g.idle.Len())
		if g.changed == nil {
			g.changed = make(chan struct{})
		}
		changed := g.changed
		g.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

// A connection that does not finish its request in the body timeout,
// and one idle for the idle timeout, are closed.
func TestConnectionTimeouts(t *testing.T) {
	f := newFixture(t, Config{BodyTimeout: 200 * time.Millisecond, IdleTimeout: 200 * time.Millisecond})
	addr := f.serveReal(t)
	a := f.open(t)
	t.Run("slow body", func(t *testing.T) {
		c := dialServer(t, addr)
		fmt.Fprintf(c, "POST /pull/%s HTTP/1.1\r\nHost: %s\r\nProg-Key: %s\r\nContent-Length: 100\r\n\r\n{\"id\":1,\"fn\":\"count\"", a.sid, addr, a.key)
		closedByServer(t, c, "a body that stops half-way")
		if n := f.runs.Load(); n != 0 {
			t.Errorf("the cut call ran %d times", n)
		}
	})
	t.Run("slow headers", func(t *testing.T) {
		c := dialServer(t, addr)
		fmt.Fprintf(c, "GET /test HTTP/1.1\r\nHost: %s\r\n", addr)
		closedByServer(t, c, "headers that stop half-way")
	})
	t.Run("idle keep-alive", func(t *testing.T) {
		c := dialServer(t, addr)
		fmt.Fprintf(c, "GET /favicon.ico HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
		got := closedByServer(t, c, "an idle keep-alive connection")
		if !strings.HasPrefix(got, "HTTP/1.1 204 ") || strings.Contains(got, "Connection: close") {
			t.Errorf("the request before the idle wait was answered %q, want a 204 that keeps the connection", got)
		}
	})
	t.Run("push request with a body", func(t *testing.T) {
		// A body nobody reads must not keep a push request's
		// connection past the body timeout.
		c := dialServer(t, addr)
		fmt.Fprintf(c, "GET /push/%s?ack=0 HTTP/1.1\r\nHost: %s\r\nProg-Key: %s\r\nContent-Length: 10\r\n\r\nx", a.sid, addr, a.key)
		got := closedByServer(t, c, "a push request whose body stops half-way")
		if !strings.HasPrefix(got, "HTTP/1.1 400 ") || !strings.Contains(got, `{"err":"a GET request must not have a body"}`) {
			t.Errorf("a push request with a body was answered %q, want 400", got)
		}
	})
}

// cutSlowBody opens a connection that never finishes its body and waits
// until the server cuts it: a request whose headers the server read
// before has passed its body timeout too.
func cutSlowBody(t *testing.T, addr string) {
	t.Helper()
	c := dialServer(t, addr)
	fmt.Fprintf(c, "POST /pull/x HTTP/1.1\r\nHost: %s\r\nContent-Length: 10\r\n\r\n{", addr)
	closedByServer(t, c, "a body that stops half-way")
}

// backgroundGet makes a request over the real server in a goroutine, and returns
// the channel its answer (or error) comes on.
func backgroundGet(url, key string) <-chan string {
	got := make(chan string, 1)
	go func() {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Prog-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			got <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- fmt.Sprintf("%d %s %v", resp.StatusCode, strings.TrimSpace(string(b)), err)
	}()
	return got
}

// A push request held longer than the body and write timeouts answers
// when its message comes: the timeouts do not cut it.
func TestPushHoldOutlastsTimeouts(t *testing.T) {
	f := newFixture(t, Config{BodyTimeout: 200 * time.Millisecond, WriteTimeout: 100 * time.Millisecond, PollTimeout: time.Minute})
	addr := f.serveReal(t)
	a := f.open(t)
	a.call(t, "subscribe")
	got := backgroundGet(fmt.Sprintf("http://%s/push/%s?ack=0", addr, a.sid), a.key)
	f.waitConns(t, "the push request is held", func(_, busy int) bool { return busy == 1 })
	cutSlowBody(t, addr)
	a.call(t, "say", "after the timeouts")
	select {
	case body := <-got:
		if !strings.HasPrefix(body, "200 ") || !strings.Contains(body, `"v":"after the timeouts"`) {
			t.Errorf("the held push answered %s, want the message sent after the body timeout", body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the held push did not answer when its message came")
	}
}

// A remote call that runs after the body timeout has passed answers.
func TestCallOutlastsBodyTimeout(t *testing.T) {
	f := newFixture(t, Config{BodyTimeout: 200 * time.Millisecond, WriteTimeout: 100 * time.Millisecond})
	addr := f.serveReal(t)
	f.srv.gapWait = time.Minute // call 2 waits for call 1
	a := f.open(t)
	got := make(chan string, 1)
	go func() {
		req, _ := http.NewRequest("POST", fmt.Sprintf("http://%s/pull/%s", addr, a.sid), strings.NewReader(`{"id":2,"fn":"count","args":[]}`))
		req.Header.Set("Prog-Key", a.key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			got <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- strings.TrimSpace(string(b))
	}()
	f.waitConns(t, "call 2 has its whole body", func(_, busy int) bool { return busy == 1 })
	cutSlowBody(t, addr)
	if body := a.call(t, "count"); body != `{"id":1,"ok":1}` {
		t.Errorf("call 1 answered %s", body)
	}
	select {
	case body := <-got:
		if body != `{"id":2,"ok":2}` {
			t.Errorf("call 2, run after the body timeout, answered %q", body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("call 2 did not answer")
	}
}

// At the connection cap a page view takes the place of the oldest
// connection that is idle or has not sent a whole request.
func TestConnectionCapEvicts(t *testing.T) {
	f := newFixture(t, Config{MaxConns: 2})
	addr := f.serveReal(t)
	idle := dialServer(t, addr)
	fmt.Fprintf(idle, "GET /favicon.ico HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	resp, err := http.ReadResponse(bufio.NewReader(idle), nil)
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("favicon: %v %v", resp, err)
	}
	f.waitConns(t, "the connection is idle", func(open, busy int) bool { return open == 1 && busy == 0 })
	stalled := dialServer(t, addr)
	fmt.Fprintf(stalled, "GET /test HTTP/1.1\r\nHost: %s\r\n", addr)
	for i := range 2 {
		// A client of its own: a new connection each, kept open.
		client := &http.Client{Transport: &http.Transport{}}
		resp, err := client.Get("http://" + addr + "/test")
		if err != nil {
			t.Fatalf("page view %d at the cap: %v", i+1, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), "prog-session") {
			t.Fatalf("page view %d at the cap: %d %s", i+1, resp.StatusCode, b)
		}
	}
	// The two page views took the places of the two waiting
	// connections, not of each other.
	closedByServer(t, idle, "the idle connection")
	closedByServer(t, stalled, "the connection with half its headers")
}

// At the cap, when every connection is a request being answered, a new
// one is told 503 and closed; the requests go on.
func TestConnectionCapRefuses(t *testing.T) {
	f := newFixture(t, Config{MaxConns: 2, PollTimeout: time.Minute})
	addr := f.serveReal(t)
	a, b := f.open(t), f.open(t)
	a.call(t, "subscribe")
	pushA := backgroundGet(fmt.Sprintf("http://%s/push/%s?ack=0", addr, a.sid), a.key)
	pushB := backgroundGet(fmt.Sprintf("http://%s/push/%s?ack=0", addr, b.sid), b.key)
	f.waitConns(t, "both push requests are held", func(_, busy int) bool { return busy == 2 })
	c := dialServer(t, addr)
	fmt.Fprintf(c, "GET /test HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	got := closedByServer(t, c, "a connection over the cap")
	if !strings.HasPrefix(got, "HTTP/1.1 503 ") || !strings.Contains(got, "\r\nRetry-After: 1\r\n") ||
		!strings.HasSuffix(got, "\r\n\r\n"+`{"err":"the server is busy: too many connections; try again shortly"}`+"\n") {
		t.Errorf("over the cap: %q, want a 503 with Retry-After and a JSON error", got)
	}
	a.call(t, "say", "still here")
	if body := <-pushA; !strings.HasPrefix(body, "200 ") || !strings.Contains(body, `"still here"`) {
		t.Errorf("a held push answered %s after the refusal", body)
	}
	f.srv.conns.mu.Lock()
	open := len(f.srv.conns.conns)
	f.srv.conns.mu.Unlock()
	if open != 2 {
		t.Errorf("%d connections open, want 2", open)
	}
	f.srv.Halt()
	if body := <-pushB; body != `200 {"msgs":[]} <nil>` {
		t.Errorf("the other held push answered %s at the halt", body)
	}
}

// The default cap leaves room under the open-file limit.
func TestDefaultMaxConns(t *testing.T) {
	n, limit := defaultMaxConns(), openFileLimit()
	if n < 1 || n >= limit-64 {
		t.Errorf("default connection cap %d under an open-file limit of %d, want at least 64 files spare", n, limit)
	}
}
