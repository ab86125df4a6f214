// Package progclient speaks Prog's wire protocol (DESIGN.md, version 1)
// as a page would, for the load and benchmark tools: it opens sessions,
// makes remote calls and long-polls for messages. It also starts a server
// binary on loopback and reads a process's memory.
package progclient

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/prog-lang/prog/codegen"
	"github.com/prog-lang/prog/pipeline"
)

// Server is a Prog server (or one that speaks its protocol) on this machine.
type Server struct {
	Base string // http://127.0.0.1:port
	Name string // the program's name: its page is Base/Name
	HTTP *Client
}

// Dial checks that base is on this machine and finds the program's page.
func Dial(ctx context.Context, base string) (*Server, error) {
	c, err := NewClient(base)
	if err != nil {
		return nil, err
	}
	s := &Server{Base: strings.TrimSuffix(base, "/"), HTTP: c}
	a, err := c.Do(ctx, "GET", "/", nil, nil)
	if err != nil {
		return nil, err
	}
	loc := a.Location
	if a.Status != http.StatusFound || !strings.HasPrefix(loc, "/") {
		return nil, fmt.Errorf("GET / answered %d to %q, want a redirect to the page", a.Status, loc)
	}
	s.Name = loc[1:]
	return s, nil
}

// loopback returns an error unless rawURL names this machine: the tools
// never send load anywhere else.
func loopback(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%s is not on this machine: the load tools only load loopback servers", rawURL)
	}
	return nil
}

// Session is one page view.
type Session struct {
	SID, Key string
	Ack      int64 // the last message received
	srv      *Server
	key      []string // the header line carrying Key
	calls    int64
}

// Message is one message a push answer carries.
type Message struct {
	Seq int64           `json:"seq"`
	Ch  int64           `json:"ch"`
	V   json.RawMessage `json:"v"`
}

var metaRE = regexp.MustCompile(`<meta name="prog-(session|key)" content="([0-9a-f]+)">`)

// Open loads the page: a new session.
func (s *Server) Open(ctx context.Context) (*Session, error) {
	a, err := s.HTTP.Do(ctx, "GET", "/"+s.Name, nil, nil)
	if err != nil {
		return nil, err
	}
	ss := &Session{srv: s}
	for _, m := range metaRE.FindAllSubmatch(a.Body, -1) {
		if string(m[1]) == "session" {
			ss.SID = string(m[2])
		} else {
			ss.Key = string(m[2])
		}
	}
	if ss.SID == "" || ss.Key == "" {
		return nil, fmt.Errorf("the page has no session: %.200s", a.Body)
	}
	ss.key = []string{"Prog-Key: " + ss.Key}
	return ss, nil
}

// Call makes the session's next remote call and returns its result. It
// is not safe to make two calls of one session at once.
func (ss *Session) Call(ctx context.Context, fn string, args ...any) (json.RawMessage, error) {
	ss.calls++
	body, _ := json.Marshal(map[string]any{"id": ss.calls, "fn": fn, "args": append([]any{}, args...)})
	a, err := ss.srv.HTTP.Do(ctx, "POST", "/pull/"+ss.SID, ss.key, body)
	if err != nil {
		return nil, err
	}
	var res struct {
		OK  json.RawMessage `json:"ok"`
		Err *string         `json:"err"`
	}
	if err := json.Unmarshal(a.Body, &res); err != nil || a.Status != 200 || res.Err != nil {
		return nil, &CallError{Fn: fn, Status: a.Status, Body: a.Body}
	}
	return res.OK, nil
}

// CallError is a call the server answered with an error.
type CallError struct {
	Fn     string
	Status int
	Body   []byte
}

func (e *CallError) Error() string { return fmt.Sprintf("%s: %d %s", e.Fn, e.Status, e.Body) }

// Poll makes one push request, acknowledging what came before, and
// returns the messages it brought that had not come before.
func (ss *Session) Poll(ctx context.Context) ([]Message, error) {
	a, err := ss.srv.HTTP.Do(ctx, "GET", "/push/"+ss.SID+"?ack="+strconv.FormatInt(ss.Ack, 10), ss.key, nil)
	if err != nil {
		return nil, err
	}
	if a.Status != 200 {
		return nil, fmt.Errorf("push: %d %s", a.Status, a.Body)
	}
	all, err := parsePush(a.Body)
	if err != nil {
		return nil, fmt.Errorf("push: %v", err)
	}
	msgs := all[:0]
	for _, m := range all {
		if m.Seq > ss.Ack { // not sent again
			ss.Ack = m.Seq
			msgs = append(msgs, m)
		}
	}
	return msgs, nil
}

// Process is a server the tools started.
type Process struct {
	URL string // what it printed: http://127.0.0.1:port/
	Pid int
	cmd *exec.Cmd
	dir string
}

// Start runs a server command that prints "serving … at http://…" as its
// first line, and waits for that line. dir, if set, is removed at Stop.
func Start(dir string, name string, args ...string) (*Process, error) {
	cmd := exec.Command(name, args...)
	var logs strings.Builder // its log, for the error if it does not start
	cmd.Stderr = &logs
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Process{Pid: cmd.Process.Pid, cmd: cmd, dir: dir}
	line, err := bufio.NewReader(out).ReadString('\n')
	i := strings.Index(line, "http://")
	if err != nil || i < 0 {
		p.Stop()
		return nil, fmt.Errorf("%s printed no address (%q):\n%s", name, line, logs.String())
	}
	p.URL = strings.TrimSpace(line[i:])
	return p, nil
}

// StartProg runs a built Prog server on a free loopback port, with a new
// database in a temporary folder and extra server flags.
func StartProg(bin string, flags ...string) (*Process, error) {
	dir, err := os.MkdirTemp("", "progload-")
	if err != nil {
		return nil, err
	}
	// The tools open thousands of sessions from this one address: no
	// limit on new sessions.
	args := append([]string{"--addr", "127.0.0.1:0", "--db", dir + "/load.db", "--client-timeout", "10m", "--session-rate", "0"}, flags...)
	p, err := Start(dir, bin, args...)
	if err != nil {
		os.RemoveAll(dir)
	}
	return p, err
}

// Stop interrupts the server and waits for it to end.
func (p *Process) Stop() {
	p.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
	if p.dir != "" {
		os.RemoveAll(p.dir)
	}
}

// RSS returns a process's resident memory in bytes, or 0.
func RSS(pid int) int64 {
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

// Parallel runs f(0) … f(n-1), at most width at a time, and returns the
// first error; after one, it starts no more.
func Parallel(ctx context.Context, n, width int, f func(int) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(width)
	for i := 0; i < n && gctx.Err() == nil; i++ {
		g.Go(func() error {
			if gctx.Err() != nil { // an error while this waited for a slot
				return nil
			}
			return f(i)
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

// Generate loads the program in file (a .prog) and generates both halves.
func Generate(file string) (*codegen.Output, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	u, errs := pipeline.Load(file, src)
	if len(errs) > 0 {
		return nil, errs.Err()
	}
	return codegen.Generate(strings.TrimSuffix(filepath.Base(file), ".prog"), file, src, u)
}

// Build builds the program in file into a server binary in dir and
// returns its path.
func Build(file, dir string) (string, error) {
	out, err := Generate(file)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, out.Name)
	return bin, codegen.Build(out, bin, os.Stderr)
}

// CPU returns the processor time a process has used so far, user and
// system together, or 0. pid 0 is this process.
func CPU(pid int) time.Duration {
	path := "/proc/self/stat"
	if pid != 0 {
		path = fmt.Sprintf("/proc/%d/stat", pid)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces; the fields
	// after it are numbered from 3, utime and stime being 14 and 15.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc's times: 100 on every Linux
// architecture Go supports.
const clockTicks = 100
