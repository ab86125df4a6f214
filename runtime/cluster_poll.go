package runtime

// Push requests in cluster mode (cluster.go). A node answers a push from
// what it read of the log (cluster_log.go) and from what it knows of the
// session, so that a delivery costs the database nothing of its own:
//
//   - The session is checked in the database (live, of this build, the
//     key's SHA-256) when the node has not checked it within checkEvery,
//     or was told of a change (a notification naming it); the push
//     requests that arrive while the writer runs one check are checked
//     together in its next.
//   - What the push requests of a session do (the last start or end here,
//     whether one waits here, whether the page closed it, how much of the
//     log the session needs) is written down by the writer every
//     flushEvery, for every session that polled here meanwhile, in one
//     statement: collection and the log's trim read it.
//   - A newer push request of a session ends the older one on the same
//     node at once. An older one on another node ends when its page's
//     connection closes, or at the poll timeout, as a request whose answer
//     no one reads.

import (
	"cmp"
	"context"
	"crypto/subtle"
	"database/sql"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// checkEvery is how long a node takes a session it checked to be live
// without checking again.
const checkEvery = time.Second

// served is what a node knows of a session whose push requests it
// answers. c.mu guards it.
type served struct {
	hash    []byte    // the SHA-256 of its key
	checked time.Time // when the database said it is live, of this build, with that key; zero: check again
	gen     int64     // the newest push request here: an older one ends
	holds   bool      // a push request waits here
	dirty   bool      // what follows is to be written down
	at      time.Time // the last start or end of a push request here
	cut     bool      // the last one here ended because its page closed it
	need    int64     // the position of the log before which the session needs nothing

	// Of its calls (clusterCaller): the session's client, the largest id
	// known run, and when this node last ran one of them.
	client   Client
	lastCall int64
	callAt   time.Time
}

// A sessionCheck is a push request's check of its session: what it
// asks, then, once done is closed, what the writer found.
type sessionCheck struct {
	sid  string
	hash []byte
	done chan struct{}
	ok   bool // live, of this build, the key right
	err  error
}

// fresh reports whether session sid was checked, with key hash hash,
// within checkEvery.
func (c *cluster) fresh(sid string, hash []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.served[sid].checkedAs(hash)
}

// checkedAs reports whether the session was checked within checkEvery,
// with key hash hash. sv may be nil.
func (sv *served) checkedAs(hash []byte) bool {
	return sv.knownAs(hash) && time.Since(sv.checked) < checkEvery
}

// knownAs reports whether the session was checked, with key hash hash,
// and not forgotten since (forgetServed). sv may be nil.
func (sv *served) knownAs(hash []byte) bool {
	return sv != nil && !sv.checked.IsZero() && subtle.ConstantTimeCompare(sv.hash, hash) == 1
}

// check checks session sid in the database, with the other push requests
// checking theirs, and waits for the writer.
func (c *cluster) check(sid string, hash []byte) (ok bool, err error) {
	ck := &sessionCheck{sid: sid, hash: hash, done: make(chan struct{})}
	c.mu.Lock()
	if err := c.ctx.Err(); err != nil { // the writer has stopped
		c.mu.Unlock()
		return false, err
	}
	c.checks = append(c.checks, ck)
	c.mu.Unlock()
	poke(c.write)
	<-ck.done
	if ck.ok {
		c.mu.Lock()
		sv := c.served[sid]
		if sv == nil {
			sv = &served{}
			c.served[sid] = sv
		}
		sv.hash, sv.checked = hash, time.Now()
		c.mu.Unlock()
	}
	return ck.ok, ck.err
}

// checkSessions runs one statement for checks and tells each its result.
func (c *cluster) checkSessions(checks []*sessionCheck) {
	sids, hashes := make([]string, len(checks)), make([][]byte, len(checks))
	for i, ck := range checks {
		sids[i], hashes[i] = ck.sid, ck.hash
	}
	ok := map[int]bool{}
	rows, err := c.db.QueryContext(c.ctx, `SELECT b.n FROM unnest($1::text[], $2::bytea[]) WITH ORDINALITY AS b (session, hash, n)
		JOIN "_prog_sessions" s ON s."id" = b.session AND s."key_hash" = b.hash
		WHERE s."ended" IS NULL AND NOT s."gone" AND s."collector" IS NULL AND s."build" = $3`, sids, hashes, c.srv.build)
	if err == nil {
		defer rows.Close()
		for rows.Next() {
			var n int
			if err = rows.Scan(&n); err != nil {
				break
			}
			ok[n-1] = true
		}
		if err == nil {
			err = rows.Err()
		}
	}
	for i, ck := range checks {
		ck.ok, ck.err = ok[i], err
		close(ck.done)
	}
}

// begin makes a push request of session sid the newest here, ending an
// older one that waits here, and returns its number.
func (c *cluster) begin(sid string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	sv := c.served[sid]
	if sv == nil { // checked, then forgotten by the writer meanwhile
		sv = &served{}
		c.served[sid] = sv
	}
	sv.gen++
	if sv.holds {
		c.wakeLocked(sid)
	}
	return sv.gen
}

// newest reports whether push request gen is the newest of session sid
// here.
func (c *cluster) newest(sid string, gen int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	sv := c.served[sid]
	return sv != nil && sv.gen == gen
}

// polled notes what push request gen of session sid does, for the writer
// to write down: it waits (holds), or ended (cut: its page closed it).
// What an older one does after a newer began is not noted.
func (c *cluster) polled(sid string, gen int64, holds, cut bool, need int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sv := c.served[sid]
	if sv == nil || sv.gen != gen {
		return
	}
	sv.holds, sv.cut, sv.dirty, sv.at = holds, cut, true, time.Now()
	sv.need = max(sv.need, need)
}

// clusterCaller is clusterSession for a call. A session this node checked
// with the same key, one of whose calls it ran within checkEvery, is not
// read again (its key and build never change, and the call's write finds
// it if it ended: writeRun): the *session says so (clusterCached), with
// the largest id this node knows run as lastRun. clusterCall reads it
// when the call's id is not the next.
func (s *Server) clusterCaller(w http.ResponseWriter, r *http.Request) *session {
	c := s.cluster
	sid := r.PathValue("sid")
	hash := keyHash(r.Header.Get("Prog-Key"))
	c.mu.Lock()
	sv := c.served[sid]
	if sv.knownAs(hash) && sv.client != 0 && time.Since(sv.callAt) < checkEvery {
		ss := &session{id: sid, client: sv.client, lastRun: sv.lastCall, clusterCached: true}
		c.mu.Unlock()
		return ss
	}
	c.mu.Unlock()
	ss := s.clusterSession(w, r)
	if ss != nil {
		c.ranCall(sid, hash, ss.client, ss.lastRun, true)
	}
	return ss
}

// ranCall notes that calls of session sid up to id have run (read: it was
// just checked, with key hash hash).
func (c *cluster) ranCall(sid string, hash []byte, client Client, id int64, read bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sv := c.served[sid]
	if sv == nil {
		sv = &served{}
		c.served[sid] = sv
	}
	now := time.Now()
	if read {
		sv.hash, sv.checked = hash, now
	}
	sv.client, sv.lastCall, sv.callAt = client, max(sv.lastCall, id), now
}

// forgetServed makes the node check session sid again before it answers
// it: a notification named it (it may have ended).
func (c *cluster) forgetServed(sid string) {
	if sv := c.served[sid]; sv != nil {
		sv.checked = time.Time{}
	}
}

// flush writes down what the push requests of this node did since the
// last flush, for every session, in one statement; it forgets the
// sessions whose push requests it has not seen for checkEvery. With all,
// every session counts as not waiting here: the node is stopping.
func (c *cluster) flush(ctx context.Context, all bool) error {
	type row struct {
		sid   string
		at    time.Time
		holds bool
		cut   bool
		need  int64
	}
	var rows []row
	c.mu.Lock()
	for sid, sv := range c.served {
		switch {
		case sv.dirty || all && sv.holds:
			rows = append(rows, row{sid: sid, at: sv.at, holds: sv.holds && !all, cut: sv.cut, need: sv.need})
			sv.dirty = false
		case !sv.holds && time.Since(sv.at) > checkEvery && time.Since(sv.checked) > checkEvery && time.Since(sv.callAt) > checkEvery:
			delete(c.served, sid)
		}
	}
	c.mu.Unlock()
	if len(rows) == 0 {
		return nil
	}
	slices.SortFunc(rows, func(a, b row) int { return cmp.Compare(a.sid, b.sid) })
	n := len(rows)
	sids, ats, holds, cuts, needs := make([]string, n), make([]time.Time, n), make([]bool, n), make([]bool, n), make([]int64, n)
	for i, r := range rows {
		sids[i], ats[i], holds[i], cuts[i], needs[i] = r.sid, r.at, r.holds, r.cut, r.need
	}
	err := c.writePolls(ctx, sids, ats, holds, cuts, needs)
	if err != nil {
		// Written down with the next flush.
		c.mu.Lock()
		for _, r := range rows {
			if sv := c.served[r.sid]; sv != nil && !sv.dirty {
				sv.dirty = true
			}
		}
		c.mu.Unlock()
	}
	return err
}

// writePolls writes down what the push requests of sessions sids (in
// order) did here. A session's row takes this node's word for whether a
// push request waits, and whether the last one was closed by its page,
// when this node saw the last of them; otherwise it only stops naming
// this node once none waits here.
func (c *cluster) writePolls(ctx context.Context, sids []string, ats []time.Time, holds, cuts []bool, needs []int64) error {
	// The rows are locked in session order first: an UPDATE alone locks
	// in the order of its plan, and could deadlock with another node's.
	tx, err := c.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT FROM "_prog_polls" WHERE "session" = ANY($1) ORDER BY "session" FOR UPDATE`, sids); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE "_prog_polls" p SET
			"last_poll" = greatest(p."last_poll", e.at),
			"poll_node" = CASE WHEN e.at >= p."last_poll" THEN CASE WHEN e.holds THEN $6::bigint END
				WHEN p."poll_node" = $6 AND NOT e.holds THEN NULL ELSE p."poll_node" END,
			"cut_at" = CASE WHEN e.at >= p."last_poll" THEN CASE WHEN e.cut THEN e.at END ELSE p."cut_at" END,
			"need" = greatest(p."need", e.need)
		FROM unnest($1::text[], $2::timestamptz[], $3::bool[], $4::bool[], $5::bigint[]) AS e (session, at, holds, cut, need)
		WHERE p."session" = e.session`, sids, ats, holds, cuts, needs, c.node); err != nil {
		return err
	}
	return tx.Commit()
}

// writer checks the sessions of this node's push requests, a batch at a
// time, and writes down what they did every flushEvery. One goroutine
// does both, so that a check never waits behind more than one statement.
func (c *cluster) writer(flushEvery time.Duration) {
	defer c.wg.Done()
	tick := time.NewTicker(flushEvery)
	defer tick.Stop()
	for {
		select {
		case <-c.ctx.Done():
			c.mu.Lock()
			checks := c.checks
			c.checks = nil
			c.mu.Unlock()
			for _, ck := range checks {
				ck.err = c.ctx.Err()
				close(ck.done)
			}
			return
		case <-tick.C:
			if err := c.flush(c.ctx, false); err != nil && c.ctx.Err() == nil {
				c.notifyLog.log(c.srv.log, "writing down this node's push requests failed; trying again", "err", err)
			}
		case <-c.write:
		}
		c.mu.Lock()
		checks := c.checks
		c.checks = nil
		c.mu.Unlock()
		if len(checks) > 0 {
			c.checkSessions(checks)
		}
	}
}

// behind says why a page whose queue holds msgs (all it has not
// acknowledged) fell too far behind, or "".
func (c *cluster) behind(msgs []message) string {
	lim := c.srv.cfg.Limits
	var bytes int
	for _, m := range msgs {
		bytes += len(m.V)
	}
	if len(msgs) <= lim.QueueMsgs && bytes <= lim.QueueBytes {
		return ""
	}
	return fmt.Sprintf("the page fell behind: %d messages (%d bytes) were waiting for it to acknowledge them, past its bound of %d messages or %d bytes",
		len(msgs), bytes, lim.QueueMsgs, lim.QueueBytes)
}

// endBehind ends session sid, which fell behind, with why, forgets its
// messages and tells the other nodes.
func (c *cluster) endBehind(ctx context.Context, sid, why string) error {
	c.srv.log.Warn("client ended: its page fell behind", "session", sid, "limit_msgs", c.srv.cfg.QueueMsgs, "limit_bytes", c.srv.cfg.QueueBytes)
	if _, err := c.db.ExecContext(ctx, `UPDATE "_prog_sessions" SET "ended" = $2 WHERE "id" = $1`, sid, why); err != nil {
		return err
	}
	c.log.drop(sid)
	c.changed(sid)
	return nil
}
