package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"reflect"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Config is what a server's flags set.
type Config struct {
	DB            string        // a SQLite file, or a postgres:// URL
	ClientTimeout time.Duration // a client without a push request this long is collected
	PollTimeout   time.Duration // a push request with nothing to say answers after this long
	PushOrigin    string        // another origin for push requests, or ""
	MaxBody       int64         // the largest remote-call body, in bytes
	Limits                      // what one session's queue may hold
	Log           *slog.Logger

	// What protects the server (conns.go, hosts.go, ratelimit.go); zero
	// values are the defaults.
	BodyTimeout  time.Duration // a request's headers and body must arrive within this long
	WriteTimeout time.Duration // an answer must be written within this long beyond the poll timeout
	IdleTimeout  time.Duration // an idle keep-alive connection is closed after this long
	MaxConns     int           // the open connections at most; 0: from the open-file limit
	AllowHosts   []string      // the Host names answered (see newHostPolicy); empty: any
	SessionRate  int           // new sessions a minute from one address (IPv6: one /64); < 0: no limit
}

// The defaults of the bounds a Config leaves at zero.
const (
	defaultMaxBody    = 1 << 20
	defaultQueueMsgs  = 10000
	defaultQueueBytes = 4 << 20
)

// Server serves one program.
type Server struct {
	prog   *Program
	cfg    Config
	db     *database
	log    *slog.Logger
	bundle string // the bundle's path, /name.hash.js

	mu       sync.Mutex
	sessions map[string]*session // by id
	owners   map[int64]*session  // channel id → owner
	clients  atomic.Int64        // the last client number given
	nextChan atomic.Int64
	base     int64         // the first id of this run, less one
	gapWait  time.Duration // how long a call waits for smaller ids
	retries  atomic.Int64  // transactions run again after failing to serialize

	done    chan struct{} // closed at shutdown: push requests answer at once
	stopped sync.Once
	tasks   sync.WaitGroup

	// What protects the server: conns.go, hosts.go, ratelimit.go.
	hosts       hostPolicy
	pageHosts   pageHosts // with --push-origin
	newSessions *sessionLimiter
	conns       *connGuard
	httpMu      sync.Mutex
	servers     []*http.Server // what Serve serves, for Shutdown
	shutDown    bool
}

// NewServer opens the database, makes the tables and forgets the clients
// of a previous run (they are gone: their rows are deleted or nulled).
func NewServer(ctx context.Context, p *Program, cfg Config) (*Server, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = defaultMaxBody
	}
	if cfg.QueueMsgs <= 0 {
		cfg.QueueMsgs = defaultQueueMsgs
	}
	if cfg.QueueBytes <= 0 {
		cfg.QueueBytes = defaultQueueBytes
	}
	if cfg.SessionRate == 0 {
		cfg.SessionRate = defaultSessionRate
	}
	cfg.connDefaults()
	hosts, err := newHostPolicy(cfg.AllowHosts, cfg.PushOrigin)
	if err != nil {
		return nil, err
	}
	db, err := openDB(ctx, cfg.DB, p.Tables)
	if err != nil {
		return nil, err
	}
	run, err := db.nextRun(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("numbering this run in the database: %v", err)
	}
	s := &Server{
		prog:     p,
		cfg:      cfg,
		db:       db,
		log:      cfg.Log,
		sessions: map[string]*session{},
		owners:   map[int64]*session{},
		gapWait:  gapWait,
		done:     make(chan struct{}),

		hosts:       hosts,
		newSessions: newSessionLimiter(cfg.SessionRate),
		conns:       newConnGuard(cfg.MaxConns, cfg.Log),
	}
	// Ids of clients and channels start at run·2^32: they never repeat
	// an earlier run's, and stay below 2^53, exact in JavaScript.
	s.base = (run % (1 << 20)) << 32
	s.clients.Store(s.base)
	s.nextChan.Store(s.base)
	sum := sha256.Sum256(p.Bundle)
	s.bundle = "/" + p.Name + "." + hex.EncodeToString(sum[:6]) + ".js"
	tx, err := db.begin(ctx)
	if err == nil {
		err = db.forget(ctx, tx, p.Tables, true, nil, nil)
		if err == nil {
			err = tx.Commit()
		} else {
			tx.Rollback()
		}
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Start runs the tasks and the collector until Close.
func (s *Server) Start() {
	for _, e := range s.prog.Every {
		s.goTask(e.Period, func() {
			s.run(context.Background(), nil, func(x *Ctx) any { e.Run(x); return nil })
		})
	}
	period := min(max(s.cfg.ClientTimeout/4, 10*time.Millisecond), time.Second)
	s.goTask(period, s.collect)
	s.goTask(sweepPeriod, func() { s.newSessions.sweep(time.Now()) })
}

func (s *Server) goTask(period time.Duration, f func()) {
	s.tasks.Add(1)
	go func() {
		defer s.tasks.Done()
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-s.done:
				return
			case <-t.C:
				f()
			}
		}
	}()
}

// Halt stops the tasks and answers the open push requests at once; remote
// calls still run. Shutdown calls it before waiting for the handlers.
func (s *Server) Halt() {
	s.stopped.Do(func() { close(s.done) })
	s.tasks.Wait()
}

// Close halts the server and closes the database.
func (s *Server) Close() error {
	s.Halt()
	return s.db.Close()
}

// owner returns the client that owns a channel, or 0 once it is gone.
func (s *Server) owner(ch int64) Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.owners[ch]; o != nil {
		return o.client
	}
	return 0
}

// maxAttempts bounds the runs of a call whose transaction keeps failing
// to serialize with others.
const maxAttempts = 10

// run runs body in one transaction for session self (nil for a task).
// It commits, then delivers the sends; on a runtime error it rolls back
// and drops them. A transaction that fails to serialize with another
// (PostgreSQL) runs again from the start, after a random pause that grows
// with each attempt; only the sends of the run that commits are
// delivered. It returns the result in wire form, or the error.
func (s *Server) run(ctx context.Context, self *session, body func(x *Ctx) any) ([]byte, error) {
	for attempt := 1; ; attempt++ {
		result, err := s.attempt(ctx, self, body)
		var dbErr *dbError
		if err == nil || !errors.As(err, &dbErr) || !retryable(dbErr.err) || attempt == maxAttempts {
			return result, err
		}
		s.retries.Add(1)
		s.log.Debug("retrying a transaction", "attempt", attempt, "err", err)
		pause := time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 8)))
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return nil, err
		}
	}
}

// attempt is one run of body in a transaction.
func (s *Server) attempt(ctx context.Context, self *session, body func(x *Ctx) any) (result []byte, err error) {
	x := &Ctx{srv: s, self: self, ctx: ctx}
	defer func() {
		if r := recover(); r != nil {
			if x.tx != nil {
				x.tx.Rollback()
			}
			switch e := r.(type) {
			case *Error:
				err = e
			case *dbError:
				err = e
			default:
				s.log.Error("panic in program", "panic", r, "stack", string(debug.Stack()))
				err = &Error{Msg: fmt.Sprint(r)}
			}
			result = nil
		}
	}()
	v := body(x)
	// Register the new channels before encoding, so that the result
	// names their owner.
	if len(x.chans) > 0 {
		s.mu.Lock()
		if self.gone {
			s.mu.Unlock()
			Fail("the client was collected during the call")
		}
		for _, c := range x.chans {
			s.owners[c] = self
		}
		s.mu.Unlock()
	}
	e := encoder{owner: s.owner}
	if v != nil {
		e.encode(reflect.ValueOf(v))
	}
	if x.tx != nil {
		if err := x.tx.Commit(); err != nil {
			x.tx = nil
			s.dropChans(x.chans)
			failDB(fmt.Errorf("commit: %w", err))
		}
	}
	if self != nil && len(x.chans) > 0 {
		self.mu.Lock()
		self.chans = append(self.chans, x.chans...)
		self.mu.Unlock()
	}
	owners := make([]*session, len(x.sends))
	if len(x.sends) > 0 {
		s.mu.Lock()
		for i, m := range x.sends {
			owners[i] = s.owners[m.ch]
		}
		s.mu.Unlock()
	}
	for i, m := range x.sends {
		if o := owners[i]; o != nil && o.enqueue(m.ch, m.v, s.cfg.Limits) {
			s.log.Warn("client ended: its page fell behind", "client", o.client, "limit_msgs", s.cfg.QueueMsgs, "limit_bytes", s.cfg.QueueBytes)
		}
	}
	return e.buf.Bytes(), nil
}

func (s *Server) dropChans(chans []int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range chans {
		delete(s.owners, c)
	}
}

// collect ends the sessions whose client timed out or fell behind: on
// leave runs, then their rows are deleted or nulled, and their queues
// dropped.
func (s *Server) collect() {
	now := time.Now()
	var gone []*session
	s.mu.Lock()
	for id, ss := range s.sessions {
		ss.mu.Lock()
		if ss.ended != "" || ss.polling == 0 && now.Sub(ss.lastSeen) > s.cfg.ClientTimeout {
			ss.gone = true
			ss.queue = nil
			gone = append(gone, ss)
			delete(s.sessions, id)
			for _, c := range ss.chans {
				delete(s.owners, c)
			}
		}
		ss.mu.Unlock()
	}
	s.mu.Unlock()
	for _, ss := range gone {
		reason := ss.ended
		if reason == "" {
			reason = "no push request for the client timeout"
		}
		s.log.Info("client collected", "client", ss.client, "reason", reason)
		_, err := s.run(context.Background(), nil, func(x *Ctx) any {
			for _, leave := range s.prog.Leave {
				leave(x, ss.client)
			}
			if err := s.db.forget(x.ctx, x.begin(), s.prog.Tables, false, []int64{int64(ss.client)}, ss.chans); err != nil {
				failDB(err)
			}
			return nil
		})
		if err != nil {
			s.log.Error("collecting a client", "client", ss.client, "err", err)
		}
	}
}
