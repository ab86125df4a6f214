package runtime

// The start of push requests in cluster mode (cluster.go): the requests
// that arrive while the writer runs one statement start together in the
// next, which checks each one's session and key, deletes the messages it
// acknowledges, makes it its session's newest, and reads its queue. A
// fan-out wakes every page at once, and their next push requests start in
// a few statements rather than one each.

import (
	"database/sql"
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
	rows, err := c.db.QueryContext(c.ctx, `WITH b AS (SELECT * FROM unnest($1::text[], $2::bytea[], $3::bigint[]) AS b (session, hash, ack)),
		ok AS (SELECT b.session, b.ack FROM b JOIN "_prog_sessions" s ON s."id" = b.session AND s."key_hash" = b.hash AND b.ack < s."next_seq"
			AND s."ended" IS NULL AND NOT s."gone" AND s."collector" IS NULL AND s."build" = $5),
		d AS (DELETE FROM "_prog_messages" m USING ok WHERE m."session" = ok.session AND m."seq" <= ok.ack
			RETURNING m."session", octet_length(m."payload") AS n),
		dn AS (SELECT "session", sum(n) AS n FROM d GROUP BY "session"),
		old AS (SELECT p."session", p."poll_node" FROM "_prog_polls" p JOIN ok ON ok.session = p."session"),
		u AS (UPDATE "_prog_polls" p SET "acked" = greatest(p."acked", ok.ack),
				"acked_bytes" = p."acked_bytes" + coalesce((SELECT n FROM dn WHERE dn."session" = p."session"), 0),
				"poll_gen" = p."poll_gen" + 1, "last_poll" = now(), "cut_at" = NULL,
				"poll_node" = CASE WHEN EXISTS (SELECT FROM "_prog_messages" m WHERE m."session" = p."session" AND m."seq" > ok.ack) THEN NULL ELSE $4::bigint END
			FROM ok WHERE p."session" = ok.session RETURNING p."session", p."poll_gen", p."poll_node")
		SELECT u."session", u."poll_gen", u."poll_node" IS NOT NULL, old."poll_node", m."seq", m."ch", m."payload"
		FROM u JOIN ok ON ok.session = u."session" JOIN old ON old."session" = u."session"
		LEFT JOIN "_prog_messages" m ON m."session" = u."session" AND m."seq" > ok.ack
		ORDER BY u."session", m."seq"`, sids, hashes, acks, c.node, c.srv.build)
	if err == nil {
		err = c.scanStarts(rows, latest)
	}
	for _, sid := range sids {
		st := latest[sid]
		if err != nil {
			st.ok, st.msgs = false, nil
			st.err = err
		}
		close(st.done)
	}
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
