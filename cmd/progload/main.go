// Command progload puts a chat-shaped Prog server under load on loopback:
// it opens N sessions, makes each subscribe and long-poll, posts messages,
// checks that every session received every message exactly once, and
// prints how long it took and what the server's memory grew by.
//
// The program must have chat.prog's remote functions: subscribe() and
// post(text). progload starts the server binary itself (-bin), or uses
// one already running on this machine (-url, with -pid for its memory).
// It never sends to an address off this machine, and it stops by itself:
// its work is bounded by -sessions, -messages and -timeout.
//
//	go run ./cmd/prog build testdata/examples/chat.prog -o /tmp/chat
//	go run ./cmd/progload -bin /tmp/chat -sessions 10000
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prog-lang/prog/cmd/internal/progclient"
)

func main() {
	bin := flag.String("bin", "", "a built server to start on loopback (its database goes in a temporary folder)")
	target := flag.String("url", "", "a server already running on this machine, instead of -bin")
	pid := flag.Int("pid", 0, "with -url: the server's process id, to read its memory")
	sessions := flag.Int("sessions", 1000, "sessions to open")
	messages := flag.Int("messages", 10, "messages to post, one at a time")
	timeout := flag.Duration("timeout", 5*time.Minute, "give up after this long")
	flag.Parse()
	if (*bin == "") == (*target == "") || *sessions < 1 || *messages < 1 {
		fmt.Fprintln(os.Stderr, "progload: give -bin or -url, and positive -sessions and -messages")
		flag.Usage()
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := run(ctx, *bin, *target, *pid, *sessions, *messages); err != nil {
		fmt.Fprintln(os.Stderr, "progload:", err)
		os.Exit(1)
	}
}

// session is one page view and what it received.
type session struct {
	*progclient.Session
	mu  sync.Mutex
	got map[string]int       // message text → times received
	at  map[string]time.Time // message text → when it first arrived
}

func run(ctx context.Context, bin, target string, pid, n, m int) error {
	if bin != "" {
		p, err := progclient.StartProg(bin)
		if err != nil {
			return err
		}
		defer p.Stop()
		target, pid = p.URL, p.Pid
	}
	srv, err := progclient.Dial(ctx, target)
	if err != nil {
		return err
	}
	rss := func() int64 {
		if pid == 0 {
			return 0
		}
		return progclient.RSS(pid)
	}
	rss0 := rss()

	// Connect: open every page and subscribe, 64 at a time.
	start := time.Now()
	ss := make([]*session, n)
	if err := progclient.Parallel(ctx, n, 64, func(i int) error {
		s, err := srv.Open(ctx)
		if err == nil {
			ss[i] = &session{Session: s, got: map[string]int{}, at: map[string]time.Time{}}
			_, err = s.Call(ctx, "subscribe")
		}
		return err
	}); err != nil {
		return err
	}
	connect := time.Since(start)

	// Poll: every session holds a push request open from now on.
	var polling atomic.Int64
	pollErr := make(chan error, n)
	pctx, stopPolls := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, s := range ss {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.poll(pctx, &polling); err != nil && pctx.Err() == nil {
				pollErr <- err
			}
		}()
	}
	defer func() { stopPolls(); wg.Wait() }()
	for polling.Load() < int64(n) {
		if err := sleep(ctx, 10*time.Millisecond); err != nil {
			return errors.New("the push requests did not all open in time")
		}
	}
	sleep(ctx, 500*time.Millisecond) // the last requests reach the server
	rss1 := rss()

	// Post, one message at a time; each reaches every session before the next.
	var fanout []time.Duration
	for i := range m {
		text := fmt.Sprintf("load %d", i)
		sent := time.Now()
		if _, err := ss[0].Call(ctx, "post", text); err != nil {
			return err
		}
		for _, s := range ss {
			for !s.has(text) {
				select {
				case err := <-pollErr:
					return err
				case <-ctx.Done():
					return fmt.Errorf("message %q had not reached every session when time ran out", text)
				case <-time.After(time.Millisecond):
				}
			}
		}
		var last time.Time
		for _, s := range ss {
			if t := s.arrived(text); t.After(last) {
				last = t
			}
		}
		fanout = append(fanout, last.Sub(sent))
	}
	stopPolls()
	wg.Wait()

	// Every session has every message exactly once.
	for i, s := range ss {
		for j := range m {
			if c := s.got[fmt.Sprintf("load %d", j)]; c != 1 {
				return fmt.Errorf("session %d received message %d %d times", i, j, c)
			}
		}
		if len(s.got) != m {
			return fmt.Errorf("session %d received %d different messages, %d were sent", i, len(s.got), m)
		}
	}
	slices.Sort(fanout)
	fmt.Printf("progload: %d sessions, %d messages each, every one received exactly once\n", n, m)
	fmt.Printf("connect: %v for all (%.0f sessions/s)\n", connect.Round(time.Millisecond), float64(n)/connect.Seconds())
	fmt.Printf("fan-out: one message to all sessions: median %v, max %v\n",
		fanout[len(fanout)/2].Round(time.Microsecond), fanout[len(fanout)-1].Round(time.Microsecond))
	if rss0 > 0 && rss1 > 0 {
		fmt.Printf("memory: server RSS %.1f MiB before, %.1f MiB with every session polling: %.1f KiB a session\n",
			float64(rss0)/(1<<20), float64(rss1)/(1<<20), float64(rss1-rss0)/1024/float64(n))
	}
	return nil
}

// poll long-polls for s until ctx ends, counting what it receives.
func (s *session) poll(ctx context.Context, polling *atomic.Int64) error {
	polling.Add(1)
	for ctx.Err() == nil {
		msgs, err := s.Poll(ctx)
		if err != nil {
			return err
		}
		now := time.Now()
		s.mu.Lock()
		for _, m := range msgs {
			var text string
			json.Unmarshal(m.V, &text)
			s.got[text]++
			if _, ok := s.at[text]; !ok {
				s.at[text] = now
			}
		}
		s.mu.Unlock()
	}
	return nil
}

func (s *session) has(text string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.got[text] > 0
}

func (s *session) arrived(text string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.at[text]
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
