package runtime

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/prog-lang/prog/runtime/pgtest"
)

// The tests drive a server over real HTTP, with a program written the way
// gosrv generates one: a table of subscribers and a few remote functions.

type subscriber struct {
	Ch   Chan[string]   `json:"ch"`
	Note Option[string] `json:"note"`
	Who  Client         `json:"who"`
}

func scanSubscribers(x *Ctx) (ids []int64, rows []subscriber) {
	return ScanTable(x, "subscribers", `SELECT "_id", "ch", "note", "who" FROM "subscribers"`, func(q *Rows) (id int64, r subscriber) {
		q.Scan(&id, &r.Ch, &r.Note, &r.Who)
		return id, r
	})
}

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.StopShared()
	os.Exit(code)
}

// bothDBs runs test on SQLite and on PostgreSQL (a fresh database each).
func bothDBs(t *testing.T, test func(t *testing.T, db string)) {
	t.Run("sqlite", func(t *testing.T) { test(t, "sqlite") })
	t.Run("postgres", func(t *testing.T) { test(t, pgtestDB(t)) })
}

func pgtestDB(tb testing.TB) string { return pgtest.Shared(tb).NewDatabase(tb) }

func scanCounter(x *Ctx) (ids []int64, rows []int64) {
	return ScanTable(x, "counter", `SELECT "_id", "n" FROM "counter"`, func(q *Rows) (id, n int64) {
		q.Scan(&id, &n)
		return id, n
	})
}

type fixture struct {
	srv  *Server
	http *httptest.Server
	runs atomic.Int64 // times "count" ran
	left chan Client  // the clients on leave ran for, while there is room

	connMu      sync.Mutex
	openConns   int        // connections the server has open
	connsClosed *sync.Cond // signalled when openConns falls
}

// collectWhileCalling opens n clients that subscribe, makes them look
// gone, and runs collect while a live client keeps calling subscribe. It
// returns the live client and its longest call.
func (f *fixture) collectWhileCalling(t testing.TB, n int, collect func()) (live *page, worst time.Duration) {
	for range n {
		f.open(t).call(t, "subscribe")
	}
	f.manual(t)
	f.age()
	live = f.open(t)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			start := time.Now()
			live.call(t, "subscribe")
			worst = max(worst, time.Since(start))
		}
	}()
	collect()
	close(stop)
	<-done
	return live, worst
}

func (f *fixture) trackConn(_ net.Conn, state http.ConnState) {
	f.connMu.Lock()
	defer f.connMu.Unlock()
	switch state {
	case http.StateNew:
		f.openConns++
	case http.StateClosed, http.StateHijacked:
		f.openConns--
		f.connsClosed.Broadcast()
	}
}

// closeConns closes every connection to the server and waits until the
// server has seen each of them closed.
func (f *fixture) closeConns() {
	http.DefaultClient.CloseIdleConnections()
	f.http.CloseClientConnections()
	f.connMu.Lock()
	defer f.connMu.Unlock()
	for f.openConns > 0 {
		f.connsClosed.Wait()
	}
}

// notify returns a hook that tells the test something happened and never
// blocks the server: a signal the test has not taken yet stands for any
// number of them.
func notify(c chan struct{}) func() {
	return func() {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

// manual stops the server's tasks and collector: the test collects, by
// calling collect.
func (f *fixture) manual(testing.TB) { f.srv.stopTasks() }

// age makes every session look as if its page went away long ago: the
// next collection collects them all.
func (f *fixture) age() {
	f.srv.mu.Lock()
	defer f.srv.mu.Unlock()
	for _, ss := range f.srv.sessions {
		ss.mu.Lock()
		ss.lastSeen = time.Time{}
		ss.mu.Unlock()
	}
}

// leftRows counts the clients whose on leave committed (with who, the
// rows of that one client): on leave inserts a row in table "left" in
// its transaction, so a run that was rolled back and retried counts once.
func (f *fixture) leftRows(t testing.TB, who ...Client) int {
	t.Helper()
	q, args := `SELECT count(*) FROM "left"`, []any{}
	if len(who) > 0 {
		q, args = f.srv.db.q(`SELECT count(*) FROM "left" WHERE "who" = ?`), []any{int64(who[0])}
	}
	var n int
	if err := f.srv.db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// newFixture starts a server of the test program with cfg; each setup
// function may change the server (its hooks, its program) before it
// starts serving.
func newFixture(t testing.TB, cfg Config, setup ...func(*Server)) *fixture {
	t.Helper()
	f := &fixture{left: make(chan Client, 8)}
	p := &Program{
		Name: "test", Page: `<p id="x">hi</p>`, Bundle: []byte("console.log(1)"), Map: []byte("{}"),
		Tables: []*Table{{Name: "subscribers", Columns: []Column{
			{Name: "ch", Kind: KindChannel}, {Name: "note", Kind: KindString, Null: true}, {Name: "who", Kind: KindClient},
		}}, {Name: "watch", Columns: []Column{
			{Name: "n", Kind: KindInt}, {Name: "ch", Kind: KindChannel, Null: true},
		}}, {Name: "counter", Columns: []Column{{Name: "n", Kind: KindInt}}},
			{Name: "left", Columns: []Column{{Name: "who", Kind: KindInt}}}},
		Remote: map[string]Remote{
			"subscribe": func(args []json.RawMessage) (func(*Ctx) any, error) {
				if err := Args(args); err != nil {
					return nil, err
				}
				return func(x *Ctx) any {
					c := NewChan[string](x)
					x.Exec(`INSERT INTO "subscribers" ("ch", "note", "who") VALUES (?, ?, ?)`, c, Some("n"), x.Self())
					x.Exec(`INSERT INTO "watch" ("n", "ch") VALUES (?, ?)`, int64(x.Self()), Some(c))
					return c
				}, nil
			},
			"post": func(args []json.RawMessage) (func(*Ctx) any, error) {
				var text string
				var fail bool
				if err := Args(args, &text, &fail); err != nil {
					return nil, err
				}
				return func(x *Ctx) any {
					for _, s := range All(x, scanSubscribers) {
						Send(x, s.Ch, text)
					}
					x.Exec(`INSERT INTO "subscribers" ("ch", "note", "who") VALUES (?, ?, ?)`, Chan[string]{ID: 999}, Option[string]{}, x.Self())
					if fail {
						Fail("failing after the sends")
					}
					return Unit{}
				}, nil
			},
			// inc adds one to the counter, read and written back as
			// generated code does, and tells every subscriber the count.
			"inc": func(args []json.RawMessage) (func(*Ctx) any, error) {
				return func(x *Ctx) any {
					var n int64
					Update(x, `UPDATE "counter" SET "n" = ? WHERE "_id" = ?`, scanCounter, nil, func(r int64) []any {
						n = r + 1
						return []any{n}
					})
					for _, s := range All(x, scanSubscribers) {
						Send(x, s.Ch, StrInt(n))
					}
					return n
				}, nil
			},
			// say sends text to every subscriber.
			"say": func(args []json.RawMessage) (func(*Ctx) any, error) {
				var text string
				if err := Args(args, &text); err != nil {
					return nil, err
				}
				return func(x *Ctx) any {
					for _, s := range All(x, scanSubscribers) {
						Send(x, s.Ch, text)
					}
					return Unit{}
				}, nil
			},
			// rows counts the subscribers, after adding one when add is set.
			"rows": func(args []json.RawMessage) (func(*Ctx) any, error) {
				var add bool
				if err := Args(args, &add); err != nil {
					return nil, err
				}
				return func(x *Ctx) any {
					n := len(All(x, scanSubscribers)) // read first: a cached read, then a write
					if add {
						x.Exec(`INSERT INTO "subscribers" ("ch", "note", "who") VALUES (?, ?, ?)`, Chan[string]{ID: 998}, Option[string]{}, x.Self())
						if m := len(All(x, scanSubscribers)); m != n+1 {
							Fail("read %d rows after inserting into %d", m, n)
						}
						n++
					}
					return int64(n)
				}, nil
			},
			// insert adds one row.
			"insert": func(args []json.RawMessage) (func(*Ctx) any, error) {
				return func(x *Ctx) any {
					x.Exec(`INSERT INTO "counter" ("n") VALUES (?)`, int64(1))
					return Unit{}
				}, nil
			},
			"count": func(args []json.RawMessage) (func(*Ctx) any, error) {
				return func(*Ctx) any { return f.runs.Add(1) }, nil
			},
			// explode fails as a bug in the runtime would: with a Go panic.
			"explode": func(args []json.RawMessage) (func(*Ctx) any, error) {
				return func(*Ctx) any {
					var xs []int64
					return xs[len(args)] // index out of range
				}, nil
			},
			"big": func(args []json.RawMessage) (func(*Ctx) any, error) {
				var n int64
				if err := Args(args, &n); err != nil {
					return nil, err
				}
				return func(*Ctx) any { return Add(n, 1) }, nil
			},
		},
		Leave: []Leave{{Pos: "test.prog:1:1", Run: func(x *Ctx, c Client) {
			x.Exec(`INSERT INTO "left" ("who") VALUES (?)`, int64(c))
			select {
			case f.left <- c:
			default: // a benchmark collecting many: the count is enough
			}
		}}},
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.DB == "" || cfg.DB == "sqlite" {
		cfg.DB = filepath.Join(t.TempDir(), "test.db")
	}
	if cfg.ClientTimeout == 0 {
		cfg.ClientTimeout = time.Minute
	}
	if cfg.PollTimeout == 0 {
		cfg.PollTimeout = 5 * time.Second
	}
	srv, err := NewServer(context.Background(), p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range setup {
		f(srv)
	}
	srv.Start()
	f.srv = srv
	f.http = httptest.NewUnstartedServer(srv.Handler())
	f.connsClosed = sync.NewCond(&f.connMu)
	f.http.Config.ConnState = f.trackConn
	f.http.Start()
	t.Cleanup(func() {
		srv.Halt()
		f.http.Close()
		srv.Close()
	})
	return f
}

type page struct {
	f        *fixture
	sid, key string
	calls    int
}

var metaRE = regexp.MustCompile(`<meta name="prog-(session|key)" content="([0-9a-f]+)">`)

func (f *fixture) open(t testing.TB) *page {
	t.Helper()
	resp, err := http.Get(f.http.URL + "/test")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	p := &page{f: f}
	for _, m := range metaRE.FindAllStringSubmatch(string(body), -1) {
		if m[1] == "session" {
			p.sid = m[2]
		} else {
			p.key = m[2]
		}
	}
	if len(p.sid) != 32 || len(p.key) != 32 || p.sid == p.key {
		t.Fatalf("page has session %q and key %q, want two different 128-bit hex ids:\n%s", p.sid, p.key, body)
	}
	return p
}

// do sends a request and returns the status and body. It may run on any
// goroutine: a failed request is an error of the test (and status 0), not
// a Fatal.
func (p *page) do(t testing.TB, method, path, key, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, p.f.http.URL+path, strings.NewReader(body))
	req.Header.Set("Prog-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

func (p *page) call(t testing.TB, fn string, args ...any) string {
	t.Helper()
	p.calls++
	a, _ := json.Marshal(args)
	code, body := p.do(t, "POST", "/pull/"+p.sid, p.key, fmt.Sprintf(`{"id":%d,"fn":%q,"args":%s}`, p.calls, fn, a))
	if code != 200 {
		t.Fatalf("call %s: %d %s", fn, code, body)
	}
	return body
}

// push polls as the page. It may run on any goroutine (see do).
func (p *page) push(t testing.TB, ack int) string {
	t.Helper()
	code, body := p.do(t, "GET", fmt.Sprintf("/push/%s?ack=%d", p.sid, ack), p.key, "")
	if code != 200 {
		t.Errorf("push: %d %s", code, body)
	}
	return body
}

func TestPageAndBundle(t *testing.T) {
	bothDBs(t, func(t *testing.T, db string) {
		f := newFixture(t, Config{DB: db})
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Get(f.http.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/test" {
			t.Errorf("GET / = %d to %q, want 302 to /test", resp.StatusCode, resp.Header.Get("Location"))
		}
		a, b := f.open(t), f.open(t)
		if a.sid == b.sid {
			t.Error("two page views got one session")
		}
		resp, err = http.Get(f.http.URL + f.srv.bundle)
		if err != nil {
			t.Fatal(err)
		}
		js, _ := io.ReadAll(resp.Body)
		if !strings.HasPrefix(string(js), "console.log(1)") || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("bundle: %q, Cache-Control %q", js, resp.Header.Get("Cache-Control"))
		}
		if code, _ := a.do(t, "GET", "/nothing.js", "", ""); code != 404 {
			t.Errorf("unknown file: %d, want 404", code)
		}
	})
}

func TestPushDeliversAcknowledges(t *testing.T) {
	bothDBs(t, func(t *testing.T, db string) {
		waits := make(chan struct{}, 1)
		f := newFixture(t, Config{DB: db}, func(s *Server) { s.hooks.pollWaits = notify(waits) })
		a, b := f.open(t), f.open(t)
		ch := a.call(t, "subscribe")
		if want := fmt.Sprintf(`{"id":1,"ok":{"ch":%d,"owner":%d}}`, f.srv.base+1, f.srv.base+1); ch != want {
			t.Fatalf("subscribe answered %s", ch)
		}
		b.call(t, "post", "one", false)
		b.call(t, "post", "two", false)
		if got := a.push(t, 0); !strings.Contains(got, `"seq":1`) || !strings.Contains(got, `"v":"one"`) || !strings.Contains(got, `"v":"two"`) {
			t.Errorf("first push: %s", got)
		}
		// Acknowledging 1 drops it; 2 is sent again until acknowledged.
		if got := a.push(t, 1); strings.Contains(got, `"one"`) || !strings.Contains(got, `"seq":2`) {
			t.Errorf("push after ack=1: %s", got)
		}
		// A held poll answers as soon as a message comes.
		done := make(chan string)
		go func() { done <- a.push(t, 2) }()
		<-waits // the server holds it
		b.call(t, "post", "three", false)
		select {
		case got := <-done:
			if !strings.Contains(got, `"v":"three"`) || strings.Contains(got, `"two"`) {
				t.Errorf("held push: %s", got)
			}
		case <-time.After(3 * time.Second):
			t.Fatal("a held push did not answer when a message came")
		}
	})
}

// TestPollTimeoutAndNewerPoll: a push with nothing to say answers at the
// poll timeout; a newer push of the page ends the older one at once (in
// cluster mode, on the same node). On SQLite, PostgreSQL and a cluster
// node.
func TestPollTimeoutAndNewerPoll(t *testing.T) {
	run := func(t *testing.T, f *fixture, waits chan struct{}) {
		a := f.open(t)
		start := time.Now()
		if got := a.push(t, 0); got != `{"msgs":[]}` {
			t.Errorf("idle push = %s", got)
		}
		if d := time.Since(start); d < 250*time.Millisecond {
			t.Errorf("idle push answered after %v, before the poll timeout", d)
		}
		<-waits
		f.srv.cfg.PollTimeout = time.Minute
		older := make(chan string)
		go func() { older <- a.push(t, 0) }()
		<-waits // the server holds the older poll
		newer := make(chan string)
		go func() { newer <- a.push(t, 0) }()
		select {
		case got := <-older:
			if got != `{"msgs":[]}` {
				t.Errorf("older poll ended with %s", got)
			}
		case <-time.After(3 * time.Second):
			t.Fatal("a newer poll did not end the older one")
		}
		a.call(t, "subscribe")
		a.call(t, "post", "x", false)
		if got := <-newer; !strings.Contains(got, `"v":"x"`) {
			t.Errorf("newer poll: %s", got)
		}
	}
	cfg := Config{PollTimeout: 300 * time.Millisecond}
	bothDBs(t, func(t *testing.T, db string) {
		waits := make(chan struct{}, 4)
		cfg := cfg
		cfg.DB = db
		run(t, newFixture(t, cfg, func(s *Server) { s.hooks.pollWaits = notify(waits) }), waits)
	})
	t.Run("cluster", func(t *testing.T) {
		waits := make(chan struct{}, 4)
		run(t, startNodes(t, 1, cfg, func(s *Server) { s.hooks.pollWaits = notify(waits) })[0], waits)
	})
}

func TestBadRequests(t *testing.T) {
	bothDBs(t, func(t *testing.T, db string) {
		f := newFixture(t, Config{DB: db})
		a := f.open(t)
		cases := []struct {
			name, method, path, key, body string
			code                          int
			err                           string
		}{
			{"wrong key", "POST", "/pull/" + a.sid, "wrong", `{"id":1,"fn":"count","args":[]}`, 403, "wrong session key"},
			{"unknown session pull", "POST", "/pull/0123", a.key, `{"id":1,"fn":"count","args":[]}`, 410, "session expired"},
			{"unknown session push", "GET", "/push/0123?ack=0", a.key, ``, 410, "session expired"},
			{"ack not a number", "GET", "/push/" + a.sid + "?ack=x", a.key, ``, 400, "ack"},
			{"malformed JSON", "POST", "/pull/" + a.sid, a.key, `{"id":1,"fn":`, 400, "malformed JSON"},
			{"missing id", "POST", "/pull/" + a.sid, a.key, `{"fn":"count","args":[]}`, 400, "id"},
			{"id a string", "POST", "/pull/" + a.sid, a.key, `{"id":"1","fn":"count","args":[]}`, 400, "a call needs an id, a whole number > 0"},
			{"fn a number", "POST", "/pull/" + a.sid, a.key, `{"id":1,"fn":7,"args":[]}`, 400, "a call needs fn, the function's name as a string"},
			{"leave with the wrong key", "POST", "/leave/" + a.sid, "", `{"key":"wrong"}`, 403, "wrong session key"},
			{"leave with no key", "POST", "/leave/" + a.sid, "", `key`, 400, `the body must be {\"key\":\"…\"}`},
			{"GET on leave", "GET", "/leave/" + a.sid, "", ``, 405, "allowed: POST"},
			{"unknown function", "POST", "/pull/" + a.sid, a.key, `{"id":1,"fn":"nope","args":[]}`, 404, `no remote function \"nope\"`},
			{"wrong argument type", "POST", "/pull/" + a.sid, a.key, `{"id":1,"fn":"post","args":[1,false]}`, 400, "argument 1 of post: expected a string, got a number"},
			{"too few arguments", "POST", "/pull/" + a.sid, a.key, `{"id":1,"fn":"post","args":["x"]}`, 400, "post: expected 2 arguments, got 1"},
			{"float for an int", "POST", "/pull/" + a.sid, a.key, `{"id":1,"fn":"big","args":[1.5]}`, 400, "argument 1 of big: expected an int, got a number"},
			{"body over the limit", "POST", "/pull/" + a.sid, a.key, `{"id":1,"fn":"count","args":["` + strings.Repeat("x", defaultMaxBody) + `"]}`, 413, "over"},
			{"too many arguments", "POST", "/pull/" + a.sid, a.key, `{"id":1,"fn":"post","args":["x",false,3]}`, 400, "post: expected 2 arguments, got 3"},
			{"args not a list", "POST", "/pull/" + a.sid, a.key, `{"id":1,"fn":"post","args":{"text":"x"}}`, 400, "malformed JSON"},
			{"body not an object", "POST", "/pull/" + a.sid, a.key, `[1,2]`, 400, "malformed JSON"},
			{"missing key", "POST", "/pull/" + a.sid, "", `{"id":1,"fn":"count","args":[]}`, 403, "wrong session key"},
			{"wrong key on push", "GET", "/push/" + a.sid + "?ack=0", "wrong", ``, 403, "wrong session key"},
			{"negative ack", "GET", "/push/" + a.sid + "?ack=-1", a.key, ``, 400, "ack"},
			{"ack beyond the last message", "GET", "/push/" + a.sid + "?ack=99", a.key, ``, 400, "beyond the last message sent, 0"},
			{"missing ack", "GET", "/push/" + a.sid, a.key, ``, 400, "ack"},
			{"unknown path", "GET", "/no/such/path", a.key, ``, 404, "not found"},
			{"push without a session", "GET", "/push/", a.key, ``, 404, "not found"},
			{"wrong method on the page", "DELETE", "/test", a.key, ``, 405, "method DELETE not allowed here (allowed: GET, HEAD)"},
			{"GET on pull", "GET", "/pull/" + a.sid, a.key, ``, 405, "allowed: POST"},
			{"POST on push", "POST", "/push/" + a.sid + "?ack=0", a.key, ``, 405, "allowed: GET, HEAD, OPTIONS"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				code, body := a.do(t, c.method, c.path, c.key, c.body)
				if code != c.code || !strings.Contains(body, c.err) || !json.Valid([]byte(body)) || strings.Contains(body, "\n") {
					t.Errorf("%s %s %.40s: %d %s, want %d with %q, on one line of JSON", c.method, c.path, c.body, code, body, c.code, c.err)
				}
				// The page is told in the protocol's terms, never Go's.
				if strings.Contains(body, "Go ") || strings.Contains(body, "int64") || strings.Contains(body, "struct") {
					t.Errorf("%s %s %.40s: %s names Go types", c.method, c.path, c.body, body)
				}
			})
		}
		if n := f.runs.Load(); n != 0 {
			t.Errorf("bad requests ran %d calls", n)
		}
		// Nothing changed: the session still serves, from call id 1.
		if got := a.call(t, "count"); got != `{"id":1,"ok":1}` {
			t.Errorf("the first good call after the bad ones answered %s", got)
		}
		if got := a.call(t, "subscribe"); !strings.Contains(got, `"ok":{"ch"`) {
			t.Errorf("subscribe after the bad requests answered %s", got)
		}
	})
}

func TestRepeatedCallIDRunsOnce(t *testing.T) {
	bothDBs(t, func(t *testing.T, db string) {
		f := newFixture(t, Config{DB: db})
		a := f.open(t)
		for range 3 {
			if _, body := a.do(t, "POST", "/pull/"+a.sid, a.key, `{"id":1,"fn":"count","args":[]}`); body != `{"id":1,"ok":1}` {
				t.Errorf("call 1 answered %s", body)
			}
		}
		if _, body := a.do(t, "POST", "/pull/"+a.sid, a.key, `{"id":2,"fn":"count","args":[]}`); body != `{"id":2,"ok":2}` {
			t.Errorf("call 2 answered %s", body)
		}
	})
}

// Calls of one session run in id order: a call that comes before a
// smaller id waits for it, though not for ever (gapWait).
func TestCallsRunInIDOrder(t *testing.T) {
	waiting := make(chan int64, 8)
	f := newFixture(t, Config{}, func(s *Server) { s.hooks.callWaits = func(id int64) { waiting <- id } })
	a := f.open(t)
	answers := make(chan string, 3)
	for _, id := range []int64{3, 2} {
		go func() {
			_, body := a.do(t, "POST", "/pull/"+a.sid, a.key, fmt.Sprintf(`{"id":%d,"fn":"count","args":[]}`, id))
			answers <- body
		}()
		if got := <-waiting; got != id { // it waits for call 1
			t.Fatalf("call %d waits, want %d", got, id)
		}
	}
	_, body := a.do(t, "POST", "/pull/"+a.sid, a.key, `{"id":1,"fn":"count","args":[]}`)
	got := map[string]bool{body: true, <-answers: true, <-answers: true}
	for _, want := range []string{`{"id":1,"ok":1}`, `{"id":2,"ok":2}`, `{"id":3,"ok":3}`} {
		if !got[want] {
			t.Errorf("answers %v, want %s among them", got, want)
		}
	}
	// Id 5 without 4: it runs after gapWait.
	start := time.Now()
	if _, body := a.do(t, "POST", "/pull/"+a.sid, a.key, `{"id":5,"fn":"count","args":[]}`); body != `{"id":5,"ok":4}` {
		t.Errorf("call 5 answered %s", body)
	}
	if d := time.Since(start); d < gapWait-100*time.Millisecond {
		t.Errorf("call 5 ran after %v, without waiting for call 4", d)
	}
}

func TestBigIntsCrossAsStrings(t *testing.T) {
	bothDBs(t, func(t *testing.T, db string) {
		f := newFixture(t, Config{DB: db})
		a := f.open(t)
		_, body := a.do(t, "POST", "/pull/"+a.sid, a.key, `{"id":1,"fn":"big","args":["9007199254740992"]}`)
		if body != `{"id":1,"ok":"9007199254740993"}` {
			t.Errorf("big answered %s", body)
		}
		_, body = a.do(t, "POST", "/pull/"+a.sid, a.key, `{"id":2,"fn":"big","args":["9223372036854775807"]}`)
		if !strings.Contains(body, `"err":"int overflow`) {
			t.Errorf("overflow answered %s", body)
		}
	})
}

func TestFailedCallRollsBack(t *testing.T) {
	bothDBs(t, func(t *testing.T, db string) {
		f := newFixture(t, Config{DB: db, PollTimeout: 200 * time.Millisecond})
		a := f.open(t)
		a.call(t, "subscribe")
		if got := a.call(t, "post", "lost", true); !strings.Contains(got, `"err":"failing after the sends"`) {
			t.Errorf("failing post answered %s", got)
		}
		if got := a.push(t, 0); got != `{"msgs":[]}` {
			t.Errorf("a rolled-back send was delivered: %s", got)
		}
		rows := 0
		if err := f.srv.db.QueryRow(`SELECT count(*) FROM subscribers`).Scan(&rows); err != nil || rows != 1 {
			t.Errorf("rows after the rollback = %d (%v), want 1", rows, err)
		}
	})
}

func TestCollectClient(t *testing.T) {
	bothDBs(t, func(t *testing.T, db string) {
		collected := make(chan Client, 1)
		f := newFixture(t, Config{DB: db, ClientTimeout: 500 * time.Millisecond, PollTimeout: 50 * time.Millisecond},
			func(s *Server) { s.hooks.collected = func(c Client) { collected <- c } })
		a, b := f.open(t), f.open(t)
		a.call(t, "subscribe")
		b.call(t, "subscribe")
		// b keeps polling and calling; a does not.
		stop := make(chan struct{})
		served := make(chan error, 1)
		go func() {
			for i := 2; ; i++ { // ids follow subscribe's: calls run in id order
				select {
				case <-stop:
					served <- nil
					return
				default:
				}
				b.do(t, "GET", "/push/"+b.sid+"?ack=0", b.key, "")
				if code, body := b.do(t, "POST", "/pull/"+b.sid, b.key, fmt.Sprintf(`{"id":%d,"fn":"count","args":[]}`, i)); code != 200 {
					served <- fmt.Errorf("a call of the live client failed during collection: %d %s", code, body)
					return
				}
			}
		}()
		defer func() {
			close(stop)
			if err := <-served; err != nil {
				t.Error(err)
			}
		}()
		select {
		case c := <-f.left:
			if c != Client(f.srv.base+1) {
				t.Errorf("on leave ran for client %d, want the first", c)
			}
		case <-time.After(f.srv.cfg.ClientTimeout + 2*time.Second):
			t.Fatal("a client without push requests was not collected within the client timeout and 2 s")
		}
		<-collected // its rows are gone
		if code, _ := a.do(t, "GET", "/push/"+a.sid+"?ack=0", a.key, ""); code != 410 {
			t.Errorf("push of a collected client: %d, want 410", code)
		}
		var who []int64
		rows, err := f.srv.db.Query(`SELECT who FROM subscribers`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var w int64
			rows.Scan(&w)
			who = append(who, w)
		}
		rows.Close()
		if len(who) != 1 || who[0] != f.srv.base+2 {
			t.Errorf("rows left hold clients %v, want only the second", who)
		}
		// The option column of the collected client's row is none; the
		// row stays. The other client's is untouched.
		var rowsLeft, chans int
		f.srv.db.QueryRow(`SELECT count(*), count("ch") FROM "watch"`).Scan(&rowsLeft, &chans)
		if rowsLeft != 2 || chans != 1 {
			t.Errorf("watch has %d rows with %d channels, want 2 rows with 1", rowsLeft, chans)
		}
		if n, all := f.leftRows(t, Client(f.srv.base+1)), f.leftRows(t); n != 1 || all != 1 {
			t.Errorf("on leave committed %d times for the first client and %d in all, want once and once", n, all)
		}
	})
}

func TestChannelOwnerAndTasks(t *testing.T) {
	bothDBs(t, func(t *testing.T, db string) {
		f := newFixture(t, Config{DB: db})
		a := f.open(t)
		a.call(t, "subscribe")
		if o := f.srv.owner(f.srv.base + 1); o != Client(f.srv.base+1) {
			t.Errorf("owner of the first channel = %d, want the first client", o)
		}
		// A task has no client: self() and channel() are runtime errors.
		_, err := f.srv.run(context.Background(), nil, func(x *Ctx) any { return x.Self() })
		if err == nil || !strings.Contains(err.Error(), "self() in a task") {
			t.Errorf("self() in a task: %v", err)
		}
		_, err = f.srv.run(context.Background(), nil, func(x *Ctx) any { return NewChan[int64](x) })
		if err == nil || !strings.Contains(err.Error(), "channel() in a task") {
			t.Errorf("channel() in a task: %v", err)
		}
	})
}

func TestPushOrigin(t *testing.T) {
	bothDBs(t, func(t *testing.T, db string) {
		f := newFixture(t, Config{DB: db, PushOrigin: "http://push.example", PollTimeout: 50 * time.Millisecond})
		checkPushOrigin(t, f)
		// Without --push-origin there is no cross-origin push.
		if db != "sqlite" {
			db = pgtestDB(t) // f runs on the first
		}
		g := newFixture(t, Config{DB: db})
		c := g.open(t)
		if code, _ := c.do(t, "OPTIONS", "/push/"+c.sid+"?ack=0", c.key, ""); code != http.StatusMethodNotAllowed {
			t.Errorf("preflight without --push-origin: %d, want 405", code)
		}
	})
}

// checkPushOrigin checks the CORS of push requests of f, a server (or a
// proxy in front of cluster nodes) with --push-origin: each session's
// pushes may be read from the origin its page was served under only.
func checkPushOrigin(t *testing.T, f *fixture) {
	resp, err := http.Get(f.http.URL + "/test")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `<meta name="prog-push" content="http://push.example">`) {
		t.Errorf("page does not name the push origin:\n%s", body)
	}
	// The page's origin is where f.open got it: f.http.URL.
	a := f.open(t)
	cors := func(method, sid, key, origin string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, f.http.URL+"/push/"+sid+"?ack=0", nil)
		req.Header.Set("Origin", origin)
		if method == "OPTIONS" {
			req.Header.Set("Access-Control-Request-Headers", "prog-key")
		} else {
			req.Header.Set("Prog-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if o := resp.Header.Get("Access-Control-Allow-Origin"); o != "" && !strings.EqualFold(resp.Header.Get("Access-Control-Allow-Headers"), "Prog-Key, Prog-Build") {
			t.Errorf("%s from %s: allows the origin, not the Prog-Key and Prog-Build headers: %v", method, origin, resp.Header)
		}
		return resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin")
	}
	// Another page, served under another name: its pushes come
	// from that name's origin only.
	req, _ := http.NewRequest("GET", f.http.URL+"/test", nil)
	req.Host = "page.example:8080"
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	b := &page{f: f}
	for _, m := range metaRE.FindAllStringSubmatch(string(body), -1) {
		if m[1] == "session" {
			b.sid = m[2]
		} else {
			b.key = m[2]
		}
	}
	for _, c := range []struct {
		method, sid, key, origin string
		code                     int
		allowed                  bool
	}{
		{"OPTIONS", a.sid, "", f.http.URL, http.StatusNoContent, true},
		{"GET", a.sid, a.key, f.http.URL, http.StatusOK, true},
		{"OPTIONS", a.sid, "", "https://evil.example", http.StatusForbidden, false},
		{"GET", a.sid, a.key, "https://evil.example", http.StatusOK, false},
		{"OPTIONS", a.sid, "", "http://page.example:8080", http.StatusForbidden, false},
		{"OPTIONS", b.sid, "", "http://page.example:8080", http.StatusNoContent, true},
		{"GET", b.sid, b.key, "http://page.example:8080", http.StatusOK, true},
		{"OPTIONS", b.sid, "", f.http.URL, http.StatusForbidden, false},
		{"OPTIONS", b.sid, "", "http://page.example", http.StatusForbidden, false},
		{"OPTIONS", b.sid, "", "null", http.StatusForbidden, false},
		// An expired page reads its 410 from its own origin, and
		// from no other.
		{"OPTIONS", "0123", "", f.http.URL, http.StatusNoContent, true},
		{"GET", "0123", a.key, "http://page.example:8080", http.StatusGone, true},
		{"OPTIONS", "0123", "", "https://evil.example", http.StatusForbidden, false},
		{"GET", "0123", a.key, "https://evil.example", http.StatusGone, false},
	} {
		code, allow := cors(c.method, c.sid, c.key, c.origin)
		if code != c.code || (allow == c.origin) != c.allowed || allow != "" && allow != c.origin {
			t.Errorf("%s /push/%.6s… from %s: %d allowing %q, want %d, allowed %v", c.method, c.sid, c.origin, code, allow, c.code, c.allowed)
		}
	}
}

// Fifty calls at once each add one to a counter: every one counts once,
// and each count is delivered once, on both databases (PostgreSQL runs
// them concurrently and retries those that fail to serialize).
func TestConcurrentIncrements(t *testing.T) {
	bothDBs(t, func(t *testing.T, db string) {
		f := newFixture(t, Config{DB: db, PollTimeout: 100 * time.Millisecond})
		if _, err := f.srv.db.Exec(f.srv.db.q(`INSERT INTO "counter" ("n") VALUES (?)`), 0); err != nil {
			t.Fatal(err)
		}
		a := f.open(t)
		a.call(t, "subscribe")
		// Fifty clients, so that nothing orders their calls.
		const calls = 50
		callers := make([]*page, calls)
		for i := range callers {
			callers[i] = f.open(t)
		}
		var wg sync.WaitGroup
		errs := make(chan string, calls)
		for _, c := range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, body := c.do(t, "POST", "/pull/"+c.sid, c.key, `{"id":1,"fn":"inc","args":[]}`)
				if code != 200 || strings.Contains(body, `"err"`) {
					errs <- body
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Errorf("a call failed: %s", e)
		}
		var n int64
		if err := f.srv.db.QueryRow(`SELECT "n" FROM "counter"`).Scan(&n); err != nil || n != calls {
			t.Errorf("counter = %d (%v), want %d", n, err, calls)
		}
		seen := map[string]int{}
		ack := 0
		for len(seen) < calls {
			var res struct {
				Msgs []message `json:"msgs"`
			}
			body := a.push(t, ack)
			if err := json.Unmarshal([]byte(body), &res); err != nil || len(res.Msgs) == 0 {
				t.Fatalf("push: %s (%v), after %d counts", body, err, len(seen))
			}
			for _, m := range res.Msgs {
				seen[string(m.V)]++
				ack = int(m.Seq)
			}
		}
		for i := 1; i <= calls; i++ {
			if c := seen[fmt.Sprintf(`"%d"`, i)]; c != 1 {
				t.Errorf("count %d delivered %d times", i, c)
			}
		}
		t.Logf("%d transactions retried", f.srv.retries.Load())
	})
}

// A transaction that fails to serialize runs again from the start, and
// only the sends of the run that commits are delivered. A second
// transaction commits a change to the row the first has read, before the
// first writes it: PostgreSQL refuses the first (SQLSTATE 40001).
func TestSerializationFailureRetries(t *testing.T) {
	f := newFixture(t, Config{DB: pgtestDB(t), PollTimeout: 100 * time.Millisecond})
	if _, err := f.srv.db.Exec(`INSERT INTO "counter" ("n") VALUES (0)`); err != nil {
		t.Fatal(err)
	}
	a := f.open(t)
	a.call(t, "subscribe")
	ch := Chan[string]{ID: f.srv.base + 1}
	attempts := 0
	_, err := f.srv.run(context.Background(), nil, func(x *Ctx) any {
		attempts++
		_, ns := scanCounter(x)
		Send(x, ch, "attempt "+StrInt(int64(attempts)))
		if attempts == 1 {
			if _, err := f.srv.run(context.Background(), nil, func(y *Ctx) any {
				y.Exec(`UPDATE "counter" SET "n" = "n" + 100`)
				return nil
			}); err != nil {
				t.Errorf("the concurrent transaction: %v", err)
			}
		}
		x.Exec(`UPDATE "counter" SET "n" = ?`, ns[0]+1)
		return nil
	})
	if err != nil {
		t.Fatalf("the retried transaction failed: %v", err)
	}
	var n int64
	f.srv.db.QueryRow(`SELECT "n" FROM "counter"`).Scan(&n)
	if attempts != 2 || n != 101 || f.srv.retries.Load() != 1 {
		t.Errorf("ran %d times, %d retries, counter %d: want 2 runs, 1 retry, counter 101", attempts, f.srv.retries.Load(), n)
	}
	if got := a.push(t, 0); strings.Contains(got, "attempt 1") || !strings.Contains(got, `"attempt 2"`) {
		t.Errorf("delivered %s, want only the send of the second run", got)
	}
}

// A page that falls further behind than its queue's bounds ends: its push
// is told why, it is collected, and the pages that keep up go on.
func TestQueueBounds(t *testing.T) {
	for _, lim := range []Limits{{QueueMsgs: 5, QueueBytes: 1 << 20}, {QueueMsgs: 1000, QueueBytes: 30}} {
		t.Run(fmt.Sprint(lim.QueueMsgs, lim.QueueBytes), func(t *testing.T) {
			f := newFixture(t, Config{Limits: lim, ClientTimeout: time.Hour, PollTimeout: 100 * time.Millisecond})
			slow, fast := f.open(t), f.open(t)
			slow.call(t, "subscribe")
			fast.call(t, "subscribe")
			ack := 0
			for i := range 6 {
				fast.call(t, "post", fmt.Sprintf("message %d", i), false)
				var res struct{ Msgs []message }
				json.Unmarshal([]byte(fast.push(t, ack)), &res)
				ack = int(res.Msgs[len(res.Msgs)-1].Seq)
			}
			code, body := slow.do(t, "GET", "/push/"+slow.sid+"?ack=0", slow.key, "")
			if code != http.StatusGone || !strings.Contains(body, "session ended: the page fell behind") {
				t.Errorf("push of the page that fell behind: %d %s", code, body)
			}
			select {
			case c := <-f.left:
				if c != Client(f.srv.base+1) {
					t.Errorf("collected client %d, want the slow one", c)
				}
			case <-time.After(3 * time.Second):
				t.Error("the page that fell behind was not collected")
			}
			if got := fast.call(t, "post", "still here", false); got != `{"id":8,"ok":null}` {
				t.Errorf("post after the slow page ended: %s", got)
			}
			if got := fast.push(t, ack); !strings.Contains(got, "still here") {
				t.Errorf("the page that keeps up got %s", got)
			}
		})
	}
}

// The page forbids inline scripts and foreign connections; nothing is
// sniffed.
func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t, Config{PushOrigin: "http://push.example"})
	resp, err := http.Get(f.http.URL + "/test")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self';", "connect-src 'self' http://push.example;", "object-src 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	for _, path := range []string{"/test", f.srv.bundle, "/push/x?ack=0", "/nothing"} {
		resp, err := http.Get(f.http.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", path, resp.Header.Get("X-Content-Type-Options"))
		}
	}
}

// A restarted server forgets the clients of the run before: their rows go,
// their option cells become none.
func TestRestartForgetsOldClients(t *testing.T) {
	bothDBs(t, func(t *testing.T, db string) {
		if db == "sqlite" {
			db = filepath.Join(t.TempDir(), "restart.db")
		}
		f := newFixture(t, Config{DB: db})
		f.open(t).call(t, "subscribe")
		old := f.srv.base
		f.srv.Halt()
		f.http.Close()
		f.srv.Close()
		g := newFixture(t, Config{DB: db})
		if g.srv.base == old {
			t.Errorf("the new run's ids start where the old run's did (%d)", old)
		}
		var subs, watch, chans int
		g.srv.db.QueryRow(`SELECT count(*) FROM "subscribers"`).Scan(&subs)
		g.srv.db.QueryRow(`SELECT count(*), count("ch") FROM "watch"`).Scan(&watch, &chans)
		if subs != 0 || watch != 1 || chans != 0 {
			t.Errorf("after restart: %d subscriber rows (want 0), %d watch rows with %d channels (want 1 with none)", subs, watch, chans)
		}
	})
}

// tableServer starts a server of a program whose one table is t (a int,
// b string) on db ("sqlite": file, in a new folder).
func tableServer(t *testing.T, db, file string) (*Program, Config, *Server) {
	t.Helper()
	if db == "sqlite" {
		db = filepath.Join(t.TempDir(), file)
	}
	p := &Program{Name: "s", Tables: []*Table{{Name: "t", Columns: []Column{{Name: "a", Kind: KindInt}, {Name: "b", Kind: KindString}}}}}
	cfg := Config{DB: db, Log: slog.New(slog.DiscardHandler)}
	srv, err := NewServer(context.Background(), p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p, cfg, srv
}

// A table that no longer matches the program stops the server at start
// with the column named, and its data stays.
func TestSchemaMismatch(t *testing.T) {
	bothDBs(t, func(t *testing.T, db string) {
		ctx := context.Background()
		p, cfg, srv := tableServer(t, db, "schema.db")
		srv.Close()
		for _, c := range []struct {
			cols []Column
			want string
		}{
			{[]Column{{Name: "a", Kind: KindString}, {Name: "b", Kind: KindString}}, "column a holds"},
			{[]Column{{Name: "a", Kind: KindInt}}, "column b is not declared"},
			{[]Column{{Name: "a", Kind: KindInt}, {Name: "b", Kind: KindString}, {Name: "c", Kind: KindBool}}, "column c is missing"},
			{[]Column{{Name: "a", Kind: KindInt, Null: true}, {Name: "b", Kind: KindString}}, "column a is NOT NULL"},
		} {
			p.Tables[0].Columns = c.cols
			srv, err := NewServer(ctx, p, cfg)
			if err == nil {
				srv.Close()
				t.Errorf("%v: no error", c.cols)
			} else if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "table t") {
				t.Errorf("%v: %v, want %q", c.cols, err, c.want)
			}
		}
	})
}

// Collecting clients while another client keeps inserting rows: on
// PostgreSQL some collections fail to serialize and run again; every
// collected client's rows go all the same, and its on leave commits once.
func TestCollectUnderLoad(t *testing.T) {
	bothDBs(t, func(t *testing.T, db string) {
		f := newFixture(t, Config{DB: db, ClientTimeout: time.Hour})
		const n = 300
		live, _ := f.collectWhileCalling(t, n, f.srv.collect)
		var rows int
		f.srv.db.QueryRow(`SELECT count(*) FROM "subscribers"`).Scan(&rows)
		if left := f.leftRows(t); rows != live.calls || left != n {
			t.Errorf("%d subscriber rows, want the live client's %d; on leave committed %d times, want %d (%d transactions retried)",
				rows, live.calls, left, n, f.srv.retries.Load())
		}
	})
}

// A serialization failure is still recognised under the runtime's own
// wrapping, so that the transaction runs again.
func TestRetryableThroughWrapping(t *testing.T) {
	for _, code := range []string{"40001", "40P01"} {
		err := error(&dbError{err: fmt.Errorf("collect in table t: %w", &pgconn.PgError{Code: code})})
		var dbErr *dbError
		if !errors.As(err, &dbErr) || !retryable(dbErr.err) {
			t.Errorf("SQLSTATE %s under wrapping is not retried", code)
		}
	}
	if retryable(&pgconn.PgError{Code: "23505"}) {
		t.Error("a unique violation is retried")
	}
}

// A call that sends values to many channels encodes a value once when it
// is sent again; each message still carries its own value.
func TestSendEncodesEachValue(t *testing.T) {
	f := newFixture(t, Config{PollTimeout: 100 * time.Millisecond})
	a := f.open(t)
	a.call(t, "subscribe")
	id := f.srv.base + 1
	type rec struct {
		A string `json:"a"`
		N int64  `json:"n"`
	}
	_, err := f.srv.run(context.Background(), nil, func(x *Ctx) any {
		Send(x, Chan[string]{ID: id}, "a")
		Send(x, Chan[string]{ID: id}, "a")
		Send(x, Chan[string]{ID: id}, "b")
		Send(x, Chan[rec]{ID: id}, rec{"r", 1})
		Send(x, Chan[rec]{ID: id}, rec{"r", 2})
		Send(x, Chan[[]int64]{ID: id}, []int64{1})
		Send(x, Chan[[]int64]{ID: id}, []int64{1, 2})
		Send(x, Chan[float64]{ID: id}, math.NaN())
		Send(x, Chan[float64]{ID: id}, math.NaN())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var res struct{ Msgs []message }
	json.Unmarshal([]byte(a.push(t, 0)), &res)
	var got []string
	for _, m := range res.Msgs {
		got = append(got, string(m.V))
	}
	want := `"a" "a" "b" {"a":"r","n":1} {"a":"r","n":2} [1] [1,2] "NaN" "NaN"`
	if strings.Join(got, " ") != want {
		t.Errorf("sent %s, want %s", strings.Join(got, " "), want)
	}
}

// TestTableCache: on SQLite a read of a whole table is kept for the next
// call; every way the table can change shows in the next read, on both
// databases: a call's own insert, a call rolled back, another connection
// writing (another process), collection.
func TestTableCache(t *testing.T) {
	bothDBs(t, func(t *testing.T, db string) {
		driver, dsn := "pgx", db
		if db == "sqlite" {
			db = filepath.Join(t.TempDir(), "cache.db")
			driver, dsn = "sqlite", "file:"+db+"?_pragma=busy_timeout(5000)"
		}
		f := newFixture(t, Config{DB: db})
		f.manual(t)
		p := f.open(t)
		want := 0
		check := func(after string) {
			t.Helper()
			if got := p.call(t, "rows", false); !strings.HasSuffix(got, fmt.Sprintf(`"ok":%d}`, want)) {
				t.Fatalf("after %s: %s, want %d rows", after, got, want)
			}
			if c := f.srv.db.cache; c != nil {
				c.mu.Lock()
				e, ok := c.tables["subscribers"]
				c.mu.Unlock()
				if !ok || len(e.ids) != want {
					t.Fatalf("after %s: the cache holds %d rows (%v), want %d", after, len(e.ids), ok, want)
				}
			}
		}
		check("the start")
		p.call(t, "subscribe")
		want++
		check("a subscribe")
		if got := p.call(t, "rows", true); !strings.HasSuffix(got, fmt.Sprintf(`"ok":%d}`, want+1)) {
			t.Fatalf("a call's read after its own insert: %s, want %d", got, want+1)
		}
		want++
		check("an insert")
		if got := p.call(t, "post", "x", true); !strings.Contains(got, `"err"`) {
			t.Fatalf("post that fails: %s", got)
		}
		check("an insert rolled back")

		other, err := sql.Open(driver, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		insert := `INSERT INTO "subscribers" ("ch", "note", "who") VALUES (1, NULL, 1)`
		if _, err := other.Exec(insert); err != nil {
			t.Fatal(err)
		}
		want++
		check("another connection's insert")

		q := f.open(t)
		q.call(t, "subscribe")
		want++
		check("a second client's subscribe")
		f.srv.mu.Lock()
		f.srv.sessions[q.sid].lastSeen = time.Time{}
		f.srv.mu.Unlock()
		f.srv.prog.Leave = nil // its insert would empty the cache too
		f.srv.collect()
		want--
		check("the second client's collection")
	})
}

// A table made by an earlier program gets the indexes added since when
// the server starts; a unique index the rows already break stops it,
// naming the table and columns.
func TestIndexesAddedOnStart(t *testing.T) {
	bothDBs(t, func(t *testing.T, db string) {
		ctx := context.Background()
		p, cfg, srv := tableServer(t, db, "indexes.db")
		indexes := func(srv *Server) []string {
			t.Helper()
			q := `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 't' AND sql IS NOT NULL ORDER BY name`
			if srv.db.postgres {
				q = `SELECT indexname FROM pg_indexes WHERE tablename = 't' AND indexname <> 't_pkey' ORDER BY indexname`
			}
			rows, err := srv.db.QueryContext(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var names []string
			for rows.Next() {
				var n string
				rows.Scan(&n)
				names = append(names, n)
			}
			return names
		}
		if got := indexes(srv); len(got) != 0 {
			t.Errorf("indexes before: %v", got)
		}
		for _, v := range []string{"x", "x"} {
			if _, err := srv.db.Exec(`INSERT INTO "t" ("a", "b") VALUES (1, '` + v + `')`); err != nil {
				t.Fatal(err)
			}
		}
		srv.Close()

		p.Tables[0].Indexes = []TableIndex{{Kind: "index", Columns: []string{"b"}}, {Kind: "unique", Columns: []string{"a", "b"}}}
		srv, err := NewServer(ctx, p, cfg)
		if err == nil {
			srv.Close()
			t.Fatal("a unique index over rows that break it: no error")
		}
		if want := "table t: cannot add the unique on (a, b)"; !strings.Contains(err.Error(), want) {
			t.Errorf("error %q, want %q", err, want)
		}

		p.Tables[0].Indexes = []TableIndex{{Kind: "index", Columns: []string{"b"}}, {Kind: "index", Columns: []string{"a", "b"}}}
		srv, err = NewServer(ctx, p, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		if got, want := strings.Join(indexes(srv), " "), "t_index_a_b t_index_b"; got != want {
			t.Errorf("indexes after: %s, want %s", got, want)
		}
	})
}
