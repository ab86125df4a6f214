package runtime

// The wire protocol in cluster mode (cluster.go): each request reads its
// session from the database, so that any node answers it.

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// unavailableAnswer is what a page is told when the database does not
// answer a request of the runtime's own.
const unavailableAnswer = "the database is unavailable; try again later"

// clusterStartSession stores a new session; it answers 503 and returns
// false when it cannot.
func (s *Server) clusterStartSession(w http.ResponseWriter, r *http.Request, ss *session) bool {
	_, err := s.db.DB.ExecContext(r.Context(), `WITH s AS (INSERT INTO "_prog_sessions" ("id", "key_hash", "client", "host", "build") VALUES ($1, $2, $3, $4, $5))
		INSERT INTO "_prog_polls" ("session", "need") VALUES ($1, $6)`,
		ss.id, keyHash(ss.key), int64(ss.client), ss.host, s.build, s.cluster.log.next())
	if err != nil {
		s.log.Error("starting a session", "err", err)
		writeJSONError(w, http.StatusServiceUnavailable, unavailableAnswer)
		return false
	}
	return true
}

// clusterSession reads the request's session and checks its key, or
// answers with 410 (unknown, collected or ended), 409 (served by another
// build of the program: version skew), 403 (wrong key) or 503 (the
// database does not answer) and returns nil. The *session is the
// request's own: only its id, client and lastRun are set.
func (s *Server) clusterSession(w http.ResponseWriter, r *http.Request) *session {
	ss := &session{id: r.PathValue("sid")}
	var hash []byte
	var client int64
	var ended sql.NullString
	var gone bool
	var build string
	err := s.db.DB.QueryRowContext(r.Context(), `SELECT "key_hash", "client", "last_call", "ended", "gone" OR "collector" IS NOT NULL, "build"
		FROM "_prog_sessions" WHERE "id" = $1`, ss.id).Scan(&hash, &client, &ss.lastRun, &ended, &gone, &build)
	switch {
	case errors.Is(err, sql.ErrNoRows) || err == nil && gone:
		writeJSONError(w, http.StatusGone, "session expired")
		return nil
	case err != nil:
		s.log.Error("reading a session", "err", err)
		writeJSONError(w, http.StatusServiceUnavailable, unavailableAnswer)
		return nil
	case subtle.ConstantTimeCompare(keyHash(r.Header.Get("Prog-Key")), hash) != 1:
		writeJSONError(w, http.StatusForbidden, "wrong session key")
		return nil
	case ended.Valid:
		writeJSONError(w, http.StatusGone, "session ended: "+ended.String)
		return nil
	case build != s.build:
		// A page of another build that sent no Prog-Build header
		// (otherBuild answers those that did, before this): the same
		// answer, so it reloads itself.
		writeOtherBuild(w)
		return nil
	}
	ss.client = Client(client)
	return ss
}

// clusterPush is the long poll in cluster mode: it answers with the
// messages past ack that this node read of the log, or waits for some. The
// session is checked in the database once in checkEvery (cluster_poll.go).
func (s *Server) clusterPush(w http.ResponseWriter, r *http.Request, ack int64) {
	c := s.cluster
	sid := r.PathValue("sid")
	if ack > c.log.limit() {
		// The page acknowledges what another node has read and this one
		// not yet; or nothing sent.
		ctx, cancel := context.WithTimeout(r.Context(), rereadEvery)
		c.log.catchUp(ctx)
		cancel()
		if ack > c.log.limit() {
			if ss := s.clusterSession(w, r); ss != nil {
				writeJSONError(w, http.StatusBadRequest, fmt.Sprintf("ack %d is beyond the last message sent", ack))
			}
			return
		}
	}
	hash := keyHash(r.Header.Get("Prog-Key"))
	if !c.fresh(sid, hash) {
		ok, err := c.check(sid, hash)
		switch {
		case err != nil:
			s.log.Error("checking a session", "err", err)
			writeJSONError(w, http.StatusServiceUnavailable, unavailableAnswer)
			return
		case !ok:
			// Not a live session of this build, or the key: the session's
			// own read says which, and answers.
			if ss := s.clusterSession(w, r); ss != nil {
				writeJSONError(w, http.StatusServiceUnavailable, unavailableAnswer) // it changed meanwhile: the page tries again
			}
			return
		}
	}
	gen := c.begin(sid)
	// The waiter comes before the first look at the queue: a message read
	// from then on wakes it.
	wake := c.waiter(sid)
	defer func() { c.release(sid, wake) }()
	c.log.acked(sid, ack)
	msgs, need := c.log.pending(sid, ack)
	if len(msgs) > 0 {
		c.polled(sid, gen, false, false, need)
		s.answerQueue(w, r, sid, msgs)
		return
	}
	c.polled(sid, gen, true, false, need)
	cut := false // the page closed this request
	defer func() {
		_, need := c.log.pending(sid, ack)
		c.polled(sid, gen, false, cut, need)
		if s.hooks.pollEnds != nil {
			s.hooks.pollEnds(cut)
		}
	}()
	timer := time.NewTimer(s.cfg.PollTimeout)
	defer timer.Stop()
	reread := time.NewTicker(rereadEvery)
	defer reread.Stop()
	for {
		if s.hooks.pollWaits != nil {
			s.hooks.pollWaits()
		}
		select {
		case <-wake.done:
		case <-reread.C:
		case <-timer.C:
			writeMessages(w, nil)
			return
		case <-s.ctx.Done(): // shutting down
			writeMessages(w, nil)
			return
		case <-r.Context().Done():
			// The page went away, or its network did: unless it polls
			// again within the leave grace, its client is collected.
			cut = true
			return
		}
		// Each look comes after its waiter: a wake from then on is not
		// lost.
		c.release(sid, wake)
		wake = c.waiter(sid)
		if !c.newest(sid, gen) {
			writeMessages(w, nil) // a newer push request answers
			return
		}
		if msgs, _ := c.log.pending(sid, ack); len(msgs) > 0 {
			s.answerQueue(w, r, sid, msgs)
			return
		}
		// Woken without messages: the session may have ended.
		ended, err := c.sessionEnded(r.Context(), sid)
		switch {
		case err != nil && r.Context().Err() != nil:
			cut = true
			return
		case err != nil:
			s.log.Error("reading a session", "err", err)
			writeJSONError(w, http.StatusServiceUnavailable, unavailableAnswer)
			return
		case ended != "":
			writeJSONError(w, http.StatusGone, ended)
			return
		}
	}
}

// answerQueue answers a push request of session sid with msgs, unless the
// page fell too far behind: then the session ends.
func (s *Server) answerQueue(w http.ResponseWriter, r *http.Request, sid string, msgs []message) {
	why := s.cluster.behind(msgs)
	if why == "" {
		writeMessages(w, msgs)
		return
	}
	if err := s.cluster.endBehind(r.Context(), sid, why); err != nil {
		s.log.Error("ending a session", "err", err)
		writeJSONError(w, http.StatusServiceUnavailable, unavailableAnswer)
		return
	}
	writeJSONError(w, http.StatusGone, "session ended: "+why)
}

// writeMessages answers a push request.
func writeMessages(w http.ResponseWriter, msgs []message) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(appendMessages(nil, msgs))
}

// sessionEnded reads why session sid ended ("session expired" once it
// is collected, "session ended: …" when it ended), or "".
func (c *cluster) sessionEnded(ctx context.Context, sid string) (string, error) {
	var end sql.NullString
	var gone bool
	err := c.db.QueryRowContext(ctx, `SELECT "ended", "gone" OR "collector" IS NOT NULL FROM "_prog_sessions" WHERE "id" = $1`, sid).Scan(&end, &gone)
	switch {
	case errors.Is(err, sql.ErrNoRows) || err == nil && gone:
		return "session expired", nil
	case err != nil:
		return "", err
	case end.Valid:
		return "session ended: " + end.String, nil
	}
	return "", nil
}

// clusterCall runs remote call id of session ss in cluster mode: a stored
// answer answers at once; otherwise the call waits for its turn (the
// session's smaller ids, up to gapWait), then runs under the session's
// advisory lock, which makes the calls of one session run one at a time
// on every node; its answer is stored in its transaction.
func (s *Server) clusterCall(w http.ResponseWriter, r *http.Request, ss *session, id int64, fn string, run func(*Ctx) any) {
	c := s.cluster
	if ss.clusterCached && id != ss.lastRun+1 {
		// Not the next call this node knows of: the database says where
		// the page's calls are.
		if ss = s.clusterSession(w, r); ss == nil {
			return
		}
	}
	var answer []byte
	var err error
	if id <= ss.lastRun {
		// A repeat (past the largest id answered when the session was
		// read, a run that commits meanwhile is found when this one's
		// answer collides with its own).
		answer, err = c.storedAnswer(r.Context(), ss.id, id)
	}
	switch {
	case err != nil:
		s.log.Error("reading a call's answer", "err", err)
		writeJSONError(w, http.StatusServiceUnavailable, unavailableAnswer)
		return
	case answer == nil && id <= ss.lastRun-maxCallsKept:
		writeJSONError(w, http.StatusConflict, fmt.Sprintf("call id %d is too old to answer again", id))
		return
	case answer == nil:
		if !s.clusterTurn(r.Context(), ss, id) {
			return // the page went away before its call began
		}
		ss.clusterCall = &clusterCall{id: id}
		// An earlier run of the same id that commits meanwhile is found
		// when this one's answer collides with its answer (clusterCommit),
		// not by a read here: a read in the transaction would make calls
		// of other sessions fail to serialize with this one (SSI locks the
		// index page it reads, where their answers go).
		body := func(x *Ctx) any {
			x.self.clusterCall.stored = nil
			// The lock goes with BEGIN (held), and is taken before the
			// body runs.
			tx := x.begin()
			if _, err := tx.ExecContext(x.ctx, "SELECT pg_advisory_xact_lock($1, hashtext($2))", lockCalls, ss.id); err != nil {
				failDB(err)
			}
			return run(x)
		}
		_, err := s.run(context.WithoutCancel(r.Context()), ss, body)
		switch {
		case ss.clusterCall.tooOld:
			writeJSONError(w, http.StatusConflict, fmt.Sprintf("call id %d is too old to answer again", id))
			return
		case ss.clusterCall.stored != nil:
			answer = ss.clusterCall.stored
			if s.hooks.callRepeated != nil {
				s.hooks.callRepeated(id)
			}
		case ss.clusterCall.gone && ss.clusterCached:
			// Not read before the call: answered as a read would have.
			if s.clusterSession(w, r) == nil {
				return
			}
			answer = s.failedCall(r.Context(), id, fn, ss.client, err)
		case err == nil:
			answer = ss.clusterCall.answer
			c.ranCall(ss.id, nil, ss.client, id, false)
		default:
			// Nothing of the call is kept; its answer is, unless another
			// run of the same id answered first.
			answer = s.failedCall(r.Context(), id, fn, ss.client, err)
			ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
			defer cancel()
			var stored []byte
			err := c.db.QueryRowContext(ctx, `WITH u AS (UPDATE "_prog_sessions" SET "last_call" = greatest("last_call", $2) WHERE "id" = $1)
				INSERT INTO "_prog_calls" ("session", "id", "answer") VALUES ($1, $2, $3)
				ON CONFLICT ("session", "id") DO UPDATE SET "answer" = "_prog_calls"."answer" RETURNING "answer"`, ss.id, id, answer).Scan(&stored)
			if err == nil {
				answer = stored
			}
		}
	default:
		if s.hooks.callRepeated != nil {
			s.hooks.callRepeated(id)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(answer)
}

// storedAnswer returns the stored answer of call id of session sid, or
// nil.
func (c *cluster) storedAnswer(ctx context.Context, sid string, id int64) ([]byte, error) {
	var answer []byte
	err := c.db.QueryRowContext(ctx, `SELECT "answer" FROM "_prog_calls" WHERE "session" = $1 AND "id" = $2`, sid, id).Scan(&answer)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return answer, err
}

// clusterTurn waits until every smaller call id of ss has run, on any
// node, or for gapWait (a page that skipped an id is not waited for
// longer). It returns false when the request ended first.
func (s *Server) clusterTurn(ctx context.Context, ss *session, id int64) bool {
	c := s.cluster
	deadline := time.NewTimer(s.gapWait)
	defer deadline.Stop()
	reread := time.NewTicker(rereadEvery)
	defer reread.Stop()
	c.mu.Lock()
	c.turns[ss.id]++
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		if c.turns[ss.id]--; c.turns[ss.id] == 0 {
			delete(c.turns, ss.id)
		}
		c.mu.Unlock()
	}()
	for last := ss.lastRun; id > last+1; {
		wake := c.waiter(ss.id)
		err := c.db.QueryRowContext(ctx, `SELECT "last_call" FROM "_prog_sessions" WHERE "id" = $1`, ss.id).Scan(&last)
		if err != nil || id <= last+1 {
			c.release(ss.id, wake)
			return err == nil || ctx.Err() == nil // gone or unavailable: the run says so
		}
		if s.hooks.callWaits != nil {
			s.hooks.callWaits(id)
		}
		select {
		case <-wake.done:
		case <-reread.C:
		case <-deadline.C:
			c.release(ss.id, wake)
			return true
		case <-ctx.Done():
			c.release(ss.id, wake)
			return false
		}
		c.release(ss.id, wake)
	}
	return true
}

// clusterLeave is the beacon of a closing page in cluster mode: the
// session is marked gone, and this node's collector runs at once.
func (s *Server) clusterLeave(w http.ResponseWriter, r *http.Request, sid, key string) {
	var hash []byte
	err := s.db.DB.QueryRowContext(r.Context(), `SELECT "key_hash" FROM "_prog_sessions" WHERE "id" = $1`, sid).Scan(&hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		s.log.Error("reading a session", "err", err)
		writeJSONError(w, http.StatusServiceUnavailable, unavailableAnswer)
		return
	case subtle.ConstantTimeCompare(keyHash(key), hash) != 1:
		writeJSONError(w, http.StatusForbidden, "wrong session key")
		return
	default:
		if _, err := s.db.DB.ExecContext(r.Context(), `UPDATE "_prog_sessions" SET "gone" = true WHERE "id" = $1`, sid); err != nil {
			s.log.Error("ending a session", "err", err)
			writeJSONError(w, http.StatusServiceUnavailable, unavailableAnswer)
			return
		}
		s.cluster.changed(sid) // its push request ends
		select {
		case s.collectNow <- struct{}{}:
		default: // the collector is about to run
		}
	}
	w.WriteHeader(http.StatusNoContent)
}
