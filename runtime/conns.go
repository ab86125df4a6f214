package runtime

// Connections: timeouts, and a cap on how many are open.
//
// A connection costs the server a file descriptor, and those are bounded
// (often 1,024): a client that opens connections and says nothing, or
// trickles a request, or keeps a connection idle, must not keep the next
// page view out. So every stage of a connection has a timeout (headers,
// body, write, idle), and the number of open connections is capped below
// the open-file limit. At the cap, a new connection takes the place of
// the oldest one that is idle or has not yet sent a whole request; only
// when every connection is a request being answered is the newcomer told
// 503 and closed.
//
// Two requests wait on purpose, and no timeout may cut them: a push
// request holds until there is something to say (up to --poll-timeout),
// and a remote call runs after its body is read. The write timeout counts
// from the end of the headers, so it is the poll timeout plus the time to
// write. The read timeout counts from the start of the request, and if it
// were still armed while a handler waits, the read net/http keeps going in
// the background (to notice a client that leaves) would fail when it
// fires and cancel the request's context: the push would answer early, the
// call's answer would be dropped. net/http clears the deadline when it
// starts that read (Go 1.26 does); requestWhole clears it too, at the
// same moment, so that the promise does not rest on that detail. A
// request whose body never ends stays under the timeout, whatever its
// handler does with the body.

import (
	"container/list"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// The defaults of the connection timeouts a Config leaves at zero.
const (
	defaultBodyTimeout  = 15 * time.Second
	defaultIdleTimeout  = 30 * time.Second
	defaultWriteTimeout = 15 * time.Second
	// headerTimeout bounds the wait for a request's headers (the body
	// timeout, when shorter, bounds it too).
	headerTimeout = 10 * time.Second
	// refuseTimeout bounds the conversation with a connection turned
	// away at the cap.
	refuseTimeout = time.Second
	// maxRefusing bounds the connections being turned away at once;
	// more are closed without a word.
	maxRefusing = 16
)

// defaultMaxConns is the connection cap under the open-file limit: it
// leaves room for the database's files and connections (a PostgreSQL
// pool has up to 4 per core), the listener, the log, a profile and the
// connections being turned away.
func defaultMaxConns() int {
	n := openFileLimit()
	reserve := 64 + 4*runtime.NumCPU() + n/16
	if n-reserve < 16 {
		return max(n/2, 1)
	}
	return n - reserve
}

// Serve answers HTTP requests on ln until Shutdown, with the Config's
// connection timeouts and cap. Like http.Server.Serve, it returns
// http.ErrServerClosed after Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: min(headerTimeout, s.cfg.BodyTimeout),
		ReadTimeout:       s.cfg.BodyTimeout,
		// A push request is held up to the poll timeout before it
		// answers; the write timeout is the time to answer after that.
		WriteTimeout: s.cfg.PollTimeout + s.cfg.WriteTimeout,
		IdleTimeout:  s.cfg.IdleTimeout,
		ConnState:    s.conns.connState,
		ConnContext:  s.conns.connContext,
		ErrorLog:     slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.httpMu.Lock()
	if s.shutDown {
		s.httpMu.Unlock()
		return http.ErrServerClosed
	}
	s.servers = append(s.servers, hs)
	s.httpMu.Unlock()
	return hs.Serve(&guardedListener{Listener: ln, g: s.conns})
}

// Shutdown stops serving gracefully: it halts the server (which answers
// the open push requests, that Shutdown would otherwise wait for), closes
// the listeners and every connection that is not a whole request being
// answered, and waits until ctx ends for the remote calls under way.
// Close the server after.
func (s *Server) Shutdown(ctx context.Context) error {
	s.Halt()
	s.httpMu.Lock()
	s.shutDown = true
	servers := s.servers
	s.httpMu.Unlock()
	// Before the listeners close: a connection whose request never
	// ends would hold the shutdown until ctx ends.
	s.conns.close()
	var errs []error
	for _, hs := range servers {
		errs = append(errs, hs.Shutdown(ctx))
	}
	s.conns.wait()
	return errors.Join(errs...)
}

// requestWhole arranges for the request to count as whole once its body
// is read (at once, if it has none): from then on its connection is busy,
// not to be evicted, and no longer under the body timeout.
func requestWhole(w http.ResponseWriter, r *http.Request) *http.Request {
	if r.Body == nil || r.Body == http.NoBody {
		markWhole(w, r) // most requests: no closure to make
		return r
	}
	// A copy: net/http looks at its own request's body after the handler.
	r = r.WithContext(r.Context())
	r.Body = &wholeBody{ReadCloser: r.Body, whole: func() { markWhole(w, r) }}
	return r
}

// markWhole clears the body timeout of r's connection and marks it busy.
func markWhole(w http.ResponseWriter, r *http.Request) {
	// ErrNotSupported outside a real connection (a test's recorder):
	// there is no deadline to clear then.
	http.NewResponseController(w).SetReadDeadline(time.Time{})
	if c, ok := r.Context().Value(connKey{}).(*guardedConn); ok {
		c.g.busy(c)
	}
}

// wholeBody calls whole when the body has been read to its end.
type wholeBody struct {
	io.ReadCloser
	whole func()
	done  bool
}

func (b *wholeBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		b.whole()
	}
	return n, err
}

// connKey is the request context's key of its *guardedConn.
type connKey struct{}

// connGuard caps a server's open connections.
type connGuard struct {
	max int
	log *slog.Logger

	mu       sync.Mutex
	conns    map[net.Conn]*guardedConn
	idle     list.List // of *guardedConn not busy, oldest first: the ones to evict
	refusing map[net.Conn]bool
	closed   bool
	evicted  int       // since the last warning
	refused  int       // since the last warning
	warned   time.Time // when the cap was last logged
	wg       sync.WaitGroup
	// changed is closed when a connection comes, goes or changes state,
	// for a test that waits for one (made when it waits; nil otherwise).
	changed chan struct{}
}

// changedLocked wakes whoever waits for a change.
func (g *connGuard) changedLocked() {
	if g.changed != nil {
		close(g.changed)
		g.changed = nil
	}
}

// guardedConn is an open connection the guard counts.
type guardedConn struct {
	g    *connGuard
	c    net.Conn
	elem *list.Element // in g.idle; nil while a whole request is answered
}

func newConnGuard(max int, log *slog.Logger) *connGuard {
	return &connGuard{max: max, log: log, conns: map[net.Conn]*guardedConn{}, refusing: map[net.Conn]bool{}}
}

// guardedListener passes on the connections its guard admits.
type guardedListener struct {
	net.Listener
	g *connGuard
}

func (l *guardedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.g.admit(c) {
			return c, nil
		}
	}
}

// admit counts a new connection and reports whether to serve it. At the
// cap it evicts the oldest connection that is idle or has not sent a
// whole request; if there is none, it turns the newcomer away.
func (g *connGuard) admit(c net.Conn) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		c.Close()
		return false
	}
	if len(g.conns) >= g.max {
		front := g.idle.Front()
		if front == nil {
			g.refused++
			g.warnLocked()
			g.refuseLocked(c)
			return false
		}
		old := front.Value.(*guardedConn)
		g.dropLocked(old)
		old.c.Close()
		g.evicted++
		g.warnLocked()
	}
	gc := &guardedConn{g: g, c: c}
	gc.elem = g.idle.PushBack(gc)
	g.conns[c] = gc
	g.changedLocked()
	return true
}

// warnLocked logs that the cap was reached, at most every 10 s.
func (g *connGuard) warnLocked() {
	if now := time.Now(); now.Sub(g.warned) >= 10*time.Second {
		g.log.Warn("at the connection cap (--max-conns)", "max", g.max, "evicted", g.evicted, "refused", g.refused)
		g.warned, g.evicted, g.refused = now, 0, 0
	}
}

// dropLocked stops counting a connection.
func (g *connGuard) dropLocked(gc *guardedConn) {
	if g.conns[gc.c] != gc {
		return
	}
	delete(g.conns, gc.c)
	if gc.elem != nil {
		g.idle.Remove(gc.elem)
		gc.elem = nil
	}
	g.changedLocked()
}

// connState follows net/http's connections: a connection that is idle,
// or whose request has begun but is not whole yet, may be evicted; its
// age counts from then.
func (g *connGuard) connState(c net.Conn, state http.ConnState) {
	g.mu.Lock()
	defer g.mu.Unlock()
	gc := g.conns[c]
	if gc == nil {
		return
	}
	switch state {
	case http.StateActive, http.StateIdle:
		if gc.elem != nil {
			g.idle.MoveToBack(gc.elem)
		} else {
			gc.elem = g.idle.PushBack(gc)
		}
		g.changedLocked()
	case http.StateHijacked, http.StateClosed:
		g.dropLocked(gc)
	}
}

// busy marks a connection's request whole: it is answered, not evicted.
func (g *connGuard) busy(gc *guardedConn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.conns[gc.c] != gc {
		return // evicted meanwhile
	}
	if gc.elem != nil {
		g.idle.Remove(gc.elem)
		gc.elem = nil
	}
	g.changedLocked()
}

// connContext gives a request's context its connection.
func (g *connGuard) connContext(ctx context.Context, c net.Conn) context.Context {
	g.mu.Lock()
	gc := g.conns[c]
	g.mu.Unlock()
	if gc == nil {
		return ctx
	}
	return context.WithValue(ctx, connKey{}, gc)
}

// busyAnswer is what a connection turned away at the cap reads (made
// once; never written to).
var busyAnswer = func() string {
	body := `{"err":"the server is busy: too many connections; try again shortly"}` + "\n"
	return "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n" +
		"X-Content-Type-Options: nosniff\r\nConnection: close\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}()

// refuseLocked answers c 503 and closes it, in a goroutine the guard
// owns: it reads what c sent until c closes (closing with unread bytes
// would reset the connection, and the answer could be lost), for at most
// refuseTimeout.
func (g *connGuard) refuseLocked(c net.Conn) {
	if len(g.refusing) >= maxRefusing {
		c.Close()
		return
	}
	g.refusing[c] = true
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		c.SetDeadline(time.Now().Add(refuseTimeout))
		if _, err := io.WriteString(c, busyAnswer); err == nil {
			if cw, ok := c.(interface{ CloseWrite() error }); ok {
				cw.CloseWrite()
			}
			io.Copy(io.Discard, io.LimitReader(c, 64<<10))
		}
		c.Close()
		g.mu.Lock()
		delete(g.refusing, c)
		g.mu.Unlock()
	}()
}

// close admits no more connections, and closes those being turned away
// and those that are not a whole request being answered. The requests
// being answered are the http.Server's to finish.
func (g *connGuard) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	for c := range g.refusing {
		c.Close()
	}
	for e := g.idle.Front(); e != nil; {
		gc := e.Value.(*guardedConn)
		e = e.Next()
		g.dropLocked(gc)
		gc.c.Close()
	}
}

// wait waits for the goroutines turning connections away.
func (g *connGuard) wait() { g.wg.Wait() }
