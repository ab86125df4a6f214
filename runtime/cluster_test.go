package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/prog-lang/prog/runtime/nginxtest"
)

// startNodes starts n nodes of the test program in cluster mode on one new
// PostgreSQL database; setup runs on each.
func startNodes(t *testing.T, n int, cfg Config, setup ...func(*Server)) []*fixture {
	t.Helper()
	cfg.DB = pgtestDB(t)
	cfg.Cluster = true
	nodes := make([]*fixture, n)
	for i := range nodes {
		nodes[i] = newFixture(t, cfg, setup...)
	}
	return nodes
}

// roundRobin is a reverse proxy that sends each request to the next node
// that is up: no two requests in a row of a page reach the same one. It is
// a fixture whose pages go through the proxy; down, when set, says which
// nodes a load balancer's health check would have taken out.
func roundRobin(t *testing.T, nodes []*fixture, down ...*atomic.Bool) *fixture {
	var next atomic.Int64
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		i := int(next.Add(1)) % len(nodes)
		for k := 0; k < len(down) && k < len(nodes) && down[i].Load(); k++ {
			i = int(next.Add(1)) % len(nodes)
		}
		u, _ := url.Parse(nodes[i].http.URL)
		r.SetURL(u)
		r.Out.Host = r.In.Host // as nginx passes $http_host
	}}
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)
	return &fixture{srv: nodes[0].srv, http: front}
}

// receive polls as page p until it has n messages, checking that their
// numbers increase; it returns their values.
func receive(t testing.TB, ctx context.Context, p *page, n int) []string {
	var got []string
	var ack int64
	for len(got) < n && ctx.Err() == nil {
		code, body := p.do(t, "GET", fmt.Sprintf("/push/%s?ack=%d", p.sid, ack), p.key, "")
		if code >= http.StatusBadGateway {
			continue // a node went away: the client polls again, with the same ack
		}
		if code != 200 {
			t.Errorf("push: %d %s", code, body)
			return got
		}
		seqs, vals, err := decodePush(body)
		if err != nil {
			t.Errorf("push answered %q: %v", body, err)
			return got
		}
		for i, seq := range seqs {
			if seq <= ack {
				t.Errorf("page %s: message %d after %d", p.sid[:6], seq, ack)
				return got
			}
			ack = seq
			got = append(got, vals[i])
		}
	}
	return got
}

// TestClusterRoundRobin: three nodes behind a round-robin proxy, every
// request of a page on another node than the one before. Three pages send
// at once; every page gets every message exactly once, numbered in order,
// each sender's in the order sent; when the pages close, on leave runs once

// listen opens pages through front, each subscribed, and has each
// receive n messages; stop ends the receiving early, and done waits for
// it and returns what each page got.
func listen(t *testing.T, front *fixture, pages, n int) (ps []*page, stop context.CancelFunc, done func() [][]string) {
	t.Helper()
	for range pages {
		p := front.open(t)
		if got := p.call(t, "subscribe"); !strings.Contains(got, `"ok":{"ch":`) {
			t.Fatalf("subscribe answered %s", got)
		}
		ps = append(ps, p)
	}
	ctx, cancel := context.WithCancel(context.Background())
	got := make([][]string, pages)
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Go(func() { got[i] = receive(t, ctx, p, n) })
	}
	return ps, cancel, func() [][]string {
		wg.Wait()
		return got
	}
}

// stream opens pages through front, each subscribed, and has the first
// say each messages "0-0" … in turn, repeating a call the proxy could not
// deliver (502 and up) with its id, as the client does; before message j
// it calls during(j). Every page must get every message once, in order.
func stream(t *testing.T, front *fixture, pages, each int, during func(j int)) {
	t.Helper()
	ps, stop, done := listen(t, front, pages, each)
	defer stop()
	sender := ps[0]
	for j := range each {
		during(j)
		sender.calls++
		for {
			code, body := sender.do(t, "POST", "/pull/"+sender.sid, sender.key, fmt.Sprintf(`{"id":%d,"fn":"say","args":["0-%d"]}`, sender.calls, j))
			if code >= http.StatusBadGateway {
				continue // the client repeats the call, with its id
			}
			if code != 200 || !strings.Contains(body, `"ok"`) {
				t.Fatalf("say: %d %s", code, body)
			}
			break
		}
	}
	for k, msgs := range done() {
		if len(msgs) != each {
			t.Fatalf("page %d got %d messages, want %d: %v", k, len(msgs), each, msgs)
		}
		for j, m := range msgs {
			if m != fmt.Sprintf("0-%d", j) {
				t.Fatalf("page %d got %v, want 0-0 … 0-%d in order", k, msgs, each-1)
			}
		}
	}
}

// killNode stops node dead as a killed process would stop: its requests
// cut, its tasks and listening gone, nothing written; its lease is made
// to have run out (through alive), as it would after 10 s.
func killNode(t *testing.T, dead, alive *fixture) {
	t.Helper()
	dead.srv.Halt()
	dead.srv.cluster.cancel()
	dead.srv.cluster.wg.Wait()
	dead.http.Listener.Close()
	dead.http.CloseClientConnections()
	if _, err := alive.srv.db.Exec(`UPDATE "_prog_nodes" SET "lease" = now() - interval '1 second' WHERE "id" = $1`, dead.srv.cluster.node); err != nil {
		t.Fatal(err)
	}
}

// for each client, in the whole cluster.
func TestClusterRoundRobin(t *testing.T) {
	collected := make(chan Client, 100)
	nodes := startNodes(t, 3, Config{}, func(s *Server) {
		s.hooks.collected = func(c Client) { collected <- c }
	})
	front := roundRobin(t, nodes)
	const pages, senders, each = 6, 3, 15
	ps, cancel, done := listen(t, front, pages, senders*each)
	defer cancel()
	var sent sync.WaitGroup
	for i := range senders {
		sent.Go(func() {
			for j := range each {
				p := ps[i]
				p.calls++
				code, body := p.do(t, "POST", "/pull/"+p.sid, p.key, fmt.Sprintf(`{"id":%d,"fn":"say","args":["%d-%d"]}`, p.calls, i, j))
				if code != 200 || !strings.Contains(body, `"ok"`) {
					t.Errorf("say: %d %s", code, body)
					cancel()
					return
				}
			}
		})
	}
	sent.Wait()
	got := done()
	t.Logf("transactions run again: %d, %d, %d", nodes[0].srv.retries.Load(), nodes[1].srv.retries.Load(), nodes[2].srv.retries.Load())
	for k, msgs := range got {
		if len(msgs) != senders*each {
			t.Fatalf("page %d got %d messages, want %d: %v", k, len(msgs), senders*each, msgs)
		}
		seen := map[string]bool{}
		last := map[int]int{}
		for _, m := range msgs {
			var i, j int
			fmt.Sscanf(m, "%d-%d", &i, &j)
			if seen[m] {
				t.Errorf("page %d got %s twice", k, m)
			}
			seen[m] = true
			if prev, ok := last[i]; ok && j != prev+1 || !ok && j != 0 {
				t.Errorf("page %d got %s after %d-%d", k, m, i, prev)
			}
			last[i] = j
		}
	}

	for _, p := range ps {
		if code, body := p.do(t, "POST", "/leave/"+p.sid, "", fmt.Sprintf(`{"key":%q}`, p.key)); code != http.StatusNoContent {
			t.Fatalf("leave: %d %s", code, body)
		}
	}
	for range pages {
		<-collected
	}
	// Every node collects once more: none finds anything left.
	for _, n := range nodes {
		n.srv.clusterCollect()
	}
	var rows, clients int
	if err := nodes[0].srv.db.QueryRow(`SELECT count(*), count(DISTINCT "who") FROM "left"`).Scan(&rows, &clients); err != nil {
		t.Fatal(err)
	}
	if rows != pages || clients != pages {
		t.Errorf("on leave ran %d times for %d clients, want once for each of %d", rows, clients, pages)
	}
	trimLog(t, nodes[0])
	var left int
	if err := nodes[0].srv.db.QueryRow(`SELECT (SELECT count(*) FROM "_prog_sessions") + (SELECT count(*) FROM "_prog_log") +
		(SELECT count(*) FROM "_prog_chans") + (SELECT count(*) FROM "subscribers")`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d rows of collected clients are left", left)
	}
	if code, body := ps[0].do(t, "GET", "/push/"+ps[0].sid+"?ack=0", ps[0].key, ""); code != http.StatusGone {
		t.Errorf("a push of a collected page answered %d %s, want 410", code, body)
	}
}

// TestClusterCollectOnce: pages that went away long ago are collected by
// three nodes at once; on leave runs once for each.
func TestClusterCollectOnce(t *testing.T) {
	nodes := startNodes(t, 3, Config{})
	for _, n := range nodes {
		n.manual(t)
	}
	const pages = 30
	for i := range pages {
		nodes[i%3].open(t).call(t, "subscribe")
	}
	if _, err := nodes[0].srv.db.Exec(`UPDATE "_prog_polls" SET "last_poll" = now() - interval '1 hour'`); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Go(n.srv.clusterCollect)
	}
	wg.Wait()
	var rows, clients, sessions int
	if err := nodes[0].srv.db.QueryRow(`SELECT count(*), count(DISTINCT "who"), (SELECT count(*) FROM "_prog_sessions") FROM "left"`).Scan(&rows, &clients, &sessions); err != nil {
		t.Fatal(err)
	}
	if rows != pages || clients != pages || sessions != 0 {
		t.Errorf("on leave ran %d times for %d clients, %d sessions left; want once for each of %d, none left", rows, clients, sessions, pages)
	}
}

// TestClusterRepeatedCall: a call id repeated on another node answers the
// stored answer, without running again.
func TestClusterRepeatedCall(t *testing.T) {
	nodes := startNodes(t, 2, Config{})
	p := nodes[0].open(t)
	first := p.call(t, "count")
	q := &page{f: nodes[1], sid: p.sid, key: p.key}
	code, again := q.do(t, "POST", "/pull/"+p.sid, p.key, `{"id":1,"fn":"count","args":[]}`)
	if code != 200 || again != first || first != `{"id":1,"ok":1}` {
		t.Errorf("call 1 answered %s, then on another node %d %s", first, code, again)
	}
	if a, b := nodes[0].runs.Load(), nodes[1].runs.Load(); a != 1 || b != 0 {
		t.Errorf("count ran %d and %d times on the nodes, want 1 and 0", a, b)
	}
	if code, body := q.do(t, "POST", "/pull/"+p.sid, "wrong", `{"id":2,"fn":"count","args":[]}`); code != http.StatusForbidden {
		t.Errorf("a wrong key answered %d %s", code, body)
	}
}

// TestClusterRepeatPastKept: a node runs the next call of a page it ran
// one of a moment ago without reading the session (clusterCaller). When
// the page's calls went on elsewhere meanwhile, past the answers kept, and
// the id is a repeat whose answer is gone, the node finds so when the call
// writes its answer: it answers 409 and keeps nothing of the run. A wrong
// key is refused all the same.
func TestClusterRepeatPastKept(t *testing.T) {
	f := startNodes(t, 1, Config{})[0]
	p := f.open(t)
	// Two calls, then the rest within a fraction of checkEvery.
	p.call(t, "count")
	p.call(t, "count")
	runs := f.runs.Load()
	// As if calls 3 to 80 ran on another node, whose 80th deleted the
	// answers up to 16.
	if _, err := f.srv.db.Exec(`UPDATE "_prog_sessions" SET "last_call" = 80 WHERE "id" = $1`, p.sid); err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.db.Exec(`DELETE FROM "_prog_calls" WHERE "session" = $1`, p.sid); err != nil {
		t.Fatal(err)
	}
	if code, body := p.do(t, "POST", "/pull/"+p.sid, "wrong", `{"id":3,"fn":"count","args":[]}`); code != http.StatusForbidden {
		t.Errorf("a wrong key answered %d %s", code, body)
	}
	code, body := p.do(t, "POST", "/pull/"+p.sid, p.key, `{"id":3,"fn":"count","args":[]}`)
	if code != http.StatusConflict || !strings.Contains(body, "too old") {
		t.Errorf("the repeat of call 3 answered %d %s, want 409", code, body)
	}
	var n int
	if err := f.srv.db.QueryRow(`SELECT count(*) FROM "_prog_calls" WHERE "session" = $1`, p.sid).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d answers stored (%v), want none: the run is rolled back", n, err)
	}
	if got := f.runs.Load() - runs; got != 1 {
		t.Errorf("count ran %d times, want once (then rolled back)", got)
	}
}

// TestClusterCallsInTurn: calls of one session on two nodes run one at a
// time, in id order: call 2 waits for call 1, and a call that holds the
// session's turn keeps another node's call out until it commits.
func TestClusterCallsInTurn(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	var holdDone, markEarly atomic.Bool
	var order []string
	var mu sync.Mutex
	waits := make(chan struct{}, 1)
	nodes := startNodes(t, 2, Config{}, func(s *Server) {
		s.hooks.callWaits = func(int64) { notify(waits)() }
		s.prog.Remote["hold"] = func([]json.RawMessage) (func(*Ctx) any, error) {
			return func(*Ctx) any {
				notify(started)()
				<-release
				holdDone.Store(true)
				mu.Lock()
				order = append(order, "hold")
				mu.Unlock()
				return Unit{}
			}, nil
		}
		s.prog.Remote["mark"] = func([]json.RawMessage) (func(*Ctx) any, error) {
			return func(*Ctx) any {
				if !holdDone.Load() {
					markEarly.Store(true)
				}
				mu.Lock()
				order = append(order, "mark")
				mu.Unlock()
				return Unit{}
			}, nil
		}
	})
	a := nodes[0].open(t)
	b := &page{f: nodes[1], sid: a.sid, key: a.key}
	call := func(p *page, id int, fn string) chan string {
		c := make(chan string, 1)
		go func() {
			_, body := p.do(t, "POST", "/pull/"+p.sid, p.key, fmt.Sprintf(`{"id":%d,"fn":%q,"args":[]}`, id, fn))
			c <- body
		}()
		return c
	}
	// Call 2 reaches node b first, and waits for call 1.
	two := call(b, 2, "mark")
	<-waits
	one := call(a, 1, "hold")
	<-started
	close(release)
	if got := <-one; got != `{"id":1,"ok":null}` {
		t.Errorf("call 1 answered %s", got)
	}
	if got := <-two; got != `{"id":2,"ok":null}` {
		t.Errorf("call 2 answered %s", got)
	}
	if markEarly.Load() || order[0] != "hold" {
		t.Errorf("call 2 ran before call 1 was done: %v", order)
	}

	// Call 3 holds the turn on node a; call 4 on node b, told not to wait
	// for smaller ids, waits for the session's lock.
	started, release = make(chan struct{}), make(chan struct{})
	holdDone.Store(false)
	nodes[1].srv.gapWait = 0
	three := call(a, 3, "hold")
	<-started
	four := call(b, 4, "mark")
	for waiting := 0; waiting == 0; {
		if err := nodes[0].srv.db.QueryRow(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
	}
	close(release)
	<-three
	<-four
	if markEarly.Load() {
		t.Errorf("call 4 ran while call 3 held the turn: %v", order)
	}
}

// TestClusterFlags: --cluster needs PostgreSQL; a server without it and a
// node of a cluster keep each other out of a database.
func TestClusterFlags(t *testing.T) {
	f := newFixture(t, Config{})
	_, err := NewServer(context.Background(), f.srv.prog, Config{DB: "x.db", Cluster: true})
	if err == nil || !strings.Contains(err.Error(), "--cluster needs a PostgreSQL --db") {
		t.Errorf("--cluster on SQLite: %v", err)
	}
	nodes := startNodes(t, 1, Config{})
	db := nodes[0].srv.cfg.DB
	if _, err := NewServer(context.Background(), f.srv.prog, Config{DB: db, Log: nodes[0].srv.log}); err == nil || !strings.Contains(err.Error(), "start every server with --cluster") {
		t.Errorf("a server without --cluster beside a node: %v", err)
	}
	single := newFixture(t, Config{DB: pgtestDB(t)})
	if _, err := NewServer(context.Background(), f.srv.prog, Config{DB: single.srv.cfg.DB, Cluster: true, Log: nodes[0].srv.log}); err == nil || !strings.Contains(err.Error(), "a server without --cluster is running") {
		t.Errorf("a node beside a server without --cluster: %v", err)
	}
}

// BenchmarkFanOut100 measures deliveries: one page says a message at a
// time to 100 pages that each poll, all over HTTP on loopback, on
// PostgreSQL in one process (single), on one node in cluster mode
// (cluster), and on two nodes, the pages polling one and the sender
// calling the other (cross: each message reaches the pages by pg_notify).
// deliveries/s is messages received per second, over all pages.
func BenchmarkFanOut100(b *testing.B) {
	for _, mode := range []string{"single", "cluster", "cross"} {
		b.Run(mode, func(b *testing.B) {
			cfg := Config{DB: pgtestDB(b), Cluster: mode != "single", SessionRate: -1}
			f := newFixture(b, cfg)
			g := f // the sender's node
			if mode == "cross" {
				g = newFixture(b, cfg)
			}
			const pages = 100
			ps := make([]*page, pages)
			for i := range ps {
				ps[i] = f.open(b)
				ps[i].call(b, "subscribe")
			}
			sender := g.open(b)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var wg sync.WaitGroup
			b.ResetTimer()
			for _, p := range ps {
				wg.Go(func() {
					if got := receive(b, ctx, p, b.N); len(got) != b.N {
						b.Errorf("a page got %d messages, want %d", len(got), b.N)
					}
				})
			}
			for i := range b.N {
				if got := sender.call(b, "say", fmt.Sprint(i)); !strings.Contains(got, `"ok"`) {
					b.Fatal(got)
				}
			}
			wg.Wait()
			b.ReportMetric(float64(b.N*pages)/b.Elapsed().Seconds(), "deliveries/s")
			b.ReportMetric(float64(f.srv.retries.Load()+g.srv.retries.Load())/float64(b.N), "retries/op")
		})
	}
}

// TestClusterNodeDies: of three nodes behind a round-robin proxy, one
// stops dead while a page sends (its connections cut, its lease run out,
// nothing of it written down); the pages lose no message and get none
// twice, and the sender's call that the dying node was running is
// answered by another.
func TestClusterNodeDies(t *testing.T) {
	nodes := startNodes(t, 3, Config{})
	down := []*atomic.Bool{{}, {}, {}}
	front := roundRobin(t, nodes, down...)
	const each = 30
	stream(t, front, 5, each, func(j int) {
		if j == each/3 {
			down[1].Store(true)
			killNode(t, nodes[1], nodes[0])
		}
	})
}

// TestClusterTaskOnce: of the nodes whose timer for a task fires at once,
// one runs it.
func TestClusterTaskOnce(t *testing.T) {
	nodes := startNodes(t, 3, Config{})
	task := Every{Pos: "t.prog:1:1", Period: time.Hour}
	for round := range 2 {
		var wg sync.WaitGroup
		var runs atomic.Int64
		for _, n := range nodes {
			wg.Go(func() {
				if n.srv.cluster.taskTurn(context.Background(), task) {
					runs.Add(1)
				}
			})
		}
		wg.Wait()
		if want := int64(1 - round); runs.Load() != want {
			t.Errorf("round %d: %d nodes ran the task, want %d", round, runs.Load(), want)
		}
	}
}

// TestClusterRollingRestart: each of three nodes behind a round-robin
// proxy in turn is taken out of the proxy, stopped as a signal stops it
// (its held push requests answer), and replaced by a new one on the same
// database, while a page sends; no page ends, none loses a message or
// gets one twice.
func TestClusterRollingRestart(t *testing.T) {
	cfg := Config{DB: pgtestDB(t), Cluster: true}
	var mu sync.Mutex
	nodes := []*fixture{newFixture(t, cfg), newFixture(t, cfg), newFixture(t, cfg)}
	down := []*atomic.Bool{{}, {}, {}}
	var next atomic.Int64
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		mu.Lock()
		defer mu.Unlock()
		i := int(next.Add(1)) % len(nodes)
		for down[i].Load() {
			i = int(next.Add(1)) % len(nodes)
		}
		u, _ := url.Parse(nodes[i].http.URL)
		r.SetURL(u)
	}}
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)
	pages := &fixture{srv: nodes[0].srv, http: front}
	stream(t, pages, 4, 30, func(j int) {
		k := j / 10
		if j%10 != 5 || k >= len(nodes) {
			return
		}
		down[k].Store(true)
		mu.Lock()
		old := nodes[k]
		mu.Unlock()
		shutdown, stop := context.WithTimeout(context.Background(), 10*time.Second)
		old.srv.Halt()
		old.http.Config.Shutdown(shutdown)
		stop()
		old.http.Close()
		old.srv.Close()
		fresh := newFixture(t, cfg)
		mu.Lock()
		nodes[k] = fresh
		mu.Unlock()
		down[k].Store(false)
	})
}

// TestClusterVersionSkew: a page served by a node of one build meets a
// node of another during a deploy: its push requests and calls are
// answered 409 with reload (the page reloads itself), whether or not they
// name their build (the session's row says which build served it), and
// its bundle, asked of the other node, is a script that reloads the page.
func TestClusterVersionSkew(t *testing.T) {
	cfg := Config{DB: pgtestDB(t), Cluster: true}
	a := newFixture(t, cfg)
	b := newFixture(t, cfg, func(s *Server) {
		s.prog.Bundle = []byte("console.log(2)")
		s.build = "0123456789ab"
		s.bundle = "/test." + s.build + ".js"
	})
	p := a.open(t)
	get := func(f *fixture, method, path, body, build string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, f.http.URL+path, strings.NewReader(body))
		req.Header.Set("Prog-Key", p.key)
		if build != "" {
			req.Header.Set(buildHeader, build)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	for _, build := range []string{"", a.srv.build} {
		for _, r := range []*http.Response{
			get(b, "GET", "/push/"+p.sid+"?ack=0", "", build),
			get(b, "POST", "/pull/"+p.sid, `{"id":1,"fn":"count","args":[]}`, build),
		} {
			body, _ := io.ReadAll(r.Body)
			if r.StatusCode != http.StatusConflict || string(body) != otherBuildAnswer {
				t.Errorf("%s %s on the other build (header %q): %d %s; want 409 %s", r.Request.Method, r.Request.URL.Path, build, r.StatusCode, body, otherBuildAnswer)
			}
		}
	}
	if n := b.runs.Load(); n != 0 {
		t.Errorf("the other build ran the call %d times", n)
	}
	r := get(b, "GET", a.srv.bundle, "", "")
	js, _ := io.ReadAll(r.Body)
	if r.StatusCode != 200 || string(js) != otherBuildScript || r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("the other build's bundle: %d %q (Cache-Control %q), want a script that reloads, not kept", r.StatusCode, js, r.Header.Get("Cache-Control"))
	}
	for _, path := range []string{"/test.zz.js", "/best.0123456789ab.js", "/test.aaaaaaaaaaaa.js.map"} {
		if r := get(b, "GET", path, "", ""); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, r.StatusCode)
		}
	}
	if got := p.call(t, "count"); got != `{"id":1,"ok":1}` {
		t.Errorf("the page's own build answered %s", got)
	}
}

// TestClusterNginx: nginx, configured as docs/SCALING.md shows
// (nginxtest.Site), round-robin in front of two nodes: every
// page gets every message once, in order, and goes on when one node stops
// dead halfway.
func TestClusterNginx(t *testing.T) {
	nodes := startNodes(t, 2, Config{})
	var served [2]atomic.Int64 // requests each node answered
	for i, n := range nodes {
		h := n.http.Config.Handler
		n.http.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			served[i].Add(1)
			h.ServeHTTP(w, r)
		})
	}
	proxy := nginxtest.Start(t, strings.TrimPrefix(nodes[0].http.URL, "http://"), strings.TrimPrefix(nodes[1].http.URL, "http://"))
	front := &fixture{srv: nodes[0].srv, http: &httptest.Server{URL: proxy.URL}}
	const each = 20
	stream(t, front, 3, each, func(j int) {
		if j != each/2 {
			return
		}
		if a, b := served[0].Load(), served[1].Load(); a == 0 || b == 0 {
			t.Errorf("the nodes answered %d and %d requests: nginx did not share them", a, b)
		}
		killNode(t, nodes[1], nodes[0])
	})
}

// BenchmarkNotify measures the notifications PostgreSQL carries from one
// connection to a listening one, each naming 100 sessions (as the
// notifier of a node sends them, outside any transaction): a node sends
// one every 5 ms at most, 200 a second.
func BenchmarkNotify(b *testing.B) {
	url := pgtestDB(b)
	listener, err := pgx.Connect(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	defer closeConn(listener)
	if _, err := listener.Exec(context.Background(), "LISTEN prog_bench"); err != nil {
		b.Fatal(err)
	}
	sender, err := pgx.Connect(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	defer closeConn(sender)
	ids := make([]string, 100)
	for i := range ids {
		ids[i] = randomHex(16)
	}
	payload := strings.Join(ids, ",")
	got := make(chan error, 1)
	b.ResetTimer()
	go func() {
		for range b.N {
			if _, err := listener.WaitForNotification(context.Background()); err != nil {
				got <- err
				return
			}
		}
		got <- nil
	}()
	for range b.N {
		if _, err := sender.Exec(context.Background(), "SELECT pg_notify('prog_bench', $1)", payload); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-got; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "notifications/s")
}

// TestClusterStartTogether: nodes started at the same moment on a new
// database all start (making tables at once may collide in PostgreSQL's
// catalog).
func TestClusterStartTogether(t *testing.T) {
	p := newFixture(t, Config{}).srv.prog
	db := pgtestDB(t)
	srvs := make([]*Server, 4)
	errs := make([]error, len(srvs))
	var wg sync.WaitGroup
	for i := range srvs {
		wg.Go(func() {
			srvs[i], errs[i] = NewServer(context.Background(), p, Config{DB: db, Cluster: true, Log: slog.New(slog.DiscardHandler)})
		})
	}
	wg.Wait()
	for i, s := range srvs {
		if errs[i] != nil {
			t.Errorf("node %d: %v", i, errs[i])
		} else {
			s.Close()
		}
	}
}

// shareChans adds two remote functions to the test program: share makes a
// channel and sends it to every subscriber, inside the message, and
// returns it; chans returns the subscribers' rows, channels included.
func shareChans(s *Server) {
	s.prog.Remote["share"] = func(args []json.RawMessage) (func(*Ctx) any, error) {
		return func(x *Ctx) any {
			c := NewChan[string](x)
			for _, sub := range All(x, scanSubscribers) {
				Send(x, Chan[Chan[string]]{ID: sub.Ch.ID}, c)
			}
			return c
		}, nil
	}
	s.prog.Remote["chans"] = func(args []json.RawMessage) (func(*Ctx) any, error) {
		return func(x *Ctx) any { return All(x, scanSubscribers) }, nil
	}
}

// TestChanOwnerInMessage: a channel made in a call and sent inside a
// message in that call reaches the page with its owner, the caller; a
// channel made in an earlier call, by a page of another node, is
// encoded with its owner too. On SQLite, PostgreSQL and two cluster
// nodes behind a round-robin proxy.
func TestChanOwnerInMessage(t *testing.T) {
	type wireChan struct{ Ch, Owner int64 }
	for _, mode := range []string{"sqlite", "postgres", "cluster"} {
		t.Run(mode, func(t *testing.T) {
			var f *fixture
			switch mode {
			case "sqlite":
				f = newFixture(t, Config{}, shareChans)
			case "postgres":
				f = newFixture(t, Config{DB: pgtestDB(t)}, shareChans)
			default:
				f = roundRobin(t, startNodes(t, 2, Config{}, shareChans))
			}
			a, b := f.open(t), f.open(t)
			var sub struct{ Ok wireChan }
			if err := json.Unmarshal([]byte(a.call(t, "subscribe")), &sub); err != nil || sub.Ok.Owner == 0 {
				t.Fatalf("subscribe: %+v, %v", sub, err)
			}
			var made struct{ Ok wireChan }
			if err := json.Unmarshal([]byte(b.call(t, "share")), &made); err != nil || made.Ok.Owner == 0 || made.Ok.Owner == sub.Ok.Owner {
				t.Fatalf("share answered %+v, %v; want a channel of b", made, err)
			}
			var push struct{ Msgs []struct{ V wireChan } }
			if err := json.Unmarshal([]byte(a.push(t, 0)), &push); err != nil || len(push.Msgs) != 1 {
				t.Fatalf("push: %+v, %v", push, err)
			}
			if got := push.Msgs[0].V; got != made.Ok {
				t.Errorf("the channel sent in the call that made it reached the page as %+v, want %+v", got, made.Ok)
			}
			for range 2 { // the second from a node's cache, in cluster mode
				var rows struct {
					Ok []struct{ Ch wireChan }
				}
				if err := json.Unmarshal([]byte(b.call(t, "chans")), &rows); err != nil || len(rows.Ok) != 1 {
					t.Fatalf("chans: %+v, %v", rows, err)
				}
				if got := rows.Ok[0].Ch; got != sub.Ok {
					t.Errorf("a's channel, read by b, is %+v, want %+v", got, sub.Ok)
				}
			}
		})
	}
}

// TestClusterPushOrigin: with --push-origin, each session's push requests
// may be read from the origin its page was served under, whichever node
// served the page and whichever answers the push (two nodes behind a
// round-robin proxy, which sends each request to the other).
func TestClusterPushOrigin(t *testing.T) {
	nodes := startNodes(t, 2, Config{PushOrigin: "http://push.example", PollTimeout: 50 * time.Millisecond,
		AllowHosts: []string{"127.0.0.1", "page.example"}})
	checkPushOrigin(t, roundRobin(t, nodes))
}

// TestClusterCallsApart: two calls of two pages that share no rows run
// at the same time, each inside the other's transaction, and both commit
// without running again: the runtime's own reads and writes of their
// sessions' rows (a stored answer looked up, answers written, old ones
// deleted) do not make them fail to serialize with each other.
func TestClusterCallsApart(t *testing.T) {
	type meeting struct {
		arrived atomic.Int64
		both    chan struct{}
	}
	var round atomic.Pointer[meeting]
	nodes := startNodes(t, 1, Config{}, func(s *Server) {
		s.gapWait = 0 // the test's first ids skip the ones before
		s.prog.Remote["meet"] = func([]json.RawMessage) (func(*Ctx) any, error) {
			return func(x *Ctx) any {
				x.Exec(`INSERT INTO "counter" ("n") VALUES (?)`, int64(1))
				m := round.Load()
				if m.arrived.Add(1) == 2 {
					close(m.both)
				}
				<-m.both // the other call's transaction is open too
				return Unit{}
			}, nil
		}
	})
	f := nodes[0]
	// Then past the answers kept: id 80, a multiple of deleteCallsEvery,
	// deletes the old ones.
	for _, first := range []int{0, maxCallsKept + deleteCallsEvery - 1} {
		a, b := f.open(t), f.open(t)
		a.calls, b.calls = first, first
		round.Store(&meeting{both: make(chan struct{})})
		before := f.srv.retries.Load()
		var wg sync.WaitGroup
		for _, p := range []*page{a, b} {
			p.calls++
			wg.Go(func() {
				code, body := p.do(t, "POST", "/pull/"+p.sid, p.key, fmt.Sprintf(`{"id":%d,"fn":"meet","args":[]}`, p.calls))
				if code != 200 || !strings.Contains(body, `"ok":null`) {
					t.Errorf("meet answered %d %s", code, body)
				}
			})
		}
		wg.Wait()
		if n := f.srv.retries.Load() - before; n != 0 {
			t.Errorf("calls %d: %d of the two ran again", first+1, n)
		}
	}
}

// TestClusterRepeatWhileRunning: a call repeated on another node while
// its first run holds the session's turn waits for it, runs, finds the
// first run's answer when it writes its own, and answers that; its
// effects are dropped, so the page gets the call's message once.
func TestClusterRepeatWhileRunning(t *testing.T) {
	release, repeated := make(chan struct{}), make(chan int64, 2)
	running := make(chan struct{}, 2)
	var runs atomic.Int64
	nodes := startNodes(t, 2, Config{}, func(s *Server) {
		s.hooks.callRepeated = func(id int64) { repeated <- id }
		s.prog.Remote["hold"] = func([]json.RawMessage) (func(*Ctx) any, error) {
			return func(x *Ctx) any {
				running <- struct{}{}
				<-release
				for _, s := range All(x, scanSubscribers) {
					Send(x, s.Ch, "held")
				}
				return runs.Add(1)
			}, nil
		}
	})
	a := nodes[0].open(t)
	a.call(t, "subscribe")
	b := &page{f: nodes[1], sid: a.sid, key: a.key}
	const body = `{"id":2,"fn":"hold","args":[]}`
	answers := make(chan string, 2)
	for _, p := range []*page{a, b} {
		go func() {
			_, got := p.do(t, "POST", "/pull/"+p.sid, p.key, body)
			answers <- got
		}()
		if p == a {
			<-running
		}
	}
	// The repeat waits for the session's turn, which the first run holds.
	for waiting := 0; waiting == 0; {
		if err := nodes[0].srv.db.QueryRow(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
	}
	close(release)
	for range 2 {
		if got := <-answers; got != `{"id":2,"ok":1}` {
			t.Errorf("call 2 answered %s, want the first run's answer", got)
		}
	}
	if id := <-repeated; id != 2 {
		t.Errorf("call %d repeated, want 2", id)
	}
	if got := a.push(t, 0); strings.Count(got, `"held"`) != 1 {
		t.Errorf("push: %s, want the call's one message", got)
	}
}

// TestClusterSendsApart: two calls of two pages send to the same pages
// at once, each while the other's transaction is open, and both commit
// without running again: a send only inserts its messages, and the push
// requests number them. Every page gets each call's three messages once,
// in the order the call sent them.
func TestClusterSendsApart(t *testing.T) {
	type meeting struct {
		arrived atomic.Int64
		both    chan struct{}
	}
	m := &meeting{both: make(chan struct{})}
	nodes := startNodes(t, 2, Config{}, func(s *Server) {
		s.gapWait = 0
		s.prog.Remote["fan"] = func(args []json.RawMessage) (func(*Ctx) any, error) {
			var text string
			if err := Args(args, &text); err != nil {
				return nil, err
			}
			return func(x *Ctx) any {
				for k := range 3 {
					for _, s := range All(x, scanSubscribers) {
						Send(x, s.Ch, fmt.Sprint(text, "/", k))
					}
				}
				if m.arrived.Add(1) == 2 {
					close(m.both)
				}
				<-m.both // the other call's transaction is open too
				return Unit{}
			}, nil
		}
	})
	var pages []*page
	for i := range 4 {
		p := nodes[i%2].open(t)
		p.call(t, "subscribe")
		pages = append(pages, p)
	}
	before := nodes[0].srv.retries.Load() + nodes[1].srv.retries.Load()
	var wg sync.WaitGroup
	for i, p := range pages[:2] {
		wg.Go(func() {
			if got := p.call(t, "fan", fmt.Sprint("from ", i)); !strings.Contains(got, `"ok":null`) {
				t.Errorf("fan answered %s", got)
			}
		})
	}
	wg.Wait()
	if n := nodes[0].srv.retries.Load() + nodes[1].srv.retries.Load() - before; n != 0 {
		t.Errorf("%d of the two calls ran again", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, p := range pages {
		got := receive(t, ctx, p, 6)
		var order []string
		for _, from := range []string{"from 0/", "from 1/"} {
			for _, v := range got {
				if strings.HasPrefix(v, from) {
					order = append(order, v)
				}
			}
		}
		if want := []string{"from 0/0", "from 0/1", "from 0/2", "from 1/0", "from 1/1", "from 1/2"}; fmt.Sprint(order) != fmt.Sprint(want) || len(got) != 6 {
			t.Errorf("page %s got %q, want each call's three messages once, in order", p.sid[:6], got)
		}
	}
}

// trimLog has every node write down what its push requests did, as each
// does every collection period, then deletes on the first the rows of the
// log that no session needs, as each node does every rereadEvery.
func trimLog(t *testing.T, nodes ...*fixture) {
	t.Helper()
	ctx := context.Background()
	for _, f := range nodes {
		if err := f.srv.cluster.flush(ctx, false); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := pgx.Connect(ctx, nodes[0].srv.cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := nodes[0].srv.cluster.log.trim(ctx, conn); err != nil {
		t.Fatal(err)
	}
}

// decodePush reads the numbers and values of a push answer's messages
// (the test program's are strings).
func decodePush(body string) (seqs []int64, vals []string, err error) {
	var answer struct {
		Msgs []struct {
			Seq int64
			V   string
		}
	}
	if err := json.Unmarshal([]byte(body), &answer); err != nil {
		return nil, nil, err
	}
	for _, m := range answer.Msgs {
		seqs, vals = append(seqs, m.Seq), append(vals, m.V)
	}
	return seqs, vals, nil
}

// pushed is a push answer's messages.
func pushed(t *testing.T, body string) (seqs []int64, vals []string) {
	t.Helper()
	seqs, vals, err := decodePush(body)
	if err != nil {
		t.Fatalf("push answered %q: %v", body, err)
	}
	return seqs, vals
}

// pushUntil repeats p's push request with ack until it answers with
// messages (a send's messages reach the nodes' memory after its call
// answers), for 10 s at most.
func pushUntil(t *testing.T, p *page, ack int64) (seqs []int64, vals []string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); len(seqs) == 0 && time.Now().Before(deadline); {
		seqs, vals = pushed(t, p.push(t, int(ack)))
	}
	return seqs, vals
}

// TestClusterLateCommit: a message inserted before another but committed
// after it gets its place in the log when it commits, after the one a
// page already acknowledged, and is delivered once.
func TestClusterLateCommit(t *testing.T) {
	written, release := make(chan struct{}), make(chan struct{})
	var holdSID atomic.Value
	holdSID.Store("")
	nodes := startNodes(t, 1, Config{PollTimeout: 50 * time.Millisecond}, func(s *Server) {
		s.hooks.sendsWritten = func(sid string) {
			if sid == holdSID.Load().(string) {
				close(written)
				<-release
			}
		}
	})
	f := nodes[0]
	r, early, late := f.open(t), f.open(t), f.open(t)
	r.call(t, "subscribe")
	holdSID.Store(early.sid)
	done := make(chan string)
	go func() {
		code, body := early.do(t, "POST", "/pull/"+early.sid, early.key, `{"id":1,"fn":"say","args":["early"]}`)
		done <- fmt.Sprint(code, " ", body)
	}()
	<-written // early's message is inserted, not committed
	late.call(t, "say", "late")
	seqs, vals := pushUntil(t, r, 0)
	if fmt.Sprint(vals) != "[late]" {
		t.Fatalf("first push: %q, want only late", vals)
	}
	close(release)
	if got := <-done; !strings.Contains(got, `"ok":null`) {
		t.Fatalf("early's call: %s", got)
	}
	ack := seqs[0]
	seqs, vals = pushUntil(t, r, ack)
	if fmt.Sprint(vals) != "[early]" || seqs[0] <= ack {
		t.Fatalf("second push: %q numbered %v, want only early, numbered past %d", vals, seqs, ack)
	}
	if _, vals := pushed(t, r.push(t, int(seqs[0]))); len(vals) != 0 {
		t.Errorf("third push: %q, want nothing", vals)
	}
	// Every page has polled since: no session needs a row of the log.
	early.push(t, 0)
	late.push(t, 0)
	trimLog(t, f)
	var n int
	if err := f.srv.db.QueryRow(`SELECT count(*) FROM "_prog_log"`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d rows of the log left (%v), want none", n, err)
	}
}

// TestClusterCallOfGoneSession: a call whose page goes away while it runs
// (here: its beacon marks the session gone) keeps nothing: its write,
// which goes with its COMMIT, refuses it, and the page is told; so is a
// call the node ran without reading the session first.
func TestClusterCallOfGoneSession(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	nodes := startNodes(t, 1, Config{}, func(s *Server) {
		s.prog.Remote["insertHold"] = func([]json.RawMessage) (func(*Ctx) any, error) {
			return func(x *Ctx) any {
				x.Exec(`INSERT INTO "counter" ("n") VALUES (?)`, int64(1))
				notify(started)()
				<-release
				return Unit{}
			}, nil
		}
	})
	f := nodes[0]
	p := f.open(t)
	answer := make(chan string, 1)
	go func() {
		_, body := p.do(t, "POST", "/pull/"+p.sid, p.key, `{"id":1,"fn":"insertHold","args":[]}`)
		answer <- body
	}()
	<-started
	if _, err := f.srv.db.Exec(`UPDATE "_prog_sessions" SET "gone" = true WHERE "id" = $1`, p.sid); err != nil {
		t.Fatal(err)
	}
	close(release)
	if got := <-answer; !strings.Contains(got, "the client was collected during the call") {
		t.Errorf("the call answered %s, want that its client was collected", got)
	}
	var n int
	if err := f.srv.db.QueryRow(`SELECT count(*) FROM "counter"`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d rows of the call kept (%v), want none", n, err)
	}

	// The next call of a page that called a moment ago is not checked
	// before it runs; its write finds the session gone, and the page is
	// answered as a check would have answered it.
	q := f.open(t)
	q.call(t, "insert")
	if _, err := f.srv.db.Exec(`UPDATE "_prog_sessions" SET "gone" = true WHERE "id" = $1`, q.sid); err != nil {
		t.Fatal(err)
	}
	if code, body := q.do(t, "POST", "/pull/"+q.sid, q.key, `{"id":2,"fn":"insert","args":[]}`); code != http.StatusGone || !strings.Contains(body, "session expired") {
		t.Errorf("a call of a gone session: %d %s, want 410 session expired", code, body)
	}
	if err := f.srv.db.QueryRow(`SELECT count(*) FROM "counter"`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d rows, want the first call's only (%v)", n, err)
	}
}
