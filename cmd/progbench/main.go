// Command progbench measures Prog against two baselines in one run on this
// machine: the floor (chat.prog's workload written by hand on net/http,
// speaking Prog's wire protocol; `progbench floor` serves it) and
// socket.io 4.8 on Node with long-polling only (testdata/bench/socketio).
// One load generator drives all three over loopback with the same
// workload, each metric the median of -runs runs interleaved across the
// systems, and prints a table, then one line a metric:
//
//	bench: <metric> prog=<value> floor=<value> socketio=<value> unit=<unit>
//
// On PostgreSQL, prog-pg is chat alone on a database and prog-cluster1 to
// prog-cluster3 are 1 to 3 chat nodes with --cluster on one database
// (cluster.go; docs/SCALING.md has their figures); their columns follow
// on the lines when they ran. -pgstats prints what PostgreSQL did for each
// message of their runs.
//
// `make bench` builds chat, installs socket.io into a temporary folder and
// runs it. With -rows, it also times the js-framework-benchmark operations
// in headless Chromium on Prog's rows program and on the same page written
// by hand (ui.go), and prints one line an operation:
//
//	bench: ui_<op> prog=<ms> vanilla=<ms> ratio=<prog/vanilla> unit=ms
//
// Every server runs on 127.0.0.1; nothing is sent elsewhere.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/prog-lang/prog/cmd/internal/progclient"
	"github.com/prog-lang/prog/codegen/jsclient"
)

// peer is one client of a system: a page view of Prog or the floor, a
// socket of socket.io.
type peer interface {
	subscribe(ctx context.Context) error
	postText(ctx context.Context, text string) error
	// poll waits for messages and returns their texts.
	poll(ctx context.Context) ([]string, error)
}

// system is a server under test.
type system struct {
	name  string
	start func() (*servers, error)
	// dial returns a function that opens new peers on the server at url.
	dial func(ctx context.Context, url string) (func(context.Context) (peer, error), error)
	// cluster: nodes of one cluster (--cluster on one PostgreSQL
	// database). Each client is pinned to one node: round robin in the
	// fan-out run; in the latency runs the senders are on the first node
	// and the listeners on the others (with one node, on it).
	cluster bool
}

// servers are the processes of one start of a system: one server, or
// the nodes of a cluster.
type servers struct {
	procs []*progclient.Process
	db    string // the PostgreSQL database, or ""
}

// single makes a start of one process a start of a system.
func single(start func() (*progclient.Process, error)) func() (*servers, error) {
	return func() (*servers, error) {
		p, err := start()
		if err != nil {
			return nil, err
		}
		return &servers{procs: []*progclient.Process{p}}, nil
	}
}

func (s *servers) stop() {
	for _, p := range s.procs {
		p.Stop()
	}
}

type config struct {
	runs     int
	duration time.Duration // of each fan-out and latency run
	clients  int           // subscribed clients in the fan-out and latency runs
	idle     int           // idle sessions in the memory runs
	rate     int           // messages a second in the latency runs
	light    int           // clients in the light latency runs
	senders  int
	// clusterRuns: runs of the cluster systems, which run only the
	// fan-out and the light latency workloads.
	clusterRuns int
	pgStats     bool // print PostgreSQL's work in each fan-out and light latency run on PostgreSQL
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "floor" {
		if err := serveFloor(); err != nil {
			fmt.Fprintln(os.Stderr, "progbench floor:", err)
			os.Exit(1)
		}
		return
	}
	// die is fail that first stops what main started and would stop on
	// return (os.Exit runs no deferred calls).
	var stopPG func()
	die := func(err error) {
		if stopPG != nil {
			stopPG()
		}
		fail(err)
	}
	chat := flag.String("chat", "bin/chat", "the chat server, built by prog build")
	sioDir := flag.String("socketio", "", "a folder with testdata/bench/socketio installed (npm ci); empty: no socket.io")
	var cfg config
	flag.IntVar(&cfg.runs, "runs", 5, "runs of each metric; the median is reported")
	flag.DurationVar(&cfg.duration, "duration", 3*time.Second, "length of each fan-out and latency run")
	flag.IntVar(&cfg.clients, "clients", 1000, "subscribed clients in the fan-out and latency runs")
	flag.IntVar(&cfg.idle, "idle", 10000, "idle sessions in the memory runs")
	flag.IntVar(&cfg.rate, "rate", 100, "messages a second in the latency runs")
	flag.IntVar(&cfg.light, "light", 100, "clients in the light latency runs, a load this machine carries (0: none)")
	// With 4 senders every system waited on its senders' round trips
	// (fan-out grew with senders); from 64 socket.io stays where it is
	// (one core), and 128 leaves each server, not the senders, the limit.
	flag.IntVar(&cfg.senders, "senders", 128, "clients that post in the fan-out run (and take turns in the latency run)")
	compiler := flag.Bool("compiler", true, "also run the compiler benchmarks (go test in this module)")
	only := flag.String("systems", "prog,prog-pg,floor,socketio", "the systems to run, of prog, prog-pg (chat on PostgreSQL, started by progbench when installed), prog-cluster1, prog-cluster2, prog-cluster3 (1 to 3 chat nodes with --cluster on one PostgreSQL database), floor and socketio")
	flag.IntVar(&cfg.clusterRuns, "clusterruns", 3, "runs of the prog-cluster systems (at most -runs), which run only the fan-out and light latency workloads")
	pgURL := flag.String("pg", "", "a PostgreSQL server to use (postgres://user@host:port/db?…, on this machine), making a database on it for each start; empty: progbench starts its own")
	flag.BoolVar(&cfg.pgStats, "pgstats", false, "print PostgreSQL's work in each fan-out and light latency run on PostgreSQL: transactions, rows and WAL bytes, and statements when pg_stat_statements is loaded")
	progFlags := flag.String("progflags", "", "more flags for the Prog server; {n} in them is the number of the start (--cpuprofile prog{n}.prof, say)")
	workloads := flag.String("workloads", "fanout,latency,memory,ui", "the workloads to run, of fanout, latency, memory and ui")
	rows := flag.String("rows", "", "the rows server (testdata/bench/ui/rows.prog), built by prog build; empty: no ui workload")
	vanilla := flag.String("vanilla", "testdata/bench/ui/vanilla.html", "the rows page written by hand, the ui workload's baseline")
	chromium := flag.String("chromium", "/usr/bin/chromium", "the Chromium the ui workload runs")
	uiRuns := flag.Int("uiruns", 5, "runs of each ui operation; the median is reported")
	cpuProfile := flag.String("cpuprofile", "", "write the load generator's CPU profile to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			die(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			die(err)
		}
		defer pprof.StopCPUProfile()
	}

	starts := 0
	self, err := os.Executable()
	if err != nil {
		die(err)
	}
	systems := []system{
		{name: "prog", start: single(func() (*progclient.Process, error) {
			starts++
			return progclient.StartProg(*chat, strings.Fields(strings.ReplaceAll(*progFlags, "{n}", strconv.Itoa(starts)))...)
		}), dial: dialProg},
		{name: "floor", start: single(func() (*progclient.Process, error) { return progclient.Start("", self, "floor") }), dial: dialProg},
	}
	if *sioDir != "" {
		server := filepath.Join(*sioDir, "server.js")
		systems = append(systems, system{name: "socketio",
			start: single(func() (*progclient.Process, error) { return progclient.Start("", "node", server) }),
			dial:  dialSio})
	}
	if slices.ContainsFunc(strings.Split(*only, ","), func(s string) bool { return strings.HasPrefix(s, "prog-") }) {
		// A PostgreSQL server of progbench's own, on a temporary folder,
		// stopped at the end (or the one -pg names); a new database for
		// each start of chat.
		createDB, stop, err := startPG(*pgURL)
		if err != nil {
			fmt.Fprintf(os.Stderr, "progbench: no runs on PostgreSQL: %v\n", err)
		} else {
			stopPG = stop
			defer stop()
			nextFlags := func() []string {
				starts++
				return strings.Fields(strings.ReplaceAll(*progFlags, "{n}", strconv.Itoa(starts)))
			}
			systems = append(systems, system{name: "prog-pg", start: func() (*servers, error) {
				db, err := createDB()
				if err != nil {
					return nil, err
				}
				p, err := progclient.StartProg(*chat, append([]string{"--db", db}, nextFlags()...)...)
				if err != nil {
					return nil, err
				}
				return &servers{procs: []*progclient.Process{p}, db: db}, nil
			}, dial: dialProg})
			for n := 1; n <= 3; n++ {
				systems = append(systems, system{name: fmt.Sprintf("prog-cluster%d", n), cluster: true, dial: dialProg,
					start: func() (*servers, error) { return startCluster(*chat, n, createDB, nextFlags) }})
			}
		}
	}
	systems = slices.DeleteFunc(systems, func(s system) bool { return !has(*only, s.name) })
	r := newResults()
	ctx := context.Background()
	for run := range cfg.runs {
		for _, sys := range systems {
			if sys.cluster && run >= cfg.clusterRuns {
				continue
			}
			fmt.Fprintf(os.Stderr, "run %d/%d: %s: %s\n", run+1, cfg.runs, sys.name, *workloads)
			if has(*workloads, "fanout") {
				rate, sends, failed, err := fanout(ctx, sys, cfg)
				if err != nil {
					die(fmt.Errorf("%s fan-out: %v", sys.name, err))
				}
				r.add("fanout", sys.name, rate)
				r.add("fanout_sends", sys.name, sends)
				if sys.cluster {
					r.add("fanout_failed", sys.name, failed)
				}
			}
			if has(*workloads, "latency") {
				// A cluster runs only the light load, when there is one.
				if !sys.cluster || cfg.light == 0 {
					p50, p99, _, err := latency(ctx, sys, cfg)
					if err != nil {
						die(fmt.Errorf("%s latency: %v", sys.name, err))
					}
					r.add("latency_p50", sys.name, p50)
					r.add("latency_p99", sys.name, p99)
				}
				if cfg.light > 0 {
					light := cfg
					light.clients = cfg.light
					p50, p99, failed, err := latency(ctx, sys, light)
					if err != nil {
						die(fmt.Errorf("%s light latency: %v", sys.name, err))
					}
					r.add("light_p50", sys.name, p50)
					r.add("light_p99", sys.name, p99)
					if sys.cluster {
						r.add("light_failed", sys.name, failed)
					}
				}
			}
			if has(*workloads, "memory") && !sys.cluster {
				kib, err := memory(ctx, sys, cfg)
				if err != nil {
					die(fmt.Errorf("%s memory: %v", sys.name, err))
				}
				r.add("mem_per_session", sys.name, kib)
			}
		}
	}
	if has(*workloads, "ui") && *rows != "" {
		if err := uiBench(ctx, *rows, *vanilla, *chromium, *uiRuns, r); err != nil {
			fail(fmt.Errorf("ui: %v", err))
		}
	}
	if err := bundleSizes(r, *sioDir); err != nil {
		die(err)
	}
	if *compiler {
		if err := compilerFigures(r); err != nil {
			die(err)
		}
	}
	r.print(os.Stdout, cfg)
	if err := r.printUI(os.Stdout); err != nil {
		fail(err)
	}
}

// has reports whether the comma-separated list holds name.
func has(list, name string) bool { return slices.Contains(strings.Split(list, ","), name) }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "progbench:", err)
	os.Exit(1)
}

// ---- the clients ----

type progPeer struct{ *progclient.Session }

func (p progPeer) subscribe(ctx context.Context) error {
	_, err := p.Call(ctx, "subscribe")
	return err
}

func (p progPeer) postText(ctx context.Context, text string) error {
	_, err := p.Call(ctx, "post", text)
	return err
}

func (p progPeer) poll(ctx context.Context) ([]string, error) {
	msgs, err := p.Poll(ctx)
	texts := make([]string, len(msgs))
	for i, m := range msgs {
		if texts[i], err = m.Text(); err != nil {
			return nil, err
		}
	}
	return texts, err
}

func dialProg(ctx context.Context, url string) (func(context.Context) (peer, error), error) {
	srv, err := progclient.Dial(ctx, url)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (peer, error) {
		s, err := srv.Open(ctx)
		return progPeer{s}, err
	}, nil
}

func dialSio(ctx context.Context, url string) (func(context.Context) (peer, error), error) {
	c, err := progclient.NewClient(url)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (peer, error) { return openSio(ctx, c) }, nil
}

// ---- the workloads ----

// bench is one measurement's server and clients.
type bench struct {
	srv   *servers
	opens []func(context.Context) (peer, error) // one a process
	split bool                                  // senders on the first node, listeners on the others
	// tolerate: a post the server answers with an error is counted in
	// failed rather than ending the run (cluster mode: a send that keeps
	// failing to serialize with others).
	tolerate bool
	failed   atomic.Int64
	stop     context.CancelFunc
	ctx      context.Context
	polls    sync.WaitGroup
	polling  atomic.Int64 // poll loops started
	polled   atomic.Int64 // polls answered
	errs     chan error
}

func startBench(ctx context.Context, sys system) (*bench, error) {
	srv, err := sys.start()
	if err != nil {
		return nil, err
	}
	b := &bench{srv: srv, errs: make(chan error, 1), tolerate: sys.cluster}
	b.ctx, b.stop = context.WithCancel(ctx)
	for _, p := range srv.procs {
		open, err := sys.dial(ctx, p.URL)
		if err != nil {
			b.close()
			return nil, err
		}
		b.opens = append(b.opens, open)
	}
	return b, nil
}

func (b *bench) close() {
	b.stop()
	b.polls.Wait()
	b.srv.stop()
}

// open opens the i-th listener or sender, on its node.
func (b *bench) open(ctx context.Context, i int, sender bool) (peer, error) {
	n := len(b.opens)
	switch {
	case !b.split || n == 1:
		return b.opens[i%n](ctx)
	case sender:
		return b.opens[0](ctx)
	default:
		return b.opens[1+i%(n-1)](ctx)
	}
}

// listeners opens n subscribed clients, each polling in a goroutine of
// its own that gives every text it receives to got, and waits until
// every poll is open.
func (b *bench) listeners(n int, got func(i int, text string, at time.Time)) error {
	ps := make([]peer, n)
	err := progclient.Parallel(b.ctx, n, 64, func(i int) (err error) {
		if ps[i], err = b.open(b.ctx, i, false); err != nil {
			return err
		}
		// In cluster mode a subscribe may fail to serialize with others
		// ten times: the page would show the error; this one tries again.
		for try := 1; ; try++ {
			err = ps[i].subscribe(b.ctx)
			var ce *progclient.CallError
			if !b.tolerate || try == 10 || !errors.As(err, &ce) {
				return err
			}
		}
	})
	if err != nil {
		return err
	}
	started := b.polling.Load() + int64(n) // the memory run calls listeners twice
	for i, p := range ps {
		b.polls.Add(1)
		go func() {
			defer b.polls.Done()
			b.polling.Add(1)
			for b.ctx.Err() == nil {
				texts, err := p.poll(b.ctx)
				if err != nil {
					if b.ctx.Err() == nil {
						select {
						case b.errs <- err:
						default:
						}
					}
					return
				}
				b.polled.Add(1)
				now := time.Now()
				for _, t := range texts {
					got(i, t, now)
				}
			}
		}()
	}
	for b.polling.Load() < started {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // the last polls reach the server
	return b.err()
}

func (b *bench) err() error {
	select {
	case err := <-b.errs:
		return err
	default:
		return nil
	}
}

// post posts text from s; a post answered with an error is counted and
// reported as not sent, when the bench tolerates it.
func (b *bench) post(ctx context.Context, s peer, text string) (sent bool, err error) {
	err = s.postText(ctx, text)
	var ce *progclient.CallError
	if b.tolerate && errors.As(err, &ce) {
		b.failed.Add(1)
		return false, nil
	}
	return err == nil, err
}

func (b *bench) senders(n int) ([]peer, error) {
	ps := make([]peer, n)
	for i := range ps {
		var err error
		if ps[i], err = b.open(b.ctx, i, true); err != nil {
			return nil, err
		}
	}
	return ps, nil
}

// fanout: cfg.clients subscribed clients, cfg.senders posting as fast as
// they can for cfg.duration; it returns the deliveries per second, the
// posts (messages sent) per second, and the share of posts answered with
// an error (when the system tolerates them).
func fanout(ctx context.Context, sys system, cfg config) (rate, sends, failed float64, err error) {
	b, err := startBench(ctx, sys)
	if err != nil {
		return 0, 0, 0, err
	}
	defer b.close()
	var counting atomic.Bool
	var delivered, posted atomic.Int64
	if err := b.listeners(cfg.clients, func(int, string, time.Time) {
		if counting.Load() {
			delivered.Add(1)
		}
	}); err != nil {
		return 0, 0, 0, err
	}
	senders, err := b.senders(cfg.senders)
	if err != nil {
		return 0, 0, 0, err
	}
	pg := b.pgSnapshot(cfg)
	sctx, stop := context.WithTimeout(b.ctx, cfg.duration)
	defer stop()
	var posts errgroup.Group
	counting.Store(true)
	g := b.gauge()
	for _, s := range senders {
		posts.Go(func() error {
			for i := 0; sctx.Err() == nil; i++ {
				sent, err := b.post(sctx, s, "f"+strconv.Itoa(i))
				if err != nil && sctx.Err() == nil {
					return err
				}
				if sent && counting.Load() {
					posted.Add(1)
				}
			}
			return nil
		})
	}
	<-sctx.Done()
	counting.Store(false)
	elapsed := time.Since(g.at)
	g.report(sys.name+" fan-out", delivered.Load())
	pg.report(sys.name+" fan-out", posted.Load(), delivered.Load())
	if err := posts.Wait(); err != nil {
		return 0, 0, 0, err
	}
	// The failures counted include those of the posts that began before
	// the count: a share, not a rate.
	failed = float64(b.failed.Load()) / float64(max(posted.Load()+b.failed.Load(), 1))
	return float64(delivered.Load()) / elapsed.Seconds(), float64(posted.Load()) / elapsed.Seconds(), 100 * failed, b.err()
}

// latency: cfg.clients subscribed clients, cfg.rate messages a second
// for cfg.duration; each message carries the time it was sent. It returns
// the median and the 99th percentile of send→receive, in ms, over every
// delivery, and the share of posts answered with an error (when the
// system tolerates them, as not sent); it fails if any delivery of a
// message sent is missing.
func latency(ctx context.Context, sys system, cfg config) (p50, p99, failed float64, err error) {
	b, err := startBench(ctx, sys)
	if err != nil {
		return 0, 0, 0, err
	}
	defer b.close()
	b.split = sys.cluster                           // every message from one node to the others
	samples := make([][]time.Duration, cfg.clients) // each written by its client's poll loop
	var delivered atomic.Int64
	if err := b.listeners(cfg.clients, func(i int, text string, at time.Time) {
		if sent, err := strconv.ParseInt(strings.TrimPrefix(text, "l"), 10, 64); err == nil {
			samples[i] = append(samples[i], at.Sub(time.Unix(0, sent)))
			delivered.Add(1)
		}
	}); err != nil {
		return 0, 0, 0, err
	}
	senders, err := b.senders(cfg.senders)
	if err != nil {
		return 0, 0, 0, err
	}
	locks := make([]sync.Mutex, len(senders))
	tick := time.NewTicker(time.Second / time.Duration(cfg.rate))
	defer tick.Stop()
	var posts errgroup.Group
	total := int(cfg.duration.Seconds() * float64(cfg.rate))
	g := b.gauge()
	pg := b.pgSnapshot(cfg)
	for i := range total {
		<-tick.C
		posts.Go(func() error {
			s := i % len(senders)
			text := "l" + strconv.FormatInt(time.Now().UnixNano(), 10)
			locks[s].Lock() // one call at a time from each client
			defer locks[s].Unlock()
			_, err := b.post(b.ctx, senders[s], text)
			return err
		})
	}
	if err := posts.Wait(); err != nil {
		return 0, 0, 0, err
	}
	total -= int(b.failed.Load())
	deadline := time.Now().Add(10 * time.Second)
	for delivered.Load() < int64(total*cfg.clients) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	g.report(sys.name+" latency", delivered.Load())
	pg.report(sys.name+" latency", int64(total), delivered.Load())
	b.stop()
	b.polls.Wait()
	var all []time.Duration
	for _, s := range samples {
		all = append(all, s...)
	}
	if len(all) != total*cfg.clients {
		return 0, 0, 0, fmt.Errorf("%d deliveries of %d messages to %d clients, want %d", len(all), total, cfg.clients, total*cfg.clients)
	}
	slices.Sort(all)
	ms := func(q float64) float64 { return float64(all[int(q*float64(len(all)-1))].Microseconds()) / 1000 }
	return ms(0.5), ms(0.99), 100 * float64(b.failed.Load()) / float64(total+int(b.failed.Load())), b.err()
}

// memory: cfg.idle sessions, each subscribed and holding a poll open; it
// returns the server's resident memory per session, in KiB.
func memory(ctx context.Context, sys system, cfg config) (float64, error) {
	b, err := startBench(ctx, sys)
	if err != nil {
		return 0, err
	}
	defer b.close()
	// One session first, so that what every server has once is counted
	// before.
	if err := b.listeners(1, func(int, string, time.Time) {}); err != nil {
		return 0, err
	}
	before := progclient.RSS(b.srv.procs[0].Pid)
	if err := b.listeners(cfg.idle, func(int, string, time.Time) {}); err != nil {
		return 0, err
	}
	time.Sleep(time.Second)
	after := progclient.RSS(b.srv.procs[0].Pid)
	if before == 0 || after == 0 {
		return 0, errors.New("cannot read the server's memory")
	}
	return float64(after-before) / 1024 / float64(cfg.idle), nil
}

// gauge is what a measurement has used so far: time, the processor time
// of the server and of the load generator, and polls answered.
type gauge struct {
	b              *bench
	at             time.Time
	server, loader time.Duration
	polls          int64
}

func (b *bench) gauge() gauge {
	var server time.Duration
	for _, p := range b.srv.procs {
		server += progclient.CPU(p.Pid)
	}
	return gauge{b, time.Now(), server, progclient.CPU(0), b.polled.Load()}
}

// report prints, since g, the cores each side kept busy (near the
// machine's cores in all: the run measured the machine; the generator's
// share is the part that was not the server), the polls answered a
// second, the deliveries a poll carried, and the server's processor time
// per poll.
func (g gauge) report(what string, deliveries int64) {
	now := g.b.gauge()
	secs := now.at.Sub(g.at).Seconds()
	server, polls := now.server-g.server, now.polls-g.polls
	fmt.Fprintf(os.Stderr, "  %s: server %.2f cores, generator %.2f cores; %.0f polls/s, %.1f deliveries a poll, %.1f µs of server a poll\n",
		what, server.Seconds()/secs, (now.loader-g.loader).Seconds()/secs,
		float64(polls)/secs, float64(deliveries)/float64(max(polls, 1)), float64(server.Microseconds())/float64(max(polls, 1)))
}

// ---- sizes and the compiler ----

func gzipSize(b []byte) float64 {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(b)
	w.Close()
	return float64(buf.Len())
}

func bundleSizes(r *results, sioDir string) error {
	out, err := progclient.Generate(filepath.Join("testdata", "examples", "chat.prog"))
	if err != nil {
		return err
	}
	r.add("bundle_gz", "prog", gzipSize(out.Bundle))
	rt, err := jsclient.MinifiedRuntime()
	if err != nil {
		return err
	}
	r.add("runtime_gz", "prog", gzipSize(rt))
	ui, err := jsclient.MinifiedUI()
	if err != nil {
		return err
	}
	r.add("ui_runtime_gz", "prog", gzipSize(ui))
	if sioDir != "" {
		js, err := os.ReadFile(filepath.Join(sioDir, "node_modules", "socket.io-client", "dist", "socket.io.min.js"))
		if err != nil {
			return err
		}
		r.add("bundle_gz", "socketio", gzipSize(js))
		r.add("runtime_gz", "socketio", gzipSize(js))
	}
	return nil
}

var benchLine = regexp.MustCompile(`\s([0-9.]+) (lines/s|s/build)`)

// compilerFigures runs issue 2's front-end benchmark and the warm build
// of chat with go test, and takes their medians.
func compilerFigures(r *results) error {
	for _, b := range []struct{ metric, pkg, bench, times string }{
		{"frontend", "./pipeline", "FrontEnd", "10x"},
		{"build_chat", "./codegen", "BuildChat", "2x"},
	} {
		fmt.Fprintf(os.Stderr, "compiler: %s\n", b.bench)
		out, err := exec.Command("go", "test", b.pkg, "-run", "^$", "-bench", "^Benchmark"+b.bench+"$", "-benchtime", b.times, "-count", "5").CombinedOutput()
		if err != nil {
			return fmt.Errorf("go test %s: %v\n%s", b.pkg, err, out)
		}
		for _, m := range benchLine.FindAllStringSubmatch(string(out), -1) {
			v, _ := strconv.ParseFloat(m[1], 64)
			r.add(b.metric, "prog", v)
		}
	}
	return nil
}

// ---- results ----

type results struct {
	values map[string]map[string][]float64 // metric → system → runs
}

func newResults() *results { return &results{values: map[string]map[string][]float64{}} }

func (r *results) add(metric, sys string, v float64) {
	if r.values[metric] == nil {
		r.values[metric] = map[string][]float64{}
	}
	r.values[metric][sys] = append(r.values[metric][sys], v)
}

func (r *results) median(metric, sys string) float64 {
	vs := slices.Clone(r.values[metric][sys])
	if len(vs) == 0 {
		return math.NaN()
	}
	slices.Sort(vs)
	return vs[len(vs)/2]
}

func (cfg config) metrics() []struct{ name, unit, what string } {
	return []struct{ name, unit, what string }{
		{"fanout", "deliveries/s", fmt.Sprintf("%d polling clients, %d senders posting as fast as they can", cfg.clients, cfg.senders)},
		{"fanout_sends", "messages/s", "the same run: messages sent (each to every client; on PostgreSQL, what it sustains)"},
		{"latency_p50", "ms", fmt.Sprintf("%d clients, %d messages/s: send→receive, median", cfg.clients, cfg.rate)},
		{"latency_p99", "ms", "the same, 99th percentile"},
		{"light_p50", "ms", fmt.Sprintf("%d clients, %d messages/s: send→receive, median", cfg.light, cfg.rate)},
		{"light_p99", "ms", "the same, 99th percentile"},
		{"fanout_failed", "%", "cluster: posts of the fan-out run answered with an error (failed to serialize 10 times)"},
		{"light_failed", "%", "cluster: posts of the light latency run answered with an error, left out of its latencies"},
		{"mem_per_session", "KiB", fmt.Sprintf("%d idle sessions: server RSS per session", cfg.idle)},
		{"bundle_gz", "bytes", "chat's client bundle (socket.io: its browser client), min+gzip"},
		{"runtime_gz", "bytes", "the client runtime alone, min+gzip"},
		{"ui_runtime_gz", "bytes", "the UI parts of the client runtime (reactive.js, ui.js), min+gzip"},
		{"frontend", "lines/s", "front end on a 20,000-line program"},
		{"build_chat", "s", "warm prog build of chat"},
	}
}

func format(v float64) string {
	switch {
	case math.IsNaN(v):
		return "na"
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	default:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
}

// clusterSystems are the systems whose columns the results show only
// when they ran.
var clusterSystems = []string{"prog-cluster1", "prog-cluster2", "prog-cluster3"}

func (r *results) print(w *os.File, cfg config) {
	metrics := cfg.metrics()
	var extra []string // the cluster systems that ran
	for _, c := range clusterSystems {
		if len(r.values["fanout"][c])+len(r.values["light_p99"][c]) > 0 {
			extra = append(extra, c)
		}
	}
	fmt.Fprintf(w, "\n%-16s %12s %12s %12s %12s", "metric", "prog", "prog-pg", "floor", "socketio")
	for _, c := range extra {
		fmt.Fprintf(w, " %13s", c)
	}
	fmt.Fprintf(w, "  %-13s %s\n", "unit", "what (median of the runs)")
	for _, m := range metrics {
		if r.values[m.name] == nil {
			continue
		}
		fmt.Fprintf(w, "%-16s %12s %12s %12s %12s", m.name,
			format(r.median(m.name, "prog")), format(r.median(m.name, "prog-pg")), format(r.median(m.name, "floor")), format(r.median(m.name, "socketio")))
		for _, c := range extra {
			fmt.Fprintf(w, " %13s", format(r.median(m.name, c)))
		}
		fmt.Fprintf(w, "  %-13s %s\n", m.unit, m.what)
	}
	if len(extra) > 0 {
		fmt.Fprintf(w, "\nprog-clusterN: N chat nodes with --cluster on one PostgreSQL database, median of %d runs, fan-out and light latency only; each client pinned to one node: round robin in the fan-out, senders on the first node and listeners on the others in the latency run (with 1 node, all on it)\n", min(cfg.clusterRuns, cfg.runs))
	}
	fmt.Fprintf(w, "\nratios: fanout prog/socketio %.2f (goal ≥ 3), prog/floor %.2f (goal ≥ 0.7); latency_p99 prog/floor %.2f (goal ≤ 1.5, and ≤ 10 ms), light_p99 prog/floor %.2f; mem_per_session prog/floor %.2f (goal ≤ 1.2)\n\n",
		r.median("fanout", "prog")/r.median("fanout", "socketio"), r.median("fanout", "prog")/r.median("fanout", "floor"),
		r.median("latency_p99", "prog")/r.median("latency_p99", "floor"), r.median("light_p99", "prog")/r.median("light_p99", "floor"),
		r.median("mem_per_session", "prog")/r.median("mem_per_session", "floor"))
	fmt.Fprintf(w, "on PostgreSQL: fanout prog-pg/floor %.2f, latency_p99 prog-pg/floor %.2f, light_p99 prog-pg/floor %.2f\n\n",
		r.median("fanout", "prog-pg")/r.median("fanout", "floor"), r.median("latency_p99", "prog-pg")/r.median("latency_p99", "floor"),
		r.median("light_p99", "prog-pg")/r.median("light_p99", "floor"))
	if len(extra) > 0 {
		fmt.Fprintf(w, "in cluster mode: fanout prog-cluster1/prog-pg %.2f (goal ≥ 0.5); cross-node light_p99 prog-cluster2 %s ms, prog-cluster3 %s ms (goal ≤ 50)\n\n",
			r.median("fanout", "prog-cluster1")/r.median("fanout", "prog-pg"), format(r.median("light_p99", "prog-cluster2")), format(r.median("light_p99", "prog-cluster3")))
	}
	for _, m := range metrics {
		if r.values[m.name] == nil {
			continue
		}
		fmt.Fprintf(w, "bench: %s prog=%s prog-pg=%s floor=%s socketio=%s", m.name,
			format(r.median(m.name, "prog")), format(r.median(m.name, "prog-pg")), format(r.median(m.name, "floor")), format(r.median(m.name, "socketio")))
		for _, c := range extra {
			fmt.Fprintf(w, " %s=%s", c, format(r.median(m.name, c)))
		}
		fmt.Fprintf(w, " unit=%s\n", m.unit)
	}
}
