package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"reflect"
	"runtime/debug"
	"strconv"
	"strings"
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
	Log           *slog.Logger
}

// maxBody bounds a remote call's request body.
const maxBody = 1 << 20

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
	base     int64        // the first id of this run, less one
	retries  atomic.Int64 // transactions run again after failing to serialize

	done    chan struct{} // closed at shutdown: push requests answer at once
	stopped sync.Once
	tasks   sync.WaitGroup
}

// NewServer opens the database, makes the tables and forgets the clients
// of a previous run (they are gone: their rows are deleted or nulled).
func NewServer(ctx context.Context, p *Program, cfg Config) (*Server, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
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
		done:     make(chan struct{}),
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
	for _, m := range x.sends {
		s.mu.Lock()
		o := s.owners[m.ch]
		s.mu.Unlock()
		if o != nil {
			o.enqueue(m.ch, m.v)
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

// collect ends the sessions whose client timed out: on leave runs, then
// their rows are deleted or nulled, and their queues dropped.
func (s *Server) collect() {
	now := time.Now()
	var gone []*session
	s.mu.Lock()
	for id, ss := range s.sessions {
		ss.mu.Lock()
		if ss.polling == 0 && now.Sub(ss.lastSeen) > s.cfg.ClientTimeout {
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
		s.log.Info("client collected", "client", ss.client)
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

// ---- HTTP ----

// Handler returns the HTTP handler of the wire protocol.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/"+s.prog.Name, http.StatusFound)
	})
	mux.HandleFunc("GET /{file}", s.serveFile)
	mux.HandleFunc("GET /push/{sid}", s.push)
	mux.HandleFunc("OPTIONS /push/{sid}", s.push)
	mux.HandleFunc("POST /pull/{sid}", s.pull)
	return mux
}

func writeJSONError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	b, _ := json.Marshal(map[string]string{"err": msg})
	w.Write(append(b, '\n'))
}

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	switch r.PathValue("file") {
	case s.prog.Name:
		s.page(w, r)
	case s.bundle[1:]:
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		w.Write(s.prog.Bundle)
		io.WriteString(w, "\n//# sourceMappingURL="+s.bundle[1:]+".map\n")
	case "favicon.ico":
		w.WriteHeader(http.StatusNoContent) // none, and no error in the console
	case s.bundle[1:] + ".map":
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		w.Write(s.prog.Map)
	default:
		writeJSONError(w, http.StatusNotFound, "not found")
	}
}

// page starts a session and serves the page.
func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	ss := newSession(Client(s.clients.Add(1)), time.Now())
	s.mu.Lock()
	s.sessions[ss.id] = ss
	s.mu.Unlock()
	s.log.Debug("session started", "client", ss.client)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n")
	b.WriteString(`<meta name="viewport" content="width=device-width, initial-scale=1">` + "\n")
	fmt.Fprintf(&b, "<meta name=\"prog-session\" content=\"%s\">\n<meta name=\"prog-key\" content=\"%s\">\n", ss.id, ss.key)
	fmt.Fprintf(&b, "<meta name=\"prog-client\" content=\"%d\">\n", ss.client)
	if s.cfg.PushOrigin != "" {
		fmt.Fprintf(&b, "<meta name=\"prog-push\" content=\"%s\">\n", html.EscapeString(s.cfg.PushOrigin))
	}
	fmt.Fprintf(&b, "<title>%s</title>\n<script src=\"%s\" defer></script>\n</head><body>\n", html.EscapeString(s.prog.Name), s.bundle)
	b.WriteString(s.prog.Page)
	b.WriteString("\n</body></html>\n")
	io.WriteString(w, b.String())
}

// session finds the request's session and checks its key, or answers
// with 410 (unknown or collected) or 403 (wrong key) and returns nil.
func (s *Server) session(w http.ResponseWriter, r *http.Request) *session {
	s.mu.Lock()
	ss := s.sessions[r.PathValue("sid")]
	s.mu.Unlock()
	if ss == nil {
		writeJSONError(w, http.StatusGone, "session expired")
		return nil
	}
	if !ss.keyOK(r.Header.Get("Prog-Key")) {
		writeJSONError(w, http.StatusForbidden, "wrong session key")
		return nil
	}
	return ss
}

// cors allows push requests from the page's origin when --push-origin
// sends them to another host. It reports whether the request is done.
func (s *Server) cors(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.PushOrigin == "" {
		if r.Method == http.MethodOptions {
			writeJSONError(w, http.StatusMethodNotAllowed, "method not allowed")
			return true
		}
		return false
	}
	if o := r.Header.Get("Origin"); o != "" {
		w.Header().Set("Access-Control-Allow-Origin", o)
		w.Header().Set("Access-Control-Allow-Headers", "Prog-Key")
		w.Header().Set("Vary", "Origin")
	}
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}

// push is the long poll: GET /push/<sid>?ack=N.
func (s *Server) push(w http.ResponseWriter, r *http.Request) {
	if s.cors(w, r) {
		return
	}
	ack, err := strconv.ParseInt(r.URL.Query().Get("ack"), 10, 64)
	if err != nil || ack < 0 {
		writeJSONError(w, http.StatusBadRequest, "ack must be a message number ≥ 0")
		return
	}
	ss := s.session(w, r)
	if ss == nil {
		return
	}
	ss.mu.Lock()
	ss.ackLocked(ack)
	ss.pollGen++
	gen := ss.pollGen
	ss.polling++
	ss.lastSeen = time.Now()
	ss.wakeLocked() // an older poll for this session ends
	defer func() {
		ss.mu.Lock()
		ss.polling--
		ss.lastSeen = time.Now()
		ss.mu.Unlock()
	}()
	timer := time.NewTimer(s.cfg.PollTimeout)
	defer timer.Stop()
	expired := false
	for !expired && len(ss.queue) == 0 && ss.pollGen == gen && !ss.gone {
		wake := ss.wake
		ss.mu.Unlock()
		select {
		case <-wake:
		case <-timer.C:
			expired = true
		case <-r.Context().Done():
			expired = true
		case <-s.done:
			expired = true
		}
		ss.mu.Lock()
	}
	var msgs []message
	if ss.pollGen == gen {
		msgs = append(msgs, ss.queue...)
	}
	ss.mu.Unlock()
	body, _ := json.Marshal(struct {
		Msgs []message `json:"msgs"`
	}{Msgs: append([]message{}, msgs...)})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(append(body, '\n'))
}

// pull runs a remote call: POST /pull/<sid>.
func (s *Server) pull(w http.ResponseWriter, r *http.Request) {
	ss := s.session(w, r)
	if ss == nil {
		return
	}
	var req struct {
		ID   *int64            `json:"id"`
		Fn   string            `json:"fn"`
		Args []json.RawMessage `json:"args"`
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSONError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes", maxBody))
			return
		}
		writeJSONError(w, http.StatusBadRequest, "reading the request: "+err.Error())
		return
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeJSONError(w, http.StatusBadRequest, "malformed JSON: "+err.Error())
		return
	}
	if req.ID == nil || *req.ID <= 0 {
		writeJSONError(w, http.StatusBadRequest, "a call needs an id > 0")
		return
	}
	remote, ok := s.prog.Remote[req.Fn]
	if !ok {
		writeJSONError(w, http.StatusNotFound, fmt.Sprintf("no remote function %q", req.Fn))
		return
	}
	run, err := remote(req.Args)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, req.Fn+": "+err.Error())
		return
	}
	res, isNew, ok := ss.call(*req.ID)
	if !ok {
		writeJSONError(w, http.StatusConflict, fmt.Sprintf("call id %d is too old to answer again", *req.ID))
		return
	}
	if isNew {
		// The call runs to its end even if the client goes away: a retry
		// with the same id gets its answer.
		v, err := s.run(context.WithoutCancel(r.Context()), ss, run)
		id := strconv.FormatInt(*req.ID, 10)
		if err != nil {
			msg, _ := json.Marshal(err.Error())
			res.body = []byte(`{"id":` + id + `,"err":` + string(msg) + "}\n")
			s.log.Info("remote call failed", "fn", req.Fn, "client", ss.client, "err", err)
		} else {
			if len(v) == 0 {
				v = []byte("null")
			}
			res.body = []byte(`{"id":` + id + `,"ok":` + string(v) + "}\n")
		}
		close(res.done)
	}
	select {
	case <-res.done:
	case <-r.Context().Done():
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(res.body)
}
