package runtime

// The start of push requests in cluster mode (cluster.go): the requests
// that arrive while the writer runs one statement start together in the
// next, which checks each one's session and key, writes down what it
// needs of the log and makes it its session's newest; its messages are
// what this node read of the log (cluster_log.go). A fan-out wakes every
// page at once, and their next push requests start in a few statements
// rather than one each.

import (
	"database/sql"
	"fmt"
)

// A pollStart is one push request starting: what it asks, then, once
// done is closed, what the writer found.
type pollStart struct {
	sid  string
	hash []byte // the SHA-256 of the key it gave
	ack  int64
	done chan struct{}

	ok         bool // the session is live, of this build, the key right and the ack possible
	superseded bool // a newer push request of the session started in the same statement
	gen        int64
	waits      bool          // no messages: it waits, and writes down its end
	older      sql.NullInt64 // the node of the push request it supersedes, if one is open
	msgs       []message
	ended      string // why the session ended, when this start ended it (it fell behind)
	err        error
}

// startPoll starts a push request of session sid, with the SHA-256 of the
// key it gave and its ack, and waits for the writer.
func (c *cluster) startPoll(sid string, hash []byte, ack int64) *pollStart {
	st := &pollStart{sid: sid, hash: hash, ack: ack, done: make(chan struct{})}
	c.mu.Lock()
	if st.err = c.ctx.Err(); st.err != nil { // the writer has stopped
		c.mu.Unlock()
		return st
	}
	c.starts = append(c.starts, st)
	c.mu.Unlock()
	c.kickWriter()
	<-st.done
	return st
}

// startPolls runs one statement for starts and tells each its result.
// Of two starts of one session, the later one is its newest; the other
// answers at once, with nothing.
func (c *cluster) startPolls(starts []*pollStart) {
	latest := map[string]*pollStart{}
	for _, st := range starts {
		if prev := latest[st.sid]; prev != nil {
			prev.superseded, prev.ok = true, true
			close(prev.done)
		}
		latest[st.sid] = st
	}
	var sids []string
	var hashes [][]byte
	var acks []int64
	for _, st := range starts {
		if latest[st.sid] == st {
			sids, hashes, acks = append(sids, st.sid), append(hashes, st.hash), append(acks, st.ack)
		}
	}
	err := c.startPollsTx(sids, hashes, acks, latest)
	for _, sid := range sids {
		st := latest[sid]
		if err != nil {
			st.ok, st.msgs, st.ended = false, nil, ""
			st.err = err
		}
		close(st.done)
	}
}

// startPollsTx starts a batch of push requests in one statement (READ
// COMMITTED), then takes their messages from what this node read of the
// log.
func (c *cluster) startPollsTx(sids []string, hashes [][]byte, acks []int64, latest map[string]*pollStart) error {
	needs, has := make([]int64, len(sids)), make([]bool, len(sids))
	for i, sid := range sids {
		var msgs []message
		msgs, needs[i] = c.log.pending(sid, acks[i])
		has[i] = len(msgs) > 0
	}
	tx, err := c.db.BeginTx(c.ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// The rows of _prog_polls are locked in session order first, as
	// writeEnds locks them: an UPDATE alone locks in the order of its plan.
	if _, err := tx.ExecContext(c.ctx, `SELECT FROM "_prog_polls" WHERE "session" = ANY($1) ORDER BY "session" FOR UPDATE`, sids); err != nil {
		return err
	}
	rows, err := tx.QueryContext(c.ctx, `WITH b AS (SELECT * FROM unnest($1::text[], $2::bytea[], $3::bigint[], $4::bool[]) AS b (session, hash, need, has)),
		ok AS (SELECT b.session, b.need, b.has FROM b JOIN "_prog_sessions" s ON s."id" = b.session AND s."key_hash" = b.hash
			WHERE s."ended" IS NULL AND NOT s."gone" AND s."collector" IS NULL AND s."build" = $6),
		old AS (SELECT p."session", p."poll_node" FROM "_prog_polls" p JOIN ok ON ok.session = p."session"),
		u AS (UPDATE "_prog_polls" p SET "need" = greatest(p."need", ok.need),
				"poll_gen" = p."poll_gen" + 1, "last_poll" = now(), "cut_at" = NULL,
				"poll_node" = CASE WHEN ok.has THEN NULL ELSE $5::bigint END
			FROM ok WHERE p."session" = ok.session
			RETURNING p."session", p."poll_gen", p."poll_node")
		SELECT u."session", u."poll_gen", u."poll_node" IS NOT NULL, old."poll_node" FROM u JOIN old ON old."session" = u."session"`,
		sids, hashes, needs, has, c.node, c.srv.build)
	if err != nil {
		return err
	}
	if err := c.scanStarts(rows, latest); err != nil {
		return err
	}
	behind := map[string]string{}
	for i, sid := range sids {
		st := latest[sid]
		if !st.ok {
			continue
		}
		c.log.acked(sid, acks[i])
		st.msgs, _ = c.log.pending(sid, acks[i])
		if why := c.behind(st.msgs); why != "" {
			behind[sid] = why
			st.ended, st.msgs = "session ended: "+why, nil
		}
	}
	if err := c.endBehind(tx, behind); err != nil {
		return err
	}
	return tx.Commit()
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

// endBehind ends the sessions that fell behind, with why, in tx, and
// forgets their messages.
func (c *cluster) endBehind(tx *sql.Tx, behind map[string]string) error {
	if len(behind) == 0 {
		return nil
	}
	var ids, whys []string
	for id, why := range behind {
		ids, whys = append(ids, id), append(whys, why)
		c.srv.log.Warn("client ended: its page fell behind", "session", id, "limit_msgs", c.srv.cfg.QueueMsgs, "limit_bytes", c.srv.cfg.QueueBytes)
	}
	if _, err := tx.ExecContext(c.ctx, `UPDATE "_prog_sessions" s SET "ended" = b.why FROM unnest($1::text[], $2::text[]) AS b (id, why) WHERE s."id" = b.id`, ids, whys); err != nil {
		return err
	}
	for _, id := range ids {
		c.log.drop(id)
	}
	return nil
}

// scanStarts reads the rows of startPolls into the starts they answer.
func (c *cluster) scanStarts(rows *sql.Rows, latest map[string]*pollStart) error {
	defer rows.Close()
	for rows.Next() {
		var sid string
		var gen int64
		var waits bool
		var older sql.NullInt64
		if err := rows.Scan(&sid, &gen, &waits, &older); err != nil {
			return err
		}
		if st := latest[sid]; st != nil {
			st.ok, st.gen, st.waits, st.older = true, gen, waits, older
		}
	}
	return rows.Err()
}
