package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	goruntime "runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// benchDBs runs a benchmark on SQLite and on PostgreSQL.
func benchDBs(b *testing.B, bench func(b *testing.B, db string)) {
	b.Run("sqlite", func(b *testing.B) { bench(b, "sqlite") })
	b.Run("postgres", func(b *testing.B) { bench(b, pgtestDB(b)) })
}

// BenchmarkInsertCall measures remote calls that insert one row each,
// from 8 clients at once, over HTTP on loopback: calls/s is the throughput.
func BenchmarkInsertCall(b *testing.B) {
	benchDBs(b, func(b *testing.B, db string) {
		f := newFixture(b, Config{DB: db, SessionRate: -1})
		// One page for each goroutine of RunParallel: a page's calls
		// are numbered 1, 2, 3 …, as a browser numbers them.
		const parallelism = 4 // 2 cores: 8 callers
		pages := make([]*page, parallelism*goruntime.GOMAXPROCS(0))
		for i := range pages {
			pages[i] = f.open(b)
		}
		var next atomic.Int64
		b.SetParallelism(parallelism)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			p := pages[next.Add(1)-1]
			for pb.Next() {
				p.calls++
				code, body := p.do(b, "POST", "/pull/"+p.sid, p.key, fmt.Sprintf(`{"id":%d,"fn":"insert","args":[]}`, p.calls))
				if code != 200 {
					b.Errorf("%d %s", code, body)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	})
}

// BenchmarkCollect1000 measures the collection of 1,000 clients that each
// hold a row with a client, a channel and an option of a channel, while a
// live client keeps making calls that insert rows: max-call-ms is the
// longest of those calls, the stall a collection causes (Ur/Web's global
// expunge lock stalls every call for about a second).
func BenchmarkCollect1000(b *testing.B) {
	benchDBs(b, func(b *testing.B, db string) {
		var worst time.Duration
		calls := 0
		for range b.N {
			b.StopTimer()
			if db != "sqlite" {
				// A database of its own: the last iteration's server
				// holds the last one until cleanup, and its "left" rows
				// would count here.
				db = pgtestDB(b)
			}
			f := newFixture(b, Config{DB: db, ClientTimeout: time.Hour, SessionRate: -1})
			live, slowest := f.collectWhileCalling(b, 1000, func() {
				b.StartTimer()
				f.srv.collect()
				b.StopTimer()
			})
			worst = max(worst, slowest)
			calls += live.calls
			var n int
			f.srv.db.QueryRow(`SELECT count(*) FROM "subscribers"`).Scan(&n)
			if left := f.leftRows(b); n != live.calls || left != 1000 {
				b.Fatalf("%d rows left after collection, want the live client's %d; on leave committed %d times, want 1000", n, live.calls, left)
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(worst.Microseconds())/1000, "max-call-ms")
		b.ReportMetric(float64(calls)/float64(b.N), "live-calls/op")
	})
}

// BenchmarkPost1000 measures one remote call that reads 1,000 subscriber
// rows and sends a message to each (chat.prog's post), delivery included,
// without HTTP: the server's cost of a fan-out.
func BenchmarkPost1000(b *testing.B) {
	benchDBs(b, func(b *testing.B, db string) {
		f := newFixture(b, Config{DB: db, ClientTimeout: time.Hour, SessionRate: -1})
		var caller *session
		for range 1000 {
			p := f.open(b)
			p.call(b, "subscribe")
			f.srv.mu.Lock()
			caller = f.srv.sessions[p.sid]
			f.srv.mu.Unlock()
		}
		say, err := f.srv.prog.Remote["say"]([]json.RawMessage{[]byte(`"hello"`)})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.ResetTimer()
		for range b.N {
			if _, err := f.srv.run(ctx, caller, say); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			f.srv.mu.Lock()
			for _, ss := range f.srv.sessions {
				ss.mu.Lock()
				if len(ss.queue) != 1 {
					b.Fatalf("a subscriber has %d messages queued, want 1", len(ss.queue))
				}
				ss.queue, ss.bytes = ss.queue[:0], 0
				ss.mu.Unlock()
			}
			f.srv.mu.Unlock()
			b.StartTimer()
		}
	})
}

// BenchmarkPushAnswer measures a push request that answers at once with
// 20 queued messages, through the handler without a network.
func BenchmarkPushAnswer(b *testing.B) {
	f := newFixture(b, Config{SessionRate: -1})
	p := f.open(b)
	p.call(b, "subscribe")
	for i := range 20 {
		p.call(b, "say", fmt.Sprintf("message number %d", i))
	}
	h := f.srv.Handler()
	req := httptest.NewRequest("GET", "/push/"+p.sid+"?ack=0", nil)
	req.Header.Set("Prog-Key", p.key)
	b.ResetTimer()
	for range b.N {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 || !strings.Contains(w.Body.String(), `"seq":20,`) {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}
