package runtime

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	goruntime "runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var faultMsgs = flag.Int("faultmsgs", 2000, "messages TestFaultInjection sends (the issue's figure is 10000)")

// pushFault is what the fault-injection client does to one push request.
type pushFault int

const (
	pushWhole    pushFault = iota // reads the answer and acknowledges it
	pushCutEarly                  // closes the connection before the answer, while the server holds the poll
	pushCutHalf                   // closes it part way through the answer
	pushLost                      // reads the answer and drops it, as if it never arrived
	pushOverlap                   // a second push request while the first is held; both answers count
	pushFaults
)

// rawPush sends a push request on a connection of its own and cuts it as
// fault says. It returns the body for pushWhole and pushLost (nil, with an
// error of the test, if the request failed: it may run on any goroutine).
func rawPush(t *testing.T, addr string, p *page, ack int64, fault pushFault, rng *rand.Rand) []byte {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		return nil
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /push/%s?ack=%d HTTP/1.1\r\nHost: %s\r\nProg-Key: %s\r\nConnection: close\r\n\r\n", p.sid, ack, addr, p.key)
	switch fault {
	case pushCutEarly:
		time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
		return nil
	case pushCutHalf:
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		io.ReadFull(conn, make([]byte, 1+rng.IntN(300)))
		return nil
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Errorf("push: %v", err)
		return nil
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("push: %d %s %v", resp.StatusCode, body, err)
		return nil
	}
	return body
}

// cutPull sends a remote call on a connection of its own and closes it
// before the answer: the call may have run, or not yet.
func cutPull(t *testing.T, addr string, p *page, body string, rng *rand.Rand) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /pull/%s HTTP/1.1\r\nHost: %s\r\nProg-Key: %s\r\nContent-Length: %d\r\n\r\n%s", p.sid, addr, p.key, len(body), body)
	if rng.IntN(2) == 0 {
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		conn.Read(make([]byte, 1+rng.IntN(20))) // part of the answer
	}
	conn.Close()
}

// TestFaultInjection sends messages to a page whose push requests are cut
// at random before, during and after the answer, or overlap, while the
// sender repeats some of its remote calls, some after cutting the first
// try mid-flight (the repeat then often comes while the first still
// runs): every message arrives exactly once, in order, and no call runs
// twice.
func TestFaultInjection(t *testing.T) {
	n := *faultMsgs
	waits := make(chan struct{}, 1)
	f := newFixture(t, Config{PollTimeout: 200 * time.Millisecond}, func(s *Server) {
		s.hooks.pollWaits = notify(waits)
	})
	addr := strings.TrimPrefix(f.http.URL, "http://")
	recv, send := f.open(t), f.open(t)
	recv.call(t, "subscribe")

	var repeats, cuts atomic.Int64
	sent := make(chan error, 1)
	go func() {
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range n {
			id := i + 1
			body := fmt.Sprintf(`{"id":%d,"fn":"say","args":[%q]}`, id, fmt.Sprint(i))
			want := fmt.Sprintf(`{"id":%d,"ok":null}`, id)
			times := 1
			switch rng.IntN(4) {
			case 0:
				times = 2 // the same call again, as after a network error
				repeats.Add(1)
			case 1:
				cutPull(t, addr, send, body, rng) // then at once the same call again
				cuts.Add(1)
			}
			for range times {
				req, _ := http.NewRequest("POST", f.http.URL+"/pull/"+send.sid, strings.NewReader(body))
				req.Header.Set("Prog-Key", send.key)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					sent <- err
					return
				}
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if s := strings.TrimSpace(string(got)); s != want {
					sent <- fmt.Errorf("call %d answered %s", id, s)
					return
				}
			}
		}
		sent <- nil
	}()

	rng := rand.New(rand.NewPCG(3, 4))
	var counts [pushFaults]int
	var ack int64
	next := 0 // the message expected next
	deadline := time.Now().Add(2 * time.Minute)
	for next < n && time.Now().Before(deadline) {
		fault := pushFault(rng.IntN(int(pushFaults)))
		counts[fault]++
		var bodies [][]byte
		switch fault {
		case pushWhole:
			bodies = append(bodies, rawPush(t, addr, recv, ack, fault, rng))
		case pushOverlap:
			// The newer request ends the older one; a page's runtime
			// delivers what either brings, by sequence number.
			select {
			case <-waits: // an older request's
			default:
			}
			older := make(chan []byte, 1)
			go func() { older <- rawPush(t, addr, recv, ack, pushWhole, rand.New(rand.NewPCG(5, 6))) }()
			select {
			case <-waits: // the server holds it: the newer one overlaps
				bodies = append(bodies, rawPush(t, addr, recv, ack, pushWhole, rng), <-older)
			case b := <-older: // it had messages to answer with at once
				bodies = append(bodies, b, rawPush(t, addr, recv, ack, pushWhole, rng))
			}
		default:
			rawPush(t, addr, recv, ack, fault, rng)
		}
		for _, body := range bodies {
			var res struct{ Msgs []message }
			if err := json.Unmarshal(body, &res); err != nil {
				t.Fatalf("push answered %s: %v", body, err)
			}
			for _, m := range res.Msgs {
				if m.Seq <= ack && fault == pushOverlap {
					continue // the other answer of the two brought it
				}
				if m.Seq <= ack {
					t.Fatalf("message %d sent again after it was acknowledged (ack %d)", m.Seq, ack)
				}
				if m.Seq != ack+1 {
					t.Fatalf("message %d came after %d: one is lost", m.Seq, ack)
				}
				if want := fmt.Sprintf(`"%d"`, next); string(m.V) != want {
					t.Fatalf("message %d is %s, want %s", m.Seq, m.V, want)
				}
				ack, next = m.Seq, next+1
			}
		}
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	if next != n {
		t.Fatalf("%d of %d messages arrived", next, n)
	}
	// Nothing more comes: no message was sent twice.
	var res struct{ Msgs []message }
	json.Unmarshal(rawPush(t, addr, recv, ack, pushWhole, rng), &res)
	if len(res.Msgs) != 0 {
		t.Errorf("after all %d messages, %d more came", n, len(res.Msgs))
	}
	t.Logf("%d messages exactly once, in order; polls: %d whole, %d cut early, %d cut half way, %d lost, %d overlapped; calls: %d repeated, %d cut and repeated",
		n, counts[pushWhole], counts[pushCutEarly], counts[pushCutHalf], counts[pushLost], counts[pushOverlap], repeats.Load(), cuts.Load())
}

// heapAndGoroutines returns the live heap after a collection, and the
// number of goroutines, once the HTTP connections of the test are closed.
func heapAndGoroutines(f *fixture) (heap uint64, goroutines int) {
	f.closeConns()
	goruntime.GC()
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	return ms.HeapAlloc, goruntime.NumGoroutine()
}

// After 1,000 sessions that subscribed, received and polled are collected,
// the server's goroutines and heap return to near where they started.
func TestCollectedSessionsFreeMemory(t *testing.T) {
	f := newFixture(t, Config{ClientTimeout: time.Minute, PollTimeout: 100 * time.Millisecond, SessionRate: -1})
	heap0, g0 := heapAndGoroutines(f)
	pages := make([]*page, 1000)
	for i := range pages {
		pages[i] = f.open(t)
		pages[i].call(t, "subscribe")
	}
	pages[0].call(t, "say", strings.Repeat("x", 100))
	work := make(chan *page)
	done := make(chan struct{})
	for range 20 {
		go func() {
			for p := range work {
				p.push(t, 0)
			}
			done <- struct{}{}
		}()
	}
	for _, p := range pages {
		work <- p
	}
	close(work)
	for range 20 {
		<-done
	}
	heap1, g1 := heapAndGoroutines(f)
	// Their pages are gone: as if the client timeout had passed.
	f.manual(t)
	f.age()
	f.srv.collect()
	if n := f.leftRows(t); n != 1000 {
		t.Fatalf("%d of 1000 sessions collected", n)
	}
	heap2, g2 := heapAndGoroutines(f)
	t.Logf("heap %d KiB at start, %d KiB with 1000 sessions, %d KiB after they were collected; goroutines %d, %d, %d",
		heap0>>10, heap1>>10, heap2>>10, g0, g1, g2)
	if g2 > g0+2 {
		t.Errorf("%d goroutines after collection, %d at start", g2, g0)
	}
	if grown := int64(heap2) - int64(heap0); grown > int64(heap1-heap0)/4 {
		t.Errorf("the heap kept %d KiB of the %d KiB that 1000 sessions took", grown>>10, (heap1-heap0)>>10)
	}
}

// A call whose request is cut while it runs, and repeated before it ends,
// runs once: the repeat waits for the first run's answer, and its sends
// are delivered once.
func TestCutPullRepeatedWhileRunning(t *testing.T) {
	running, release, repeated := make(chan struct{}), make(chan struct{}), make(chan int64, 1)
	var runs atomic.Int64
	f := newFixture(t, Config{PollTimeout: 50 * time.Millisecond}, func(s *Server) {
		s.hooks.callRepeated = func(id int64) { repeated <- id }
		s.prog.Remote["hold"] = func(args []json.RawMessage) (func(*Ctx) any, error) {
			return func(x *Ctx) any {
				runs.Add(1)
				running <- struct{}{}
				<-release
				for _, s := range All(x, scanSubscribers) {
					Send(x, s.Ch, "held")
				}
				return runs.Load()
			}, nil
		}
	})
	addr := strings.TrimPrefix(f.http.URL, "http://")
	a := f.open(t)
	a.call(t, "subscribe")
	body := `{"id":2,"fn":"hold","args":[]}`
	cutPull(t, addr, a, body, rand.New(rand.NewPCG(1, 1)))
	<-running
	answer := make(chan string, 1)
	go func() {
		_, got := a.do(t, "POST", "/pull/"+a.sid, a.key, body)
		answer <- got
	}()
	if id := <-repeated; id != 2 {
		t.Fatalf("call %d repeated, want 2", id)
	}
	close(release)
	if got := <-answer; got != `{"id":2,"ok":1}` {
		t.Errorf("the repeat answered %s, want the first run's answer", got)
	}
	if got := a.push(t, 0); strings.Count(got, `"held"`) != 1 {
		t.Errorf("push: %s, want the call's one message", got)
	}
	if n := runs.Load(); n != 1 {
		t.Errorf("the call ran %d times", n)
	}
}
