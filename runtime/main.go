package runtime

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

// Main is the main function of a generated server: it reads the flags,
// serves the program until SIGINT or SIGTERM, then shuts down gracefully.
func Main(p *Program) {
	if err := Run(p, os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", p.Name, err)
		os.Exit(1)
	}
}

// Run is Main with its arguments, returning instead of exiting.
func Run(p *Program, args []string) error {
	fs := flag.NewFlagSet(p.Name, flag.ContinueOnError)
	addr := fs.String("addr", "localhost:8080", "the address to listen on (host:port; port 0 picks a free one)")
	db := fs.String("db", defaultDB(p.Name), "the database: a SQLite file, or postgres://user:password@host/name for PostgreSQL")
	clientTimeout := fs.Duration("client-timeout", 60*time.Second, "collect a client after this long without a push request")
	pollTimeout := fs.Duration("poll-timeout", 25*time.Second, "answer an idle push request after this long")
	leaveGrace := fs.Duration("leave-grace", defaultLeaveGrace, "collect a client whose page closed its push request and made no new one for this long")
	pushOrigin := fs.String("push-origin", "", "an origin (https://push.example.com) for push requests, if not the page's")
	maxBody := fs.Int64("max-body", defaultMaxBody, "the largest remote-call request body, in bytes")
	queueMsgs := fs.Int("queue-msgs", defaultQueueMsgs, "end a page that has more messages than this waiting for it")
	queueBytes := fs.Int("queue-bytes", defaultQueueBytes, "end a page that has more bytes of messages than this waiting for it")
	bodyTimeout := fs.Duration("body-timeout", defaultBodyTimeout, "close a connection whose request (headers and body) has not all arrived after this long")
	writeTimeout := fs.Duration("write-timeout", defaultWriteTimeout, "close a connection whose answer is not written this long after the poll timeout")
	idleTimeout := fs.Duration("idle-timeout", defaultIdleTimeout, "close a keep-alive connection idle this long")
	maxConns := fs.Int("max-conns", defaultMaxConns(), "the open connections at most (the default is from the open-file limit); at the cap the oldest idle or unfinished one is closed")
	var allowHosts hostList
	fs.Var(&allowHosts, "allow-host", "answer requests for this host (a name, *.name, an IP address or range, or *; repeatable; default: on loopback the loopback names, else any)")
	sessionRate := fs.Int("session-rate", defaultSessionRate, "new sessions a minute from one address (IPv6: one /64); 0: no limit")
	var trustProxies hostList
	fs.Var(&trustProxies, "trust-proxy", "a reverse proxy in front of the server (an IP address or range; repeatable): from it, the client's address is read from X-Forwarded-For")
	dbConns := fs.Int("db-conns", defaultDBConns(), "PostgreSQL: the connections the server opens at most for calls and tasks; it keeps 1 more of its own (3 in cluster mode)")
	clusterMode := fs.Bool("cluster", false, "share sessions with the other servers started with --cluster on the same PostgreSQL --db (docs/SCALING.md)")
	verbose := fs.Bool("v", false, "log every session")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file until shutdown (go tool pprof reads it)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *clientTimeout <= 0 || *pollTimeout <= 0 || *leaveGrace <= 0 || *bodyTimeout <= 0 || *writeTimeout <= 0 || *idleTimeout <= 0 {
		return errors.New("timeouts must be positive")
	}
	if *maxBody <= 0 || *queueMsgs <= 0 || *queueBytes <= 0 || *maxConns <= 0 || *dbConns <= 0 {
		return errors.New("--max-body, --queue-msgs, --queue-bytes, --max-conns and --db-conns must be positive")
	}
	if *sessionRate < 0 {
		return errors.New("--session-rate must be 0 (no limit) or more")
	}
	rate := *sessionRate
	if rate == 0 {
		rate = -1 // Config's "no limit"
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Listen first: the hosts a server answers by default depend on
	// the address it listens on.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	if len(allowHosts) == 0 {
		allowHosts = defaultAllowHosts(ln.Addr())
		if a, ok := ln.Addr().(*net.TCPAddr); ok && a.IP.IsUnspecified() {
			// Reachable at 127.0.0.1 too: a page whose name points
			// there (DNS rebinding) would be answered.
			log.Warn("listening on every address without --allow-host: any host name is answered, also from a browser on this machine; name the server's hosts with --allow-host", "addr", ln.Addr().String())
		}
	}
	srv, err := NewServer(ctx, p, Config{
		DB: *db, ClientTimeout: *clientTimeout, PollTimeout: *pollTimeout, LeaveGrace: *leaveGrace,
		PushOrigin: *pushOrigin, MaxBody: *maxBody, Limits: Limits{QueueMsgs: *queueMsgs, QueueBytes: *queueBytes},
		Log: log, Cluster: *clusterMode, DBConns: *dbConns,
		BodyTimeout: *bodyTimeout, WriteTimeout: *writeTimeout, IdleTimeout: *idleTimeout, MaxConns: *maxConns,
		AllowHosts: allowHosts, SessionRate: rate, TrustProxies: trustProxies,
	})
	if err != nil {
		ln.Close()
		return err
	}
	srv.Start()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving", "program", p.Name, "url", "http://"+ln.Addr().String()+"/", "db", redact(*db),
		"max_conns", *maxConns, "allow_hosts", cmp.Or(strings.Join(allowHosts, " "), "any"))
	// The line tests and `prog run` look for.
	fmt.Fprintf(os.Stdout, "serving %s at http://%s/\n", p.Name, ln.Addr())

	select {
	case err := <-errc:
		srv.Close()
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdown)
	return errors.Join(err, srv.Close())
}

// hostList is the repeatable --allow-host.
type hostList []string

func (h *hostList) String() string { return strings.Join(*h, " ") }

func (h *hostList) Set(v string) error {
	*h = append(*h, v)
	return nil
}

// defaultDB is name.db beside the binary.
func defaultDB(name string) string {
	exe, err := os.Executable()
	if err != nil {
		return name + ".db"
	}
	return filepath.Join(filepath.Dir(exe), name+".db")
}
