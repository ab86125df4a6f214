package runtime

// Cluster mode (--cluster, PostgreSQL only): several servers, the nodes,
// share one database and form one service behind any load balancer, with
// no sticky sessions. Everything a session is lives in tables the runtime
// owns, so any node answers any request of any session:
//
//   - _prog_sessions: one row a page view: its key's SHA-256 (compared in
//     constant time), its client, the build of the program that served
//     its page (Server.build), why it ended, and, once it is being
//     collected, the node collecting it and the next on leave handler to
//     run. A call locks its caller's; sends never touch it.
//   - _prog_polls: what its push requests did, as the nodes write it down
//     every collection period (cluster_poll.go): when it last polled, the
//     node where one waits, when its page closed one, and need, the
//     position of the log before which it needs nothing. The runtime's own
//     statements run READ COMMITTED, which SSI does not track, so a push
//     never makes a call fail to serialize.
//   - _prog_log: the messages (cluster_log.go). A transaction that sends
//     inserts one row, whatever the fan-out; the row gets its position
//     once committed, and every node reads the log in that order into
//     its memory, from where push requests are answered. A message's
//     number is its place in the log.
//   - _prog_calls (session, id): the answers of its recent calls, written
//     in the call's transaction: a repeated id answers from there on any
//     node. A transaction-level advisory lock on the session makes its
//     calls run one at a time across nodes.
//   - _prog_chans: the owner of each channel.
//   - _prog_tasks: when each every task runs next: of the nodes, the one
//     that moves it on runs it.
//   - _prog_nodes: each node's lease, renewed by a heartbeat. A push
//     request held by a node whose lease ran out counts as closed, and so
//     does a collection it began: another node takes it over.
//
// Waking: a node that numbers rows of the log notifies the others in the
// same transaction (one notification, however many rows), and each reads
// the log when notified, and every rereadEvery. A session's event (it
// ended, a call of it committed) is a notification naming it, sent after
// the commit, batched (one per few milliseconds at most) and outside the
// program's transactions; each node listens on one connection of its own.
//
// Collection: any node collects the sessions past their timeout,
// claiming each with FOR UPDATE SKIP LOCKED, so on leave runs once in the
// cluster; each handler's transaction also moves leave_next on, so a node
// that dies halfway through leaves the rest to another, and no handler
// runs twice.
//
// A node clears nothing when it starts; the nodes share the database's
// advisory lock (lock.go), which keeps out a server without --cluster.
// The code of cluster mode is this file, cluster_log.go, cluster_poll.go,
// cluster_http.go and cluster_collect.go; server.go and http.go call into
// it where a session would be looked up in memory.

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The timings of cluster mode.
const (
	nodeLease   = 10 * time.Second       // a node not heard from this long is gone
	nodeBeat    = nodeLease / 4          // how often a node renews its lease
	notifyEvery = 5 * time.Millisecond   // at most one pg_notify this often
	rereadEvery = 2 * time.Second        // a node reads the log, and a waiting push checks its session, this often at least
	relistenGap = 500 * time.Millisecond // between tries to listen again
	wakeChannel = "prog_wake"            // the notification channel: its payload is session ids, comma-separated, or "" for rows of the log numbered
	maxPayload  = 7900                   // a notification's payload at most (PostgreSQL: < 8000 bytes)
	lockCalls   = lockClass + 1          // the advisory lock class of a session's calls
	lockStart   = 2                      // the key, in lockClass, that a starting node holds (startAlone)
	collectMax  = 100                    // sessions one collection claims at most
)

// clusterTables are the runtime's own tables in cluster mode.
var clusterTables = []string{
	`CREATE TABLE IF NOT EXISTS "_prog_nodes" ("id" BIGINT PRIMARY KEY, "lease" TIMESTAMPTZ NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS "_prog_sessions" (
		"id" TEXT PRIMARY KEY, "key_hash" BYTEA NOT NULL, "client" BIGINT NOT NULL, "host" TEXT NOT NULL, "build" TEXT NOT NULL,
		"ended" TEXT, "gone" BOOLEAN NOT NULL DEFAULT false, "collector" BIGINT, "leave_next" INT NOT NULL DEFAULT 0,
		"last_call" BIGINT NOT NULL DEFAULT 0)`,
	`CREATE TABLE IF NOT EXISTS "_prog_polls" ("session" TEXT PRIMARY KEY, "need" BIGINT NOT NULL,
		"poll_node" BIGINT, "last_poll" TIMESTAMPTZ NOT NULL DEFAULT now(), "cut_at" TIMESTAMPTZ)`,
	`CREATE TABLE IF NOT EXISTS "_prog_log" ("ord" BIGSERIAL PRIMARY KEY, "pos" BIGINT, "body" BYTEA NOT NULL)`,
	`CREATE UNIQUE INDEX IF NOT EXISTS "_prog_log_pos" ON "_prog_log" ("pos")`,
	`CREATE INDEX IF NOT EXISTS "_prog_log_new" ON "_prog_log" ("ord") WHERE "pos" IS NULL`,
	`CREATE TABLE IF NOT EXISTS "_prog_logpos" ("one" BOOLEAN PRIMARY KEY DEFAULT true CHECK ("one"), "next" BIGINT NOT NULL)`,
	`INSERT INTO "_prog_logpos" ("next") VALUES (1) ON CONFLICT DO NOTHING`,
	`CREATE TABLE IF NOT EXISTS "_prog_calls" ("session" TEXT NOT NULL, "id" BIGINT NOT NULL, "answer" BYTEA NOT NULL,
		PRIMARY KEY ("session", "id"))`,
	`CREATE TABLE IF NOT EXISTS "_prog_tasks" ("pos" TEXT PRIMARY KEY, "next_run" TIMESTAMPTZ NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS "_prog_chans" ("ch" BIGINT PRIMARY KEY, "session" TEXT NOT NULL, "client" BIGINT NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS "_prog_chans_session" ON "_prog_chans" ("session")`,
	// _prog_refuse fails the statement it is called in with SQLSTATE code,
	// unless code is NULL: a call's write refuses a run that must not
	// commit, in the round trip of its COMMIT (writeRun).
	`CREATE OR REPLACE FUNCTION "_prog_refuse"(code TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
	BEGIN
		IF code IS NOT NULL THEN
			RAISE EXCEPTION 'prog refuses the run: %', code USING ERRCODE = code;
		END IF;
	END $$`,
}

// The SQLSTATE codes of _prog_refuse.
const (
	refuseGone   = "PRG01" // the caller's session is collected or ended
	refuseTooOld = "PRG02" // a repeat of a call whose answer is deleted: it ran
)

// cluster is a node's part of cluster mode.
type cluster struct {
	srv  *Server
	db   *sql.DB
	node int64 // this node's id: its run number, never given twice

	mu      sync.Mutex
	waiters map[string]*wakeup // session id → what its next wake closes
	pending map[string]bool    // session ids the other nodes are to be told of: true, the session changed (it ended)
	kick    chan struct{}      // the notifier has something to send
	served  map[string]*served // the sessions whose push requests this node answers (cluster_poll.go)
	checks  []*sessionCheck    // push requests' checks of their sessions, for the writer
	turns   map[string]int     // sessions with calls waiting for their turn here, and how many
	write   chan struct{}      // the writer has checks to run

	log *clusterLog // the messages of the sessions, as read from the log

	// owners caches the owners of channels this node has read or made: a
	// channel's owner never changes. A channel whose owner was collected
	// may still show it here (where a lookup would say 0): no page is that
	// client, so a page's check that it owns the channel answers the same,
	// and the messages a node reads for it go to a session that no page
	// asks for.
	ownersMu sync.Mutex
	owners   map[int64]chanOwner

	ctx    context.Context // the listener's, the notifier's and the writer's; ended by close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	listenLog, notifyLog, beatLog, callsLog errorLog
}

// chanOwner is the owner of a channel.
type chanOwner struct {
	client  Client
	session string
}

// clusterCall is a remote call running in cluster mode: the session's
// *session for one request carries it to clusterCommit.
type clusterCall struct {
	id     int64
	stored []byte // the answer of an earlier run of the same id, found under the lock
	answer []byte // this run's answer, written with its effects
	tooOld bool   // the page's calls went past this id by more than the answers kept meanwhile
	gone   bool   // the session ended, or its client was collected, before the call's write
}

// checkCluster checks the flags of cluster mode.
func checkCluster(cfg Config) error {
	switch {
	case !cfg.Cluster:
		return nil
	case !isPostgres(cfg.DB):
		return fmt.Errorf("--cluster needs a PostgreSQL --db (postgres://…), where the nodes share their sessions; %s is a SQLite file, which one server serves alone", cfg.DB)
	}
	return nil
}

// newCluster makes the cluster's tables, registers the node and starts
// listening for notifications. run is the node's run number.
func newCluster(ctx context.Context, s *Server, run int64) (*cluster, error) {
	c := &cluster{
		srv: s, db: s.db.DB, node: run,
		waiters: map[string]*wakeup{},
		pending: map[string]bool{},
		served:  map[string]*served{},
		turns:   map[string]int{},
		owners:  map[int64]chanOwner{},
		kick:    make(chan struct{}, 1),
		write:   make(chan struct{}, 1),
	}
	c.log = newClusterLog(c)
	if err := c.makeTables(ctx); err != nil {
		return nil, fmt.Errorf("making the cluster's tables: %v", err)
	}
	if err := c.heartbeatErr(ctx); err != nil {
		return nil, fmt.Errorf("registering the node: %v", err)
	}
	logConn, err := pgx.Connect(ctx, s.cfg.DB)
	if err != nil {
		return nil, fmt.Errorf("reading the message log: %v", err)
	}
	c.log.pid = logConn.PgConn().PID()
	conn, err := c.listen(ctx)
	if err != nil {
		closeConn(logConn)
		return nil, fmt.Errorf("listening for notifications: %v", err)
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.wg.Add(4)
	go c.listener(conn)
	go c.notifier()
	go c.writer(s.collectPeriod())
	go func() {
		defer c.wg.Done()
		c.log.run(c.ctx, logConn)
	}()
	return c, nil
}

// startAlone waits until no other node of the database spec names is
// starting, and keeps others from starting until done is called: nodes
// make their tables and number their runs one at a time (two nodes making
// one table at once collide in PostgreSQL's catalog). The lock is an
// advisory lock on a connection of its own, which the database drops if
// the node dies meanwhile.
func startAlone(ctx context.Context, spec string) (done func(), err error) {
	conn, err := pgx.Connect(ctx, spec)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1, $2)", lockClass, lockStart); err != nil {
		closeConn(conn)
		return nil, err
	}
	return func() {
		// Unlocked before closing: the lock of a closed connection lasts
		// until its backend has exited. (If this fails, closing ends it.)
		unlock, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		conn.Exec(unlock, "SELECT pg_advisory_unlock($1, $2)", lockClass, lockStart)
		cancel()
		closeConn(conn)
	}, nil
}

// makeTables makes the runtime's tables. Tables of an older layout are
// not changed: the node refuses to start on them.
func (c *cluster) makeTables(ctx context.Context) error {
	var old bool
	if err := c.db.QueryRowContext(ctx, `SELECT to_regclass('"_prog_messages"') IS NOT NULL`).Scan(&old); err != nil {
		return err
	}
	if old {
		return errors.New("the database holds the tables of an older build's cluster mode (_prog_messages): start the cluster on a new database, or drop the tables named _prog_ that SCALING.md lists first")
	}
	for _, stmt := range clusterTables {
		if _, err := c.db.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// startCluster runs the node's collector and heartbeat until Halt.
func (s *Server) startCluster(period time.Duration) {
	s.goTask(period, s.clusterCollect, s.collectNow, s.clusterCollect)
	s.goTask(nodeBeat, s.cluster.heartbeat, nil, nil)
}

// heartbeat renews the node's lease.
func (c *cluster) heartbeat() {
	if err := c.heartbeatErr(c.srv.ctx); err != nil && c.srv.ctx.Err() == nil {
		c.beatLog.log(c.srv.log, "renewing this node's lease failed; other nodes take it for gone after the lease", "node", c.node, "err", err)
	}
}

func (c *cluster) heartbeatErr(ctx context.Context) error {
	_, err := c.db.ExecContext(ctx, `INSERT INTO "_prog_nodes" ("id", "lease") VALUES ($1, now() + $2 * interval '1 millisecond')
		ON CONFLICT ("id") DO UPDATE SET "lease" = EXCLUDED."lease"`, c.node, nodeLease.Milliseconds())
	return err
}

// close stops listening and notifying, and takes the node out of the
// cluster: its push requests count as closed at once.
func (c *cluster) close() {
	c.cancel()
	c.wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.flush(ctx, true)
	c.db.ExecContext(ctx, `DELETE FROM "_prog_nodes" WHERE "id" = $1`, c.node)
}

// listen opens the node's listening connection.
func (c *cluster) listen(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, c.srv.cfg.DB)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+wakeChannel); err != nil {
		closeConn(conn)
		return nil, err
	}
	return conn, nil
}

// listener wakes the push requests and calls this node holds for the
// sessions other nodes name, until close. When its connection dies it
// listens again, then wakes every waiter: what was notified meanwhile is
// lost, and they read again.
func (c *cluster) listener(conn *pgx.Conn) {
	defer c.wg.Done()
	for {
		if conn == nil {
			t := time.NewTimer(relistenGap)
			select {
			case <-c.ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			var err error
			if conn, err = c.listen(c.ctx); err != nil {
				conn = nil
				if c.ctx.Err() == nil {
					c.listenLog.log(c.srv.log, "cannot listen for notifications; waiting pushes read their queues every 2 s meanwhile", "err", err)
				}
				continue
			}
			c.wakeAll()
		}
		n, err := conn.WaitForNotification(c.ctx)
		if err != nil {
			closeConn(conn)
			conn = nil
			if c.ctx.Err() != nil {
				return
			}
			c.listenLog.log(c.srv.log, "lost the connection that listens for notifications; listening again", "err", err)
			continue
		}
		if n.Payload == "" {
			// Another node numbered rows of the log: they may be a call's,
			// whose commit tells a call of the same page its turn.
			c.log.mu.Lock()
			own := n.PID == c.log.pid
			c.log.mu.Unlock()
			if !own {
				c.log.poke()
			}
			c.mu.Lock()
			for id := range c.turns {
				c.wakeLocked(id)
			}
			c.mu.Unlock()
			continue
		}
		for id := range strings.SplitSeq(n.Payload, ",") {
			if id, ok := strings.CutPrefix(id, "!"); ok {
				c.changedHere(id)
			} else {
				c.wakeLocal(id)
			}
		}
	}
}

// notifier tells the other nodes which sessions to wake: one
// pg_notify per notifyEvery at most, outside any program transaction (a
// NOTIFY in a transaction takes a lock, cluster-wide, until it commits).
func (c *cluster) notifier() {
	defer c.wg.Done()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-c.kick:
		}
		c.mu.Lock()
		ids := make([]string, 0, len(c.pending))
		for id, changed := range c.pending {
			if changed {
				id = "!" + id
			}
			ids = append(ids, id)
		}
		clear(c.pending)
		c.mu.Unlock()
		for len(ids) > 0 {
			var b strings.Builder
			for len(ids) > 0 && b.Len()+len(ids[0])+1 <= maxPayload {
				if b.Len() > 0 {
					b.WriteByte(',')
				}
				b.WriteString(ids[0])
				ids = ids[1:]
			}
			if _, err := c.db.ExecContext(c.ctx, "SELECT pg_notify($1, $2)", wakeChannel, b.String()); err != nil && c.ctx.Err() == nil {
				c.notifyLog.log(c.srv.log, "notifying the other nodes failed; their pushes read their queues every 2 s", "err", err)
			}
			t.Reset(notifyEvery)
			select {
			case <-c.ctx.Done():
				return
			case <-t.C:
			}
		}
	}
}

// A wakeup is what the push requests and calls a node holds for one
// session wait on: done is closed when the session is woken.
type wakeup struct {
	done    chan struct{}
	holders int // the waiters that have not released it
}

// waiter returns the wakeup of session id's next wake. A waiter takes it
// before it reads what it waits for, so that a wake between the read and
// the wait is not lost.
func (c *cluster) waiter(id string) *wakeup {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.waiters[id]
	if w == nil {
		w = &wakeup{done: make(chan struct{})}
		c.waiters[id] = w
	}
	w.holders++
	return w
}

// release says that a waiter of session id is done with w: a wakeup no
// one waits for goes, so that requests for sessions that are not woken
// (unknown ones, say) leave nothing behind.
func (c *cluster) release(id string, w *wakeup) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w.holders--
	if w.holders == 0 && c.waiters[id] == w {
		delete(c.waiters, id)
	}
}

// wakeLocked wakes session id here. c.mu is held.
func (c *cluster) wakeLocked(id string) {
	if w := c.waiters[id]; w != nil {
		close(w.done)
		delete(c.waiters, id)
	}
}

// wakeLocal wakes what this node holds for session id.
func (c *cluster) wakeLocal(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wakeLocked(id)
}

// changedHere wakes what this node holds for session id, which changed
// (it ended, or is being collected): it is checked again before this node
// answers it.
func (c *cluster) changedHere(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forgetServed(id)
	c.wakeLocked(id)
}

// wakeAll wakes everything this node holds, and reads the log.
func (c *cluster) wakeAll() {
	c.log.poke()
	c.mu.Lock()
	defer c.mu.Unlock()
	for id := range c.waiters {
		c.wakeLocked(id)
	}
}

// wake wakes sessions ids here at once, and on the other nodes with the
// notifier's next notification.
func (c *cluster) wake(ids ...string) { c.tell(false, ids) }

// changed is wake for sessions that changed (they ended, or are being
// collected): every node checks them again before it answers them.
func (c *cluster) changed(ids ...string) { c.tell(true, ids) }

func (c *cluster) tell(changed bool, ids []string) {
	if len(ids) == 0 {
		return
	}
	c.mu.Lock()
	for _, id := range ids {
		if changed {
			c.forgetServed(id)
		}
		c.wakeLocked(id)
		c.pending[id] = c.pending[id] || changed
	}
	c.mu.Unlock()
	c.kickNotifier()
}

func (c *cluster) kickNotifier() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// maxOwnersCached bounds the channel owners a node keeps: past it, the
// cache starts again empty.
const maxOwnersCached = 1 << 16

// owner returns the client that owns channel ch, or 0 if it is unknown
// (gone, or not committed). A known owner is read once.
func (c *cluster) owner(ch int64) Client {
	c.ownersMu.Lock()
	o, ok := c.owners[ch]
	c.ownersMu.Unlock()
	if ok {
		return o.client
	}
	var client int64
	var sid string
	err := c.db.QueryRowContext(c.ctx, `SELECT "client", "session" FROM "_prog_chans" WHERE "ch" = $1`, ch).Scan(&client, &sid)
	if err != nil {
		return 0
	}
	c.knowOwner(chanOwner{Client(client), sid}, ch)
	return Client(client)
}

// sessionsOf returns the sessions that own chans, read on conn where not
// known; a channel whose owner is gone has none.
func (c *cluster) sessionsOf(ctx context.Context, conn *pgx.Conn, chans []int64) (map[int64]string, error) {
	sids := make(map[int64]string, len(chans))
	var unknown []int64
	c.ownersMu.Lock()
	for _, ch := range chans {
		if o, ok := c.owners[ch]; ok {
			sids[ch] = o.session
		} else if _, ok := sids[ch]; !ok {
			sids[ch] = ""
			unknown = append(unknown, ch)
		}
	}
	c.ownersMu.Unlock()
	if len(unknown) == 0 {
		return sids, nil
	}
	rows, err := conn.Query(ctx, `SELECT "ch", "session", "client" FROM "_prog_chans" WHERE "ch" = ANY($1)`, unknown)
	if err != nil {
		return nil, err
	}
	var ch, client int64
	var sid string
	_, err = pgx.ForEachRow(rows, []any{&ch, &sid, &client}, func() error {
		sids[ch] = sid
		c.knowOwner(chanOwner{Client(client), sid}, ch)
		return nil
	})
	return sids, err
}

// knowOwner caches o as the owner of chans.
func (c *cluster) knowOwner(o chanOwner, chans ...int64) {
	c.ownersMu.Lock()
	defer c.ownersMu.Unlock()
	if len(c.owners)+len(chans) > maxOwnersCached {
		clear(c.owners)
	}
	for _, ch := range chans {
		c.owners[ch] = o
	}
}

// forgetOwner drops chans from the cache: their owner was collected.
func (c *cluster) forgetOwner(chans []int64) {
	c.ownersMu.Lock()
	defer c.ownersMu.Unlock()
	for _, ch := range chans {
		delete(c.owners, ch)
	}
}

// taskTurn reports whether this node runs task e now: of the nodes whose
// timer fires within a tenth of the period of each other, one does.
func (c *cluster) taskTurn(ctx context.Context, e Every) bool {
	var one int
	err := c.db.QueryRowContext(ctx, `INSERT INTO "_prog_tasks" ("pos", "next_run") VALUES ($1, now() + $2 * interval '1 microsecond')
		ON CONFLICT ("pos") DO UPDATE SET "next_run" = EXCLUDED."next_run" WHERE "_prog_tasks"."next_run" <= now() + $3 * interval '1 microsecond'
		RETURNING 1`, e.Pos, e.Period.Microseconds(), e.Period.Microseconds()/10).Scan(&one)
	if err != nil && !errors.Is(err, sql.ErrNoRows) && ctx.Err() == nil {
		c.beatLog.log(c.srv.log, "task failed: cannot tell which node runs it", "task", "every "+e.Period.String(), "pos", e.Pos, "err", err)
	}
	return err == nil
}

// keyHash is what _prog_sessions keeps of a session's key.
func keyHash(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// clusterCommit is the end of attempt in cluster mode: it writes the
// call's answer, its new channels and its sends in its transaction,
// commits, and wakes the sessions sent to. It returns the result in wire
// form.
func (s *Server) clusterCommit(x *Ctx, v any) []byte {
	c := s.cluster
	self := x.self
	var call *clusterCall
	if self != nil {
		call = self.clusterCall
	}
	if call != nil && (call.stored != nil || call.tooOld) {
		// An earlier run of this id answered: nothing of this one is kept.
		if x.tx != nil {
			x.tx.Rollback()
			x.tx = nil
		}
		return nil
	}
	e := encoder{owner: x.owner}
	if v != nil {
		e.encode(reflect.ValueOf(v))
	}
	result := e.buf.Bytes()
	if call != nil || len(x.sends) > 0 || len(x.chans) > 0 {
		tx, ctx := x.begin(), x.ctx
		if call != nil {
			call.answer = okAnswer(call.id, result)
		}
		// The write goes with the COMMIT, in one round trip, unless a
		// test waits between them.
		hold := s.hooks.sendsWritten == nil || call == nil
		wctx := ctx
		if hold {
			wctx = held(ctx)
		}
		logged, err := c.writeRun(wctx, tx, self, call, x.chans, x.sends)
		if err == nil && !hold {
			s.hooks.sendsWritten(self.id)
		}
		committing := err == nil
		if committing {
			err = tx.Commit()
		}
		x.tx = nil
		if err != nil {
			tx.Rollback() // when the write failed before the commit
			c.refuse(ctx, err, committing, self, call)
			return nil
		}
		if call != nil && call.id > maxCallsKept && call.id%deleteCallsEvery == 0 {
			// The answers of ids too old to be repeated go, after the
			// commit (in the transaction, this read of the index would
			// make calls of other sessions fail to serialize with it),
			// every deleteCallsEvery calls.
			if _, err := c.db.ExecContext(ctx, `DELETE FROM "_prog_calls" WHERE "session" = $1 AND "id" <= $2`, self.id, call.id-maxCallsKept); err != nil && ctx.Err() == nil {
				c.callsLog.log(c.srv.log, "deleting a page's old answers failed; its next call deletes them", "err", err)
			}
		}
		if len(x.chans) > 0 {
			c.knowOwner(chanOwner{self.client, self.id}, x.chans...)
		}
		switch {
		case logged:
			// The rows' numbering tells the other nodes, which wake the
			// calls waiting for their turn.
			c.log.kick()
			if call != nil {
				c.wakeLocal(self.id)
			}
		case call != nil:
			c.wake(self.id) // a call waiting for this one's turn
		}
		return result
	}
	if x.tx != nil {
		if err := x.tx.Commit(); err != nil {
			x.tx = nil
			panic(&dbError{err: fmt.Errorf("commit: %w", err), commit: true})
		}
		x.tx = nil
	}
	return result
}

// refuse handles err, the failure of a run's write or, when committing,
// of its COMMIT, which the write may have gone with. It returns when
// nothing of the run is kept and the call has its answer: another run of
// the same id committed its answer since this one began, or the id is
// too old to run again; otherwise it panics with the error.
func (c *cluster) refuse(ctx context.Context, err error, committing bool, self *session, call *clusterCall) {
	var pg *pgconn.PgError
	switch {
	case !errors.As(err, &pg) && committing:
		// Not PostgreSQL's refusal: it may have committed.
		panic(&dbError{err: fmt.Errorf("commit: %w", err), commit: true})
	case pg == nil:
	case pg.Code == "23505" && call != nil:
		stored, err := c.storedAnswer(ctx, self.id, call.id)
		if err == nil && stored == nil {
			err = errors.New("call " + strconv.FormatInt(call.id, 10) + ": its stored answer is gone")
		}
		if err != nil {
			failDB(err)
		}
		call.stored = stored
		return
	case pg.Code == refuseTooOld && call != nil:
		call.tooOld = true
		return
	case pg.Code == refuseGone:
		if call != nil {
			call.gone = true
		}
		Fail("the client was collected during the call")
	}
	failDB(err)
}

// writeRun writes what a run leaves besides the program's rows, in tx,
// in one statement: the answer of call (unless nil), the owner of the
// channels chans, and sends, into the log: one row (another for each
// rowMsgsMax messages more), whatever the fan-out; whoever reads it finds
// the channels' owners. Sends touch no row of the pages they go to, so
// sends to the same pages never fail to serialize with each other. A call
// also locks its caller's session and moves its last_call on; the
// statement fails with refuseGone when the session is collected
// meanwhile, and with refuseTooOld when the call is a repeat of an id
// whose answer is deleted. Run with a held ctx, it goes with the COMMIT.
// It reports whether it wrote a row of the log.
func (c *cluster) writeRun(ctx context.Context, tx *sql.Tx, self *session, call *clusterCall, chans []int64, sends []pendingSend) (logged bool, err error) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var parts []string
	if call != nil {
		parts = append(parts, `c AS (INSERT INTO "_prog_calls" ("session", "id", "answer") VALUES (`+arg(self.id)+`, `+arg(call.id)+`, `+arg(call.answer)+`))`)
	}
	if len(chans) > 0 {
		parts = append(parts, `o AS (INSERT INTO "_prog_chans" ("ch", "session", "client") SELECT unnest(`+arg(chans)+`::bigint[]), `+arg(self.id)+`, `+arg(int64(self.client))+`)`)
	}
	bodies := encodeLogRows(sends)
	if len(bodies) > 0 {
		parts = append(parts, `l AS (INSERT INTO "_prog_log" ("body") SELECT u.b FROM unnest(`+arg(bodies)+`::bytea[]) WITH ORDINALITY AS u (b, n) ORDER BY u.n)`)
	}
	q := `SELECT 0`
	if call != nil {
		sid, id := arg(self.id), arg(call.id)
		parts = append(parts, `s AS (SELECT "last_call" FROM "_prog_sessions" WHERE "id" = `+sid+` AND "ended" IS NULL AND NOT "gone" AND "collector" IS NULL FOR UPDATE)`,
			`u AS (UPDATE "_prog_sessions" p SET "last_call" = greatest(s."last_call", `+id+`) FROM s WHERE p."id" = `+sid+`)`)
		q = `SELECT "_prog_refuse"(CASE WHEN s."last_call" IS NULL THEN '` + refuseGone + `' WHEN s."last_call" >= ` + id + ` + ` + strconv.Itoa(maxCallsKept) + ` THEN '` + refuseTooOld + `' END) FROM (SELECT) AS one LEFT JOIN s ON true`
	}
	if len(parts) > 0 {
		q = "WITH " + strings.Join(parts, ", ") + " " + q
	}
	_, err = tx.ExecContext(ctx, q, args...)
	return len(bodies) > 0, err
}
