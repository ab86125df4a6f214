package progclient

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Client makes HTTP/1.1 requests over keep-alive connections to one
// address. It is the load generator's side of every benchmark, so it
// does the least a client can: each request is written by hand and runs
// on the caller's goroutine, and net/http's ReadResponse reads the
// answer. (net/http's Transport adds two goroutines a connection and a
// hand-off a request; with it the generator used more of the machine
// than the servers it measured. fasthttp's reader, tried in its place,
// saved under a tenth of the generator's time, not worth a dependency.)
// A request whose ctx ends closes its connection.
type Client struct {
	addr string // host:port

	mu   sync.Mutex
	idle []*conn
}

type conn struct {
	net.Conn
	r   *bufio.Reader
	buf bytes.Buffer // the request being written
}

// NewClient returns a client for the server at base (http://host:port/…),
// which must be on this machine.
func NewClient(base string) (*Client, error) {
	if err := loopback(base); err != nil {
		return nil, err
	}
	u, _ := url.Parse(base)
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	return &Client{addr: host}, nil
}

// Answer is what a request got back.
type Answer struct {
	Status   int
	Location string // the Location header
	Body     []byte
}

// Do sends one request with the given header lines ("Name: value") and
// body, and reads its whole answer. A kept connection that the server
// has closed meanwhile (Node closes idle ones after 5 s) fails before
// any of the answer arrives; the request is then sent once more, on a
// new connection, as net/http's Transport does.
func (c *Client) Do(ctx context.Context, method, path string, header []string, body []byte) (*Answer, error) {
	for retried := false; ; retried = true {
		cn, kept, err := c.get(ctx)
		if err != nil {
			return nil, err
		}
		stop := context.AfterFunc(ctx, func() { cn.SetDeadline(time.Unix(1, 0)) })
		a, keep, err := cn.roundTrip(c.addr, method, path, header, body)
		if !stop() { // ctx ended: the connection may be cut mid-answer
			cn.Close()
			return nil, ctx.Err()
		}
		if keep && err == nil {
			c.put(cn)
			return a, nil
		}
		cn.Close()
		if err == nil || !kept || retried || !closedUnused(err) {
			return a, err
		}
	}
}

// closedUnused reports whether err is what a request meets on a
// connection the server closed before reading it: the write fails, or
// the answer ends before its first byte.
func closedUnused(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}

// get returns an idle connection (kept) or a new one.
func (c *Client) get(ctx context.Context) (cn *conn, kept bool, err error) {
	c.mu.Lock()
	if n := len(c.idle); n > 0 {
		cn := c.idle[n-1]
		c.idle = c.idle[:n-1]
		c.mu.Unlock()
		return cn, true, nil
	}
	c.mu.Unlock()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return nil, false, err
	}
	return &conn{Conn: nc, r: bufio.NewReader(nc)}, false, nil
}

func (c *Client) put(cn *conn) {
	c.mu.Lock()
	c.idle = append(c.idle, cn)
	c.mu.Unlock()
}

// roundTrip writes one request and reads its answer; keep says whether
// the connection may carry another.
func (cn *conn) roundTrip(host, method, path string, header []string, body []byte) (a *Answer, keep bool, err error) {
	b := &cn.buf
	b.Reset()
	b.WriteString(method)
	b.WriteByte(' ')
	b.WriteString(path)
	b.WriteString(" HTTP/1.1\r\nHost: ")
	b.WriteString(host)
	b.WriteString("\r\n")
	for _, h := range header {
		b.WriteString(h)
		b.WriteString("\r\n")
	}
	if method != "GET" || len(body) > 0 {
		b.WriteString("Content-Length: ")
		b.WriteString(strconv.Itoa(len(body)))
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	b.Write(body)
	if _, err := cn.Write(b.Bytes()); err != nil {
		return nil, false, err
	}
	// The first byte is waited for alone: ReadResponse reports an
	// answer that never began as io.ErrUnexpectedEOF, like one cut short,
	// and only the first may be sent again.
	if _, err := cn.r.Peek(1); err != nil {
		return nil, false, err
	}
	resp, err := http.ReadResponse(cn.r, nil)
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	a = &Answer{Status: resp.StatusCode, Location: resp.Header.Get("Location")}
	if a.Body, err = io.ReadAll(resp.Body); err != nil {
		return nil, false, err
	}
	return a, !resp.Close, nil
}
