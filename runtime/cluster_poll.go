package runtime

// The start of push requests in cluster mode (cluster.go): the requests
// that arrive while the writer runs one statement start together in the
// next, which checks each one's session and key, deletes the messages it
// acknowledges, makes it its session's newest, and reads its queue. A
// fan-out wakes every page at once, and their next push requests start in
// a few statements rather than one each.

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
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

// startPollsTx numbers the queues of the sessions of a batch of starts,
// then starts them, in one transaction (READ COMMITTED).
func (c *cluster) startPollsTx(sids []string, hashes [][]byte, acks []int64, latest map[string]*pollStart) error {
	tx, err := c.db.BeginTx(c.ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := numberQueues(c.ctx, tx, sids); err != nil {
		return err
	}
	rows, err := tx.QueryContext(c.ctx, `WITH b AS (SELECT * FROM unnest($1::text[], $2::bytea[], $3::bigint[]) AS b (session, hash, ack)),
		ok AS (SELECT b.session, b.ack FROM b JOIN "_prog_sessions" s ON s."id" = b.session AND s."key_hash" = b.hash
			JOIN "_prog_polls" p ON p."session" = b.session AND b.ack < p."next_seq"
			WHERE s."ended" IS NULL AND NOT s."gone" AND s."collector" IS NULL AND s."build" = $5),
		d AS (DELETE FROM "_prog_messages" m USING ok WHERE m."session" = ok.session AND m."seq" <= ok.ack),
		old AS (SELECT p."session", p."poll_node" FROM "_prog_polls" p JOIN ok ON ok.session = p."session"),
		u AS (UPDATE "_prog_polls" p SET "acked" = greatest(p."acked", ok.ack),
				"poll_gen" = p."poll_gen" + 1, "last_poll" = now(), "cut_at" = NULL,
				"poll_node" = CASE WHEN EXISTS (SELECT FROM "_prog_messages" m WHERE m."session" = p."session" AND m."seq" > ok.ack) THEN NULL ELSE $4::bigint END
			FROM ok WHERE p."session" = ok.session RETURNING p."session", p."poll_gen", p."poll_node")
		SELECT u."session", u."poll_gen", u."poll_node" IS NOT NULL, old."poll_node", m."seq", m."ch", m."payload"
		FROM u JOIN ok ON ok.session = u."session" JOIN old ON old."session" = u."session"
		LEFT JOIN "_prog_messages" m ON m."session" = u."session" AND m."seq" > ok.ack
		ORDER BY u."session", m."seq"`, sids, hashes, acks, c.node, c.srv.build)
	if err != nil {
		return err
	}
	if err := c.scanStarts(rows, latest); err != nil {
		return err
	}
	behind := map[string]string{}
	for _, sid := range sids {
		st := latest[sid]
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

// numberQueues numbers the unnumbered messages of sessions sids that tx
// sees, in the order of their "ord", after the last number each session
// gave: sends only insert, and a message gets its number when a push
// reads it. The rows of _prog_polls are locked first, in the order of
// their ids, and the numbering is a statement of its own, whose snapshot
// comes after the locks: the numbering of a session runs one at a time,
// each sees every number the one before gave, and a message that commits
// later than another is numbered after it unless both are seen at once,
// so a page that acknowledges a number has seen every message numbered
// before it.
func numberQueues(ctx context.Context, tx *sql.Tx, sids []string) error {
	if _, err := tx.ExecContext(ctx, `SELECT FROM "_prog_polls" WHERE "session" = ANY($1) ORDER BY "session" FOR UPDATE`, sids); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `WITH n AS (SELECT m."session", m."ord", p."next_seq" - 1 + row_number() OVER (PARTITION BY m."session" ORDER BY m."ord") AS seq
			FROM "_prog_messages" m JOIN "_prog_polls" p ON p."session" = m."session" WHERE m."session" = ANY($1) AND m."seq" IS NULL),
		u AS (UPDATE "_prog_messages" m SET "seq" = n.seq FROM n WHERE m."session" = n."session" AND m."ord" = n."ord")
		UPDATE "_prog_polls" p SET "next_seq" = c.seq + 1 FROM (SELECT "session", max(seq) AS seq FROM n GROUP BY "session") c WHERE p."session" = c."session"`, sids)
	return err
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
// deletes their queues.
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
	_, err := tx.ExecContext(c.ctx, `DELETE FROM "_prog_messages" WHERE "session" = ANY($1)`, ids)
	return err
}

// scanStarts reads the rows of startPolls into the starts they answer.
func (c *cluster) scanStarts(rows *sql.Rows, latest map[string]*pollStart) error {
	defer rows.Close()
	for rows.Next() {
		var sid string
		var gen int64
		var waits bool
		var older, seq, ch sql.NullInt64
		var v []byte
		if err := rows.Scan(&sid, &gen, &waits, &older, &seq, &ch, &v); err != nil {
			return err
		}
		st := latest[sid]
		if st == nil {
			continue
		}
		st.ok, st.gen, st.waits, st.older = true, gen, waits, older
		if seq.Valid {
			st.msgs = append(st.msgs, message{Seq: seq.Int64, Ch: ch.Int64, V: slices.Clone(v)})
		}
	}
	return rows.Err()
}
