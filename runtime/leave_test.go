package runtime

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The tests of what happens when a page goes away or the database does:
// collection, on leave, tasks, and what a page is told.

// syncLog is a server log the test reads.
type syncLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *syncLog) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

// lines returns the lines of the log that contain s.
func (l *syncLog) lines(s string) []string {
	var out []string
	for _, line := range strings.Split(l.String(), "\n") {
		if strings.Contains(line, s) {
			out = append(out, line)
		}
	}
	return out
}

// clock is a time the test moves on by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// dbProxy stands between a server and its PostgreSQL: cut makes the
// database unreachable (its connections close, new ones are refused, as
// when the database goes down), restore brings it back.
type dbProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
	wg     sync.WaitGroup
}

// newDBProxy starts a proxy for the database at dbURL and returns it
// with the URL to use instead.
func newDBProxy(t *testing.T, dbURL string) (*dbProxy, string) {
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dbProxy{ln: ln, target: u.Host, conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.cut()
		p.wg.Wait()
	})
	u.Host = ln.Addr().String()
	return p, u.String()
}

func (p *dbProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		d, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[d] = true, true
		p.mu.Unlock()
		for _, pair := range [][2]net.Conn{{c, d}, {d, c}} {
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				io.Copy(pair[0], pair[1])
				pair[0].Close()
				pair[1].Close()
			}()
		}
	}
}

func (p *dbProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *dbProxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}

// count returns the number of rows of table.
func (f *fixture) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := f.srv.db.QueryRow(`SELECT count(*) FROM ` + quote(table)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A message that alone is larger than a page's queue bound fails its send
// and its call, and ends no page; < and & are not escaped on the wire, so
// they cost one byte each. A page is ended only for a backlog, and told
// how large it was.
func TestOversizedSendFailsTheCall(t *testing.T) {
	f := newFixture(t, Config{Limits: Limits{QueueMsgs: 3, QueueBytes: 1000}, PollTimeout: 50 * time.Millisecond})
	a, b := f.open(t), f.open(t)
	a.call(t, "subscribe")
	b.call(t, "subscribe")
	rows := f.count(t, "subscribers")
	// 600 < and & in wire form: 602 bytes (3,602 as \u003c escapes).
	text := strings.Repeat("<&", 300)
	if got := b.call(t, "say", text); got != `{"id":2,"ok":null}` {
		t.Fatalf("say %d bytes: %s", len(text), got)
	}
	for _, p := range []*page{a, b} {
		if got := p.push(t, 0); !strings.Contains(got, `"v":"`+text+`"`) {
			t.Errorf("push: %.80s…, want the text as it is", got)
		}
	}
	// 1,200 bytes alone: more than any page may hold.
	got := b.call(t, "post", strings.Repeat("x", 1198), false)
	want := `{"id":3,"err":"send: the message is 1200 bytes on the wire, more than a page may hold (1000 bytes, --queue-bytes)"}`
	if got != want {
		t.Errorf("post of 1,200 bytes answered\n%s, want\n%s", got, want)
	}
	if n := f.count(t, "subscribers"); n != rows {
		t.Errorf("the failed post left %d subscriber rows, want %d: it did not roll back", n, rows)
	}
	for _, p := range []*page{a, b} {
		if got := p.push(t, 1); got != `{"msgs":[]}` {
			t.Errorf("push after the failed send: %s, want no message and no end", got)
		}
	}
	// a acknowledges nothing more: its fourth message ends it, and the
	// page is told the backlog it had.
	for i := range 4 {
		b.call(t, "say", fmt.Sprint(i))
		b.push(t, i+1) // b keeps up
	}
	code, body := a.do(t, "GET", "/push/"+a.sid+"?ack=1", a.key, "")
	want = `the page fell behind: 3 messages (9 bytes) were waiting for it to acknowledge them, and one more of 3 bytes would pass its bound of 3 messages or 1000 bytes`
	if code != http.StatusGone || !strings.Contains(body, want) {
		t.Errorf("push of the page that fell behind: %d %s, want 410 with %q", code, body, want)
	}
	if got := b.push(t, 4); !strings.Contains(got, `"v":"3"`) {
		t.Errorf("the page that keeps up got %s", got)
	}
}

// A page that says it is closing (the pagehide beacon) is collected at
// once, not after the client timeout.
func TestLeaveBeaconCollects(t *testing.T) {
	bothDBs(t, func(t *testing.T, db string) {
		collected := make(chan Client, 1)
		f := newFixture(t, Config{DB: db, ClientTimeout: time.Hour}, func(s *Server) {
			s.hooks.collected = func(c Client) { collected <- c }
		})
		a, b := f.open(t), f.open(t)
		a.call(t, "subscribe")
		b.call(t, "subscribe")
		if code, body := a.do(t, "POST", "/leave/"+a.sid, "", `{"key":"`+a.key+`"}`); code != http.StatusNoContent {
			t.Fatalf("leave: %d %s", code, body)
		}
		select {
		case c := <-collected:
			if c != Client(f.srv.base+1) {
				t.Errorf("collected client %d, want the first", c)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a page that said it closed was not collected")
		}
		if n := f.leftRows(t, Client(f.srv.base+1)); n != 1 {
			t.Errorf("on leave committed %d times for the page that closed, want once", n)
		}
		if code, _ := a.do(t, "POST", "/leave/"+a.sid, "", `{"key":"`+a.key+`"}`); code != http.StatusNoContent {
			t.Errorf("leave of a collected session: %d, want 204", code)
		}
		if code, _ := a.do(t, "GET", "/push/"+a.sid+"?ack=0", a.key, ""); code != http.StatusGone {
			t.Errorf("push of a closed page: %d, want 410", code)
		}
		if got := b.call(t, "rows", false); got != `{"id":2,"ok":1}` {
			t.Errorf("rows after the first page left: %s, want the second's only", got)
		}
	})
}

// A push request closed by the page, with no new one within the leave
// grace, collects its client; one made within the grace keeps it, and
// finds every message sent meanwhile.
func TestCutPushCollectsAfterGrace(t *testing.T) {
	const grace = 10 * time.Second
	clk := &clock{t: time.Now()}
	waits, ends := make(chan struct{}, 16), make(chan bool, 16)
	f := newFixture(t, Config{ClientTimeout: time.Hour, LeaveGrace: grace, PollTimeout: time.Hour}, func(s *Server) {
		s.now = clk.now
		s.hooks.pollWaits = notify(waits)
		s.hooks.pollEnds = func(cut bool) { ends <- cut }
	})
	f.manual(t)
	a, b := f.open(t), f.open(t)
	a.call(t, "subscribe")
	b.call(t, "say", "one")
	if got := a.push(t, 0); !strings.Contains(got, `"v":"one"`) {
		t.Fatalf("push: %s", got)
	}
	<-ends
	// cutPush opens a push request, waits until the server holds it, and
	// closes it, as a closed tab does.
	cutPush := func(ack int) {
		t.Helper()
		conn, err := net.Dial("tcp", strings.TrimPrefix(f.http.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "GET /push/%s?ack=%d HTTP/1.1\r\nHost: 127.0.0.1\r\nProg-Key: %s\r\n\r\n", a.sid, ack, a.key)
		<-waits
		conn.Close()
		if cut := <-ends; !cut {
			t.Fatal("the server did not see the push request closed")
		}
	}
	collected := func() bool {
		f.srv.collect()
		f.srv.mu.Lock()
		defer f.srv.mu.Unlock()
		return f.srv.sessions[a.sid] == nil
	}

	cutPush(1)
	b.call(t, "say", "two") // while the page's network is away
	clk.advance(grace - time.Second)
	if collected() {
		t.Fatal("collected within the leave grace")
	}
	if got := a.push(t, 1); !strings.Contains(got, `"v":"two"`) {
		t.Errorf("push within the grace: %s, want the message sent meanwhile", got)
	}
	<-ends
	clk.advance(2 * grace)
	if collected() {
		t.Fatal("collected after it polled again within the grace")
	}

	cutPush(2)
	clk.advance(grace + time.Millisecond)
	if !collected() {
		t.Fatal("not collected after the leave grace")
	}
	if c := <-f.left; c != Client(f.srv.base+1) {
		t.Errorf("on leave ran for client %d, want the first", c)
	}
}

// A runtime error in on leave rolls back what on leave did, but the
// client's rows go all the same, and the error is logged.
func TestOnLeaveErrorStillCollects(t *testing.T) {
	bothDBs(t, func(t *testing.T, db string) {
		var log syncLog
		f := newFixture(t, Config{DB: db, Log: log.logger()}, func(s *Server) {
			s.prog.Leave = []Leave{{Pos: "test.prog:9:1", Run: func(x *Ctx, c Client) {
				x.Exec(`INSERT INTO "left" ("who") VALUES (?)`, int64(c))
				Fail("on leave broke")
			}}}
		})
		f.manual(t)
		a := f.open(t)
		a.call(t, "subscribe")
		f.age()
		f.srv.collect()
		if n := f.count(t, "subscribers"); n != 0 {
			t.Errorf("%d subscriber rows of the collected client are left", n)
		}
		if n := f.leftRows(t); n != 0 {
			t.Errorf("on leave's insert committed %d times, want it rolled back", n)
		}
		if got := log.lines("on leave failed"); len(got) != 1 || !strings.Contains(got[0], "test.prog:9:1") || !strings.Contains(got[0], "on leave broke") {
			t.Errorf("log lines about on leave: %q", got)
		}
	})
}

// A task that fails is logged with its position, and one that fails every
// millisecond does not flood the log.
func TestTaskErrorsAreLogged(t *testing.T) {
	var log syncLog
	var runs atomic.Int64
	fifty := make(chan struct{})
	f := newFixture(t, Config{Log: log.logger()}, func(s *Server) {
		s.prog.Every = []Every{{Pos: "test.prog:5:1", Period: time.Millisecond, Run: func(x *Ctx) {
			n := runs.Add(1)
			if n == 50 {
				close(fifty)
			}
			Fail("task broke, run %d", n)
		}}}
	})
	select {
	case <-fifty:
	case <-time.After(30 * time.Second):
		t.Fatal("the task did not run 50 times")
	}
	f.srv.Halt()
	got := log.lines("task failed")
	if len(got) != 1 || !strings.Contains(got[0], "test.prog:5:1") || !strings.Contains(got[0], "task broke, run 1") {
		t.Errorf("log lines about the task after %d runs: %q, want one naming its position and first error", runs.Load(), got)
	}
}

// While PostgreSQL is unreachable, calls answer that the database is
// unavailable, and nothing about it; clients collected meanwhile keep
// their rows only until it answers again, when on leave runs and the rows
// go.
func TestCollectWhileDatabaseDown(t *testing.T) {
	proxy, db := newDBProxy(t, pgtestDB(t))
	var log syncLog
	collected := make(chan Client, 4)
	f := newFixture(t, Config{DB: db, Log: log.logger()}, func(s *Server) {
		s.hooks.collected = func(c Client) { collected <- c }
	})
	f.manual(t)
	a := f.open(t)
	a.call(t, "subscribe")
	f.age()
	b := f.open(t)
	b.call(t, "count")

	proxy.cut()
	f.srv.collect()
	if got, want := b.call(t, "insert"), `{"id":2,"err":"the database is unavailable; try again later"}`; got != want {
		t.Errorf("a call while the database is down answered\n%s, want\n%s", got, want)
	}
	if got := b.call(t, "explode"); got != `{"id":3,"err":"an internal error in the server (the server log has the details)"}` {
		t.Errorf("a call that panics answered %s", got)
	}
	f.srv.collect() // again: still down
	if n := len(f.srv.leaving); n != 1 {
		t.Fatalf("%d clients wait to be collected, want 1", n)
	}
	if len(log.lines("the database is unavailable")) == 0 {
		t.Errorf("the log does not say why collection waits:\n%s", log.String())
	}
	for _, secret := range []string{"index out of range", proxy.ln.Addr().String()} {
		if !strings.Contains(log.String(), secret) {
			t.Errorf("the server log lacks the detail %q", secret)
		}
	}

	proxy.restore()
	if n := f.count(t, "subscribers"); n != 1 {
		t.Fatalf("%d subscriber rows before the database came back, want the collected client's 1", n)
	}
	f.srv.collect()
	select {
	case c := <-collected:
		if c != Client(f.srv.base+1) {
			t.Errorf("collected client %d, want the first", c)
		}
	default:
		t.Fatal("the client was not collected once the database answered")
	}
	if n, left := f.count(t, "subscribers"), f.leftRows(t); n != 0 || left != 1 {
		t.Errorf("after the database came back: %d subscriber rows (want 0), on leave committed %d times (want 1)", n, left)
	}
	if n := len(f.srv.leaving); n != 0 {
		t.Errorf("%d clients still wait to be collected", n)
	}
}

// A call that finds its pooled connection closed by the database (a
// restart, pg_terminate_backend) runs again on a new one: the page never
// sees the closed connection.
func TestCallAfterConnectionsDied(t *testing.T) {
	proxy, db := newDBProxy(t, pgtestDB(t))
	f := newFixture(t, Config{DB: db})
	a := f.open(t)
	a.call(t, "insert")
	proxy.cut() // every connection of the pool is closed…
	proxy.restore()
	if got := a.call(t, "insert"); got != `{"id":2,"ok":null}` {
		t.Errorf("a call after the database closed the connections answered %s", got)
	}
	if n := f.count(t, "counter"); n != 2 {
		t.Errorf("%d rows, want 2: the call ran %d times", n, n-1)
	}
}

// An on leave whose commit fails for want of the database may have
// committed: it does not run again, and the client's rows still go once
// the database answers.
func TestOnLeaveAmbiguousCommitRunsOnce(t *testing.T) {
	proxy, db := newDBProxy(t, pgtestDB(t))
	var runs atomic.Int64
	collected := make(chan Client, 1)
	f := newFixture(t, Config{DB: db}, func(s *Server) {
		s.hooks.collected = func(c Client) { collected <- c }
		s.prog.Leave = []Leave{{Pos: "test.prog:9:1", Run: func(x *Ctx, c Client) {
			runs.Add(1)
			x.Exec(`INSERT INTO "left" ("who") VALUES (?)`, int64(c))
			proxy.cut() // the database goes as the handler ends: its commit fails
		}}}
	})
	f.manual(t)
	a := f.open(t)
	a.call(t, "subscribe")
	f.age()
	f.srv.collect()
	proxy.restore()
	f.srv.collect()
	select {
	case <-collected:
	default:
		t.Fatal("the client was not collected once the database answered")
	}
	if n := runs.Load(); n != 1 {
		t.Errorf("on leave ran %d times, want once", n)
	}
	if n := f.count(t, "subscribers"); n != 0 {
		t.Errorf("%d subscriber rows left", n)
	}
}

// A collection that fails for a reason other than the database's absence
// is logged and given up, not tried every second for ever.
func TestCollectionFailureIsGivenUp(t *testing.T) {
	var log syncLog
	f := newFixture(t, Config{Log: log.logger()})
	f.manual(t)
	a := f.open(t)
	a.call(t, "subscribe")
	if _, err := f.srv.db.Exec(`DROP TABLE "watch"`); err != nil {
		t.Fatal(err)
	}
	f.age()
	f.srv.collect()
	if n := len(f.srv.leaving); n != 0 {
		t.Errorf("%d clients kept for another try", n)
	}
	if got := log.lines("collecting a client failed"); len(got) != 1 {
		t.Errorf("log lines about the failure: %q", got)
	}
}
