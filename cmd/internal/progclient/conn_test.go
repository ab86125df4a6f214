package progclient

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestClient(t *testing.T) {
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("Location", "/there")
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(r.Method + " " + r.Header.Get("Prog-Key") + " " + r.URL.RawQuery + " " + string(b)))
		case "/big": // chunked: larger than net/http's buffer, flushed on the way
			w.Write([]byte(strings.Repeat("x", 5000)))
			w.(http.Flusher).Flush()
			w.Write([]byte(strings.Repeat("y", 5000)))
		case "/hang":
			<-hang
		}
	}))
	defer srv.Close()
	defer close(hang) // before the server closes: Close waits for its handlers
	c, err := NewClient(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	echo := func(what string) {
		t.Helper()
		a, err := c.Do(ctx, "POST", "/echo?ack=3", []string{"Prog-Key: k1"}, []byte("body"))
		if err != nil || a.Status != 201 || a.Location != "/there" || string(a.Body) != "POST k1 ack=3 body" {
			t.Fatalf("%s: %+v, %v", what, a, err)
		}
	}
	echo("first request")
	echo("on the kept connection")
	if len(c.idle) != 1 {
		t.Fatalf("%d idle connections after two requests in turn, want 1", len(c.idle))
	}
	srv.CloseClientConnections()
	echo("after the server closed the kept connection")

	a, err := c.Do(ctx, "GET", "/big", nil, nil)
	if err != nil || len(a.Body) != 10000 || a.Body[0] != 'x' || a.Body[9999] != 'y' {
		t.Fatalf("chunked answer: %d bytes, %v", len(a.Body), err)
	}

	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.Do(short, "GET", "/hang", nil, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a request whose context ends: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("a request whose context ended after 100 ms returned after %v", d)
	}
	echo("after a request was cut")

	if _, err := NewClient("http://example.com/"); err == nil {
		t.Fatal("a client for a server elsewhere, want an error")
	}
}
