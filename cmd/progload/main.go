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
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
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

// load is one run: the server, the sessions, and what they received.
type load struct {
	base   string // http://127.0.0.1:port
	name   string // the program's name: its page is base/name
	client *http.Client
}

type session struct {
	sid, key string
	mu       sync.Mutex
	got      map[string]int       // message text → times received
	at       map[string]time.Time // message text → when it first arrived
}

func run(ctx context.Context, bin, target string, pid, n, m int) error {
	if bin != "" {
		u, p, stop, err := start(bin)
		if err != nil {
			return err
		}
		defer stop()
		target, pid = u, p
	}
	u, err := url.Parse(target)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%s is not on this machine: progload only loads loopback servers", target)
	}
	l := &load{base: strings.TrimSuffix(target, "/"), client: &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: n + 64, IdleConnTimeout: time.Minute,
	}}}
	if l.name, err = l.pageName(ctx); err != nil {
		return err
	}
	rss0 := rss(pid)

	// Connect: open every page and subscribe, 64 at a time.
	start := time.Now()
	ss := make([]*session, n)
	if err := parallel(ctx, n, 64, func(i int) (err error) {
		ss[i], err = l.open(ctx)
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
			if err := l.poll(pctx, s, &polling); err != nil && pctx.Err() == nil {
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
	rss1 := rss(pid)

	// Post, one message at a time; each reaches every session before the next.
	var fanout []time.Duration
	for i := range m {
		text := fmt.Sprintf("load %d", i)
		sent := time.Now()
		if err := l.call(ctx, ss[0], 2+i, "post", text); err != nil {
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

// start runs the server binary on a free loopback port with a new
// database, and returns its address, its process id and how to stop it.
func start(bin string) (string, int, func(), error) {
	dir, err := os.MkdirTemp("", "progload-")
	if err != nil {
		return "", 0, nil, err
	}
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "load.db"), "--client-timeout", "10m")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", 0, nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", 0, nil, err
	}
	stop := func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		os.RemoveAll(dir)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	i := strings.Index(line, "http://")
	if err != nil || i < 0 {
		stop()
		return "", 0, nil, fmt.Errorf("%s printed no address (%q)", bin, line)
	}
	return strings.TrimSpace(line[i:]), cmd.Process.Pid, stop, nil
}

// pageName follows GET / to the program's page.
func (l *load) pageName(ctx context.Context) (string, error) {
	c := *l.client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, _ := http.NewRequestWithContext(ctx, "GET", l.base+"/", nil)
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, "/") {
		return "", fmt.Errorf("GET / answered %d to %q, want a redirect to the page", resp.StatusCode, loc)
	}
	return loc[1:], nil
}

var metaRE = regexp.MustCompile(`<meta name="prog-(session|key)" content="([0-9a-f]+)">`)

// open starts a session and subscribes it (call id 1).
func (l *load) open(ctx context.Context) (*session, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", l.base+"/"+l.name, nil)
	resp, err := l.client.Do(req)
	if err != nil {
		return nil, err
	}
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	s := &session{got: map[string]int{}, at: map[string]time.Time{}}
	for _, m := range metaRE.FindAllStringSubmatch(string(page), -1) {
		if m[1] == "session" {
			s.sid = m[2]
		} else {
			s.key = m[2]
		}
	}
	if s.sid == "" || s.key == "" {
		return nil, fmt.Errorf("the page has no session: %.200s", page)
	}
	return s, l.call(ctx, s, 1, "subscribe")
}

// call makes a remote call and checks that it answered ok.
func (l *load) call(ctx context.Context, s *session, id int, fn string, args ...any) error {
	body, _ := json.Marshal(map[string]any{"id": id, "fn": fn, "args": append([]any{}, args...)})
	req, _ := http.NewRequestWithContext(ctx, "POST", l.base+"/pull/"+s.sid, strings.NewReader(string(body)))
	req.Header.Set("Prog-Key", s.key)
	resp, err := l.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var res struct {
		Err *string `json:"err"`
	}
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &res); err != nil || resp.StatusCode != 200 || res.Err != nil {
		return fmt.Errorf("%s: %d %s", fn, resp.StatusCode, b)
	}
	return nil
}

// poll long-polls for s until ctx ends, acknowledging what it received.
func (l *load) poll(ctx context.Context, s *session, polling *atomic.Int64) error {
	var ack int64
	first := true
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, "GET", l.base+"/push/"+s.sid+"?ack="+strconv.FormatInt(ack, 10), nil)
		req.Header.Set("Prog-Key", s.key)
		if first {
			polling.Add(1)
			first = false
		}
		resp, err := l.client.Do(req)
		if err != nil {
			return err
		}
		var res struct {
			Msgs []struct {
				Seq int64           `json:"seq"`
				V   json.RawMessage `json:"v"`
			} `json:"msgs"`
		}
		err = json.NewDecoder(resp.Body).Decode(&res)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			return fmt.Errorf("push: %d %v", resp.StatusCode, err)
		}
		now := time.Now()
		s.mu.Lock()
		for _, m := range res.Msgs {
			if m.Seq <= ack {
				continue // sent again: already counted
			}
			ack = m.Seq
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

// parallel runs f(0) … f(n-1), at most width at a time, and returns the
// first error.
func parallel(ctx context.Context, n, width int, f func(int) error) error {
	var next atomic.Int64
	errc := make(chan error, width)
	for range width {
		go func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					errc <- ctx.Err()
					return
				}
				if err := f(i); err != nil {
					next.Store(int64(n))
					errc <- err
					return
				}
			}
		}()
	}
	var first error
	for range width {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// rss returns a process's resident memory in bytes, or 0.
func rss(pid int) int64 {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
