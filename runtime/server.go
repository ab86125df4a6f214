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
	LeaveGrace    time.Duration // a client whose page closed its push request without a new one this long is collected
	MaxBody       int64         // the largest remote-call body, in bytes
	Limits                      // what one session's queue may hold
	Log           *slog.Logger
	Cluster       bool // share sessions with the other servers on this PostgreSQL database (cluster.go)
	DBConns       int  // PostgreSQL: the connections of calls and tasks at most; 0: defaultDBConns

	// What protects the server (conns.go, hosts.go, ratelimit.go); zero
	// values are the defaults.
	BodyTimeout  time.Duration // a request's headers and body must arrive within this long
	WriteTimeout time.Duration // an answer must be written within this long beyond the poll timeout
	IdleTimeout  time.Duration // an idle keep-alive connection is closed after this long
	MaxConns     int           // the open connections at most; 0: from the open-file limit
	AllowHosts   []string      // the Host names answered (see newHostPolicy); empty: any (Run gives loopback names on loopback)
	SessionRate  int           // new sessions a minute from one address (IPv6: one /64); 0: the default (600); < 0: no limit
	TrustProxies []string      // the reverse proxies (addresses, ranges) whose X-Forwarded-For names the client (proxy.go)
}

// The defaults of the bounds a Config leaves at zero.
const (
	defaultMaxBody    = 1 << 20
	defaultQueueMsgs  = 10000
	defaultQueueBytes = 4 << 20
	defaultLeaveGrace = 10 * time.Second
)

// Server serves one program.
type Server struct {
	prog   *Program
	cfg    Config
	db     *database
	log    *slog.Logger
	bundle string // the bundle's path, /name.BUILD.js
	build  string // the bundle's content hash: which build of the program this server runs (skew.go)

	mu       sync.Mutex
	sessions map[string]*session // by id
	owners   map[int64]*session  // channel id → owner
	clients  atomic.Int64        // the last client number given
	nextChan atomic.Int64
	base     int64         // the first id of this run, less one
	gapWait  time.Duration // how long a call waits for smaller ids
	retries  atomic.Int64  // transactions run again after failing to serialize
	txFuncs  sync.Map      // remote function name → true: it ran more than one statement (runCall)
	cluster  *cluster      // with --cluster: where sessions live instead of sessions and owners

	stopped  sync.Once
	quit     chan struct{} // closed to stop the tasks and the collector
	quitOnce sync.Once
	tasks    sync.WaitGroup
	ctx      context.Context // the tasks', the collector's and the push requests'; ended by Halt
	cancel   context.CancelFunc

	// The collector: collectNow asks it to run at once (a page said it
	// closed); leaving holds the clients whose collection has not yet
	// committed, for the next run, while the database is unavailable.
	collectNow chan struct{}
	collectMu  sync.Mutex
	leaving    []*leaving
	departed   []*leaving // pages that said they closed, for the collector; under mu
	collectLog errorLog
	leaveLogs  []errorLog // one for each on leave handler

	now   func() time.Time // time.Now; tests move it on
	hooks hooks

	// What protects the server: conns.go, hosts.go, ratelimit.go, proxy.go.
	hosts       hostPolicy
	pageHosts   pageHosts // with --push-origin
	newSessions *sessionLimiter
	proxies     proxyPolicy
	conns       *connGuard
	httpMu      sync.Mutex
	servers     []*http.Server // what Serve serves, for Shutdown
	shutDown    bool
}

// hooks tell tests what the server is doing, so that they can wait for it
// instead of sleeping and hoping. A real server has none.
type hooks struct {
	pollWaits    func()           // a push request found nothing to answer and waits
	pollEnds     func(cut bool)   // a push request is done; cut: the page closed it
	callWaits    func(id int64)   // a remote call waits for the calls before it
	callRepeated func(id int64)   // a call id came again, and waits for the first run's answer
	collected    func(c Client)   // a collected client's rows are gone
	sendsWritten func(sid string) // cluster mode: a call of session sid wrote its sends, and commits next
}

// fillDefaults fills in what a Config leaves at zero.
func (c *Config) fillDefaults() {
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.MaxBody <= 0 {
		c.MaxBody = defaultMaxBody
	}
	if c.QueueMsgs <= 0 {
		c.QueueMsgs = defaultQueueMsgs
	}
	if c.QueueBytes <= 0 {
		c.QueueBytes = defaultQueueBytes
	}
	if c.LeaveGrace <= 0 {
		c.LeaveGrace = defaultLeaveGrace
	}
	if c.SessionRate == 0 {
		c.SessionRate = defaultSessionRate
	}
	if c.BodyTimeout <= 0 {
		c.BodyTimeout = defaultBodyTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = defaultIdleTimeout
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = defaultWriteTimeout
	}
	if c.MaxConns <= 0 {
		c.MaxConns = defaultMaxConns()
	}
}

// NewServer opens the database, makes the tables and forgets the clients
// of a previous run (they are gone: their rows are deleted or nulled).
func NewServer(ctx context.Context, p *Program, cfg Config) (*Server, error) {
	cfg.fillDefaults()
	hosts, err := newHostPolicy(cfg.AllowHosts, cfg.PushOrigin)
	if err != nil {
		return nil, err
	}
	proxies, err := newProxyPolicy(cfg.TrustProxies)
	if err != nil {
		return nil, err
	}
	if err := checkCluster(cfg); err != nil {
		return nil, err
	}
	if cfg.Cluster {
		// Nodes start one at a time: two making a table at once collide
		// in PostgreSQL's catalog.
		done, err := startAlone(ctx, cfg.DB)
		if err != nil {
			return nil, fmt.Errorf("open the database %s: %v", redact(cfg.DB), err)
		}
		defer done()
	}
	db, err := openDB(ctx, cfg.DB, cfg.Cluster, cfg.DBConns, p.Tables, cfg.Log)
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
		quit:     make(chan struct{}),

		collectNow: make(chan struct{}, 1),
		leaveLogs:  make([]errorLog, len(p.Leave)),
		now:        time.Now,

		hosts:       hosts,
		newSessions: newSessionLimiter(cfg.SessionRate),
		proxies:     proxies,
		conns:       newConnGuard(cfg.MaxConns, cfg.Log),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	// Ids of clients and channels start at run·2^32: they never repeat
	// an earlier run's, and stay below 2^53, exact in JavaScript.
	s.base = (run % (1 << 20)) << 32
	s.clients.Store(s.base)
	s.nextChan.Store(s.base)
	sum := sha256.Sum256(p.Bundle)
	s.build = hex.EncodeToString(sum[:6])
	s.bundle = "/" + p.Name + "." + s.build + ".js"
	if cfg.Cluster {
		// A node clears nothing: the sessions in the tables are the
		// other nodes' too.
		if s.cluster, err = newCluster(ctx, s, run); err != nil {
			db.Close()
			return nil, err
		}
		return s, nil
	}
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
		log := &errorLog{}
		s.goTask(e.Period, func() {
			if s.cluster != nil && !s.cluster.taskTurn(s.ctx, e) {
				return // another node runs it this time
			}
			_, err := s.run(s.ctx, nil, func(x *Ctx) any { e.Run(x); return nil })
			if err != nil && s.ctx.Err() == nil {
				log.log(s.log, "task failed", "task", "every "+e.Period.String(), "pos", e.Pos, "err", err)
			}
		}, nil, nil)
	}
	period := s.collectPeriod()
	if s.cluster != nil {
		s.startCluster(period)
	} else {
		s.goTask(period, s.collect, s.collectNow, func() { s.collectSome(false) })
	}
	s.goTask(sweepPeriod, func() { s.newSessions.sweep(time.Now()) }, nil, nil)
}

// collectPeriod is how often the collector runs: often enough to collect
// a client within a quarter of its timeout or leave grace. In cluster
// mode, a node writes down what its push requests did as often.
func (s *Server) collectPeriod() time.Duration {
	return min(max(min(s.cfg.ClientTimeout, s.cfg.LeaveGrace)/4, 10*time.Millisecond), time.Second)
}

// goTask runs f every period, and onWake when wake has a value, until
// Halt.
func (s *Server) goTask(period time.Duration, f func(), wake <-chan struct{}, onWake func()) {
	s.tasks.Add(1)
	go func() {
		defer s.tasks.Done()
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-s.quit:
				return
			case <-t.C:
				f()
			case <-wake:
				onWake()
			}
		}
	}()
}

// errorLogEvery is how often errorLog lets a line through.
const errorLogEvery = 10 * time.Second

// errorLog logs the errors of one source (a task, an on leave handler, the
// collector) at most once every interval, counting the lines it held back:
// a task that fails every 10 ms must not flood the log.
type errorLog struct {
	mu   sync.Mutex
	last time.Time
	held int
}

func (l *errorLog) log(log *slog.Logger, msg string, args ...any) {
	l.mu.Lock()
	now := time.Now()
	if !l.last.IsZero() && now.Sub(l.last) < errorLogEvery {
		l.held++
		l.mu.Unlock()
		return
	}
	held := l.held
	l.last, l.held = now, 0
	l.mu.Unlock()
	if held > 0 {
		args = append(args, "held_back", held)
	}
	log.Error(msg, args...)
}

// Halt stops the tasks and answers the open push requests at once; remote
// calls still run. Shutdown calls it before waiting for the handlers.
func (s *Server) Halt() {
	// Push requests answer at once; a task waiting on the database
	// gives up.
	s.stopped.Do(s.cancel)
	s.stopTasks()
}

// stopTasks stops the tasks and the collector, and waits for them.
func (s *Server) stopTasks() {
	s.quitOnce.Do(func() { close(s.quit) })
	s.tasks.Wait()
}

// Close halts the server and closes the database.
func (s *Server) Close() error {
	s.Halt()
	if s.cluster != nil {
		s.cluster.close()
	}
	return s.db.Close()
}

// owner returns the client that owns a channel, or 0 once it is gone.
func (s *Server) owner(ch int64) Client {
	if s.cluster != nil {
		return s.cluster.owner(ch)
	}
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
// (PostgreSQL), or that found the database unavailable before it
// committed (a connection PostgreSQL had closed, a restart), runs again
// from the start, after a random pause that grows with each attempt; only
// the sends of the run that commits are delivered. A commit that fails
// for want of the database is not run again: it may have committed. It
// returns the result in wire form, or the error.
func (s *Server) run(ctx context.Context, self *session, body func(x *Ctx) any) ([]byte, error) {
	return s.runCall(ctx, self, "", body)
}

// runCall is run for remote function fn ("" for a task or handler). A
// call whose first statement is a select runs that statement outside a
// transaction: alone, it is atomic and isolated by itself. If a second
// statement follows, that run is dropped before the statement runs (it
// has written nothing and delivered nothing) and the call runs again in
// a transaction, as does every later call of fn (s.txFuncs).
func (s *Server) runCall(ctx context.Context, self *session, fn string, body func(x *Ctx) any) ([]byte, error) {
	bare := false
	if fn != "" && s.cluster == nil {
		_, multi := s.txFuncs.Load(fn)
		bare = !multi
	}
	for attempt := 1; ; attempt++ {
		result, err := s.attempt(ctx, self, bare, body)
		if _, ok := err.(needTx); ok {
			s.txFuncs.Store(fn, true)
			bare = false
			attempt--
			continue
		}
		var dbErr *dbError
		if err == nil || !errors.As(err, &dbErr) || attempt == maxAttempts ||
			!retryable(dbErr.err) && (dbErr.commit || !unavailable(dbErr.err)) {
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

// attempt is one run of body in a transaction (when bare, its first
// statement, if a select, outside one; see runCall).
func (s *Server) attempt(ctx context.Context, self *session, bare bool, body func(x *Ctx) any) (result []byte, err error) {
	x := &Ctx{srv: s, self: self, ctx: ctx, bare: bare}
	defer func() {
		if r := recover(); r != nil {
			if x.bareRows != nil {
				x.bareRows.Close()
			}
			if x.tx != nil {
				x.tx.Rollback()
			}
			switch e := r.(type) {
			case needTx:
				err = e
			case *Error:
				err = e
			case *dbError:
				err = e
			default:
				s.log.Error("panic in program", "panic", r, "stack", string(debug.Stack()))
				err = &internalError{r}
			}
			result = nil
		}
	}()
	v := body(x)
	if x.bareRows != nil {
		x.bareRows.Close() // read to its end already, unless the body stopped early
	}
	if s.cluster != nil {
		return s.clusterCommit(x, v), nil
	}
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
			panic(&dbError{err: fmt.Errorf("commit: %w", err), commit: true})
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

// internalError is a panic that is not a Prog runtime error: a bug in the
// runtime or the compiler. Its text stays in the server log.
type internalError struct{ panic any }

func (e *internalError) Error() string { return fmt.Sprintf("internal error: %v", e.panic) }

// A leaving client is one being collected. Each of its on leave handlers
// runs in a transaction of its own, then its rows are deleted or nulled in
// another; next is the next handler to run. A step that finds the
// database unavailable is tried again on the collector's next run, so a
// client collected while the database is down loses its rows, and its
// on leave runs, once the database answers again.
type leaving struct {
	ss     *session
	reason string
	next   int
}

// collect ends the sessions whose page went away (no push request for the
// client timeout, a push request closed by the page and not renewed within
// the leave grace, a page that said it closed) or fell behind, and
// collects their clients: on leave runs, then their rows go.
func (s *Server) collect() { s.collectSome(true) }

// collectSome collects the pages that said they closed, and when full is
// set every other page that went away (a scan of every session, which the
// collector makes on its ticks, not each time a page closes).
func (s *Server) collectSome(full bool) {
	s.collectMu.Lock()
	defer s.collectMu.Unlock()
	for _, l := range s.expire(s.now(), full) {
		s.log.Info("client collected", "client", l.ss.client, "reason", l.reason)
		s.leaving = append(s.leaving, l)
	}
	kept := s.leaving[:0]
	for i, l := range s.leaving {
		err := s.forgetClient(l)
		switch {
		case err == nil:
		case s.ctx.Err() != nil: // shutting down: what is left waits
			kept = append(kept, s.leaving[i:]...)
		case dbUnavailable(err):
			// The rest would fail the same way: they wait for the next run.
			kept = append(kept, s.leaving[i:]...)
			s.collectLog.log(s.log, "collecting clients: the database is unavailable; trying again", "clients", len(kept), "err", err)
		default:
			// Not the database's absence: trying again would fail again.
			s.collectLog.log(s.log, "collecting a client failed; its rows stay", "client", l.ss.client, "err", err)
			continue
		}
		if err != nil {
			break
		}
	}
	clear(s.leaving[len(kept):])
	s.leaving = kept
}

// dbUnavailable reports whether err is a database failure that says the
// database is unavailable; a program's runtime error never is, whatever
// its text.
func dbUnavailable(err error) bool {
	var db *dbError
	return errors.As(err, &db) && unavailable(db.err)
}

// expire takes the sessions to collect out of the server, so that no new
// call or push finds them and no send reaches them: those whose page said
// it closed, and, on a full scan, every session whose page went away.
func (s *Server) expire(now time.Time, full bool) []*leaving {
	s.mu.Lock()
	defer s.mu.Unlock()
	gone := s.departed
	s.departed = nil
	if !full {
		return gone
	}
	for id, ss := range s.sessions {
		ss.mu.Lock()
		reason := ss.ended
		switch {
		case reason != "" || ss.polling > 0:
		case now.Sub(ss.lastSeen) > s.cfg.ClientTimeout:
			reason = "no push request for the client timeout"
		case !ss.cutAt.IsZero() && now.Sub(ss.cutAt) > s.cfg.LeaveGrace:
			reason = "the page closed its push request and made no new one within the leave grace"
		}
		if reason != "" {
			gone = append(gone, s.removeLocked(id, ss, reason))
		}
		ss.mu.Unlock()
	}
	return gone
}

// removeLocked takes session ss, with id, out of the server for the
// collector. s.mu and ss.mu are held.
func (s *Server) removeLocked(id string, ss *session, reason string) *leaving {
	ss.gone = true
	ss.queue = nil
	ss.wakeLocked()
	delete(s.sessions, id)
	for _, c := range ss.chans {
		delete(s.owners, c)
	}
	return &leaving{ss: ss, reason: reason}
}

// forgetClient runs what is left of l's collection. A runtime error in an
// on leave handler is logged and does not stop the collection; only an
// unavailable database makes it stop, to go on later.
func (s *Server) forgetClient(l *leaving) error {
	c := l.ss.client
	for ; l.next < len(s.prog.Leave); l.next++ {
		h := s.prog.Leave[l.next]
		_, err := s.run(s.ctx, nil, func(x *Ctx) any { h.Run(x, c); return nil })
		var db *dbError
		if errors.As(err, &db) && db.commit {
			// It may have committed: running it again could do it twice.
			s.leaveLogs[l.next].log(s.log, "on leave's commit failed; it may have run, and does not run again", "pos", h.Pos, "client", c, "err", err)
			continue
		}
		if err != nil && (dbUnavailable(err) || s.ctx.Err() != nil) {
			return err
		}
		if err != nil {
			s.leaveLogs[l.next].log(s.log, "on leave failed; the client's rows go all the same", "pos", h.Pos, "client", c, "err", err)
		}
	}
	_, err := s.run(s.ctx, nil, func(x *Ctx) any {
		if err := s.db.forget(x.ctx, x.begin(), s.prog.Tables, false, []int64{int64(c)}, l.ss.chans); err != nil {
			failDB(err)
		}
		return nil
	})
	if err == nil && s.hooks.collected != nil {
		s.hooks.collected(c)
	}
	return err
}
