package runtime

// The message log of cluster mode (cluster.go). A transaction that sends
// inserts one row into _prog_log: its messages (channel, value), each
// value once however many channels it goes to. The row gets its place in
// the log, pos, after it commits: a node numbers the rows it sees
// unnumbered, one node at a time (the lock of _prog_logpos's row), so the
// rows are numbered in an order that every reader sees as a prefix: a row
// numbered later than another was committed later than that one was
// numbered. Every node reads the log in that order into its memory: for
// each session, the messages not known to be acknowledged. A push request
// answers from there, on any node, so a delivery costs the database
// nothing of its own: a fan-out to 1,000 pages is one row.
//
// A message's number is its place: pos << 16 | its index in the row. Every
// node gives it the same number; a page's numbers increase, with gaps.
//
// Rows go once no session needs them: each session's _prog_polls row keeps
// need, a position before which it needs nothing (its push requests write
// it), and every rereadEvery each node deletes the rows before the
// smallest, and forgets those messages.

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	posShift   = 16            // a message's number is its row's position << posShift | its index in the row
	rowMsgsMax = 1 << posShift // messages in one row at most: a transaction that sends more writes more rows
	readBatch  = 256           // rows one read of the log takes at most
)

// clusterLog is a node's reader of the log, and what it read.
type clusterLog struct {
	c *cluster

	number chan struct{} // this node committed a row: number, then read
	read   chan struct{} // another node numbered rows: read
	pid    uint32        // the backend of the reader's connection (its own notifications are not read)

	mu     sync.Mutex
	last   int64                // the position of the last row read
	queues map[string][]message // a session's messages not known to be acknowledged, in order
	done   chan struct{}        // closed when the next read ends

	readLog errorLog
}

func newClusterLog(c *cluster) *clusterLog {
	return &clusterLog{
		c:      c,
		number: make(chan struct{}, 1),
		read:   make(chan struct{}, 1),
		queues: map[string][]message{},
		done:   make(chan struct{}),
	}
}

// kick tells the reader that this node committed a row.
func (l *clusterLog) kick() { poke(l.number) }

// poke tells the reader to read (another node numbered rows).
func (l *clusterLog) poke() { poke(l.read) }

func poke(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// run numbers and reads the log until ctx ends. conn is its own.
func (l *clusterLog) run(ctx context.Context, conn *pgx.Conn) {
	tick := time.NewTicker(rereadEvery)
	defer tick.Stop()
	number, trim := true, true // rows a node left unnumbered when it died, and rows left from before
	for {
		if conn == nil {
			var err error
			if conn, err = pgx.Connect(ctx, l.c.srv.cfg.DB); err != nil {
				conn = nil
				if ctx.Err() != nil {
					return
				}
				l.readLog.log(l.c.srv.log, "cannot read the message log; trying again", "err", err)
				t := time.NewTimer(relistenGap)
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
				continue
			}
			l.mu.Lock()
			l.pid = conn.PgConn().PID()
			l.mu.Unlock()
		}
		if err := l.step(ctx, conn, number, trim); err != nil {
			closeConn(conn)
			conn = nil
			if ctx.Err() != nil {
				return
			}
			l.readLog.log(l.c.srv.log, "reading the message log failed; reading it again", "err", err)
			continue
		}
		number, trim = false, false
		select {
		case <-ctx.Done():
			closeConn(conn)
			return
		case <-l.number:
			number = true
		case <-l.read:
		case <-tick.C:
			number, trim = true, true
		}
	}
}

// step numbers the rows committed unnumbered (when number), reads the
// rows past the last one read, and deletes the rows no session needs
// (when trim).
func (l *clusterLog) step(ctx context.Context, conn *pgx.Conn, number, trim bool) error {
	l.mu.Lock()
	done := l.done
	l.done = make(chan struct{})
	l.mu.Unlock()
	defer close(done)
	read := true
	if number {
		rows, err := numberLog(ctx, conn)
		if err != nil {
			return err
		}
		l.mu.Lock()
		next := l.last + 1
		l.mu.Unlock()
		if len(rows) > 0 && rows[0].pos == next {
			// The rows this node numbered come right after those it had
			// read: they are read. Rows other nodes number later wake it.
			if err := l.apply(ctx, conn, rows, 0); err != nil {
				return err
			}
			read = false
		}
	}
	for read {
		n, err := l.readRows(ctx, conn)
		if err != nil {
			return err
		}
		read = n == readBatch
	}
	if trim {
		return l.trim(ctx, conn)
	}
	return nil
}

// numberLog numbers the committed rows of the log that have no position,
// in the order they were inserted, after the last position given, tells
// the other nodes when it numbered any, and returns those rows. The row of
// _prog_logpos is locked first: one node numbers at a time, and the
// numbering statement comes after the lock, so it sees every row the one
// before numbered. The statements go in one round trip (one implicit
// transaction; each reads the database as it is when it starts).
func numberLog(ctx context.Context, conn *pgx.Conn) ([]logRow, error) {
	b := &pgx.Batch{}
	b.Queue(`SELECT FROM "_prog_logpos" FOR UPDATE`)
	b.Queue(`WITH n AS (SELECT "ord", (SELECT "next" FROM "_prog_logpos") - 1 + row_number() OVER (ORDER BY "ord") AS pos
			FROM "_prog_log" WHERE "pos" IS NULL),
		u AS (UPDATE "_prog_log" l SET "pos" = n.pos FROM n WHERE l."ord" = n."ord" RETURNING n.pos, l."body"),
		c AS (UPDATE "_prog_logpos" SET "next" = (SELECT max(pos) + 1 FROM u) WHERE EXISTS (SELECT FROM u) RETURNING 1)
		SELECT u.pos, u."body" FROM u CROSS JOIN (SELECT pg_notify($1, '') FROM c) AS w ORDER BY u.pos`, wakeChannel)
	res := conn.SendBatch(ctx, b)
	defer res.Close()
	if _, err := res.Exec(); err != nil {
		return nil, err
	}
	rows, err := res.Query()
	if err != nil {
		return nil, err
	}
	var got []logRow
	var pos int64
	var body []byte
	_, err = pgx.ForEachRow(rows, []any{&pos, &body}, func() error {
		got = append(got, logRow{pos: pos, body: slices.Clone(body)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return got, res.Close()
}

// A logRow is a row of the log as read: its place, and its body.
type logRow struct {
	pos  int64
	body []byte
}

// readRows reads up to readBatch rows past the last one read into the
// queues of their sessions, and wakes those sessions here. It returns the
// number of rows read.
func (l *clusterLog) readRows(ctx context.Context, conn *pgx.Conn) (int, error) {
	l.mu.Lock()
	from := l.last
	l.mu.Unlock()
	// The last place given comes in the same snapshot: when every row
	// past from has been read, places up to it that no row has were
	// deleted (no page needs them), and a page may acknowledge up to it.
	rows, err := conn.Query(ctx, `SELECT p."next" - 1, l."pos", l."body" FROM "_prog_logpos" p
		LEFT JOIN LATERAL (SELECT "pos", "body" FROM "_prog_log" WHERE "pos" > $1 ORDER BY "pos" LIMIT $2) l ON true`, from, readBatch)
	if err != nil {
		return 0, err
	}
	var got []logRow
	var body []byte
	var given int64
	var pos *int64
	_, err = pgx.ForEachRow(rows, []any{&given, &pos, &body}, func() error {
		if pos != nil { // else no row past from
			got = append(got, logRow{pos: *pos, body: slices.Clone(body)})
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if len(got) < readBatch {
		return len(got), l.apply(ctx, conn, got, given)
	}
	return len(got), l.apply(ctx, conn, got, 0)
}

// apply puts the messages of rows, read in order after the last read,
// into the queues of their sessions, and wakes those sessions here. given,
// unless 0, is the last place given, from the same snapshot as rows, all
// of the rows past the last read up to it.
func (l *clusterLog) apply(ctx context.Context, conn *pgx.Conn, rows []logRow, given int64) error {
	msgs := make([][]logMsg, len(rows))
	var chans []int64
	for i, r := range rows {
		var err error
		if msgs[i], err = decodeLogRow(r.body); err != nil {
			// Not a row this runtime wrote: its messages cannot be read.
			l.readLog.log(l.c.srv.log, "a row of the message log cannot be read; its messages are lost", "pos", r.pos, "err", err)
		}
		for _, m := range msgs[i] {
			chans = append(chans, m.ch)
		}
	}
	owners, err := l.c.sessionsOf(ctx, conn, chans)
	if err != nil {
		return err
	}
	var woken []string
	l.mu.Lock()
	for i, r := range rows {
		for j, m := range msgs[i] {
			sid := owners[m.ch]
			if sid == "" {
				continue // the channel's owner is gone
			}
			q := l.queues[sid]
			if len(q) == 0 || q[len(q)-1].Seq < rows[0].pos<<posShift {
				woken = append(woken, sid) // its first of these rows
			}
			l.queues[sid] = append(q, message{Seq: r.pos<<posShift | int64(j), Ch: m.ch, V: m.v})
		}
	}
	if len(rows) > 0 {
		l.last = rows[len(rows)-1].pos
	}
	l.last = max(l.last, given)
	l.mu.Unlock()
	l.c.mu.Lock()
	for _, sid := range woken {
		l.c.wakeLocked(sid)
	}
	l.c.mu.Unlock()
	return nil
}

// trim deletes the rows of the log that no session needs (with no
// session, no row is needed), and forgets the messages of each session
// that it needs no more, whichever node its pages polled.
func (l *clusterLog) trim(ctx context.Context, conn *pgx.Conn) error {
	l.mu.Lock()
	next := l.last + 1
	sids := make([]string, 0, len(l.queues))
	for sid := range l.queues {
		sids = append(sids, sid)
	}
	l.mu.Unlock()
	if _, err := conn.Exec(ctx, `DELETE FROM "_prog_log" WHERE "pos" < (SELECT coalesce(min("need"), $1) FROM "_prog_polls")`, next); err != nil {
		return err
	}
	if len(sids) == 0 {
		return nil
	}
	needs := make(map[string]int64, len(sids))
	rows, err := conn.Query(ctx, `SELECT "session", "need" FROM "_prog_polls" WHERE "session" = ANY($1)`, sids)
	if err != nil {
		return err
	}
	var sid string
	var need int64
	if _, err := pgx.ForEachRow(rows, []any{&sid, &need}, func() error {
		needs[sid] = need
		return nil
	}); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, sid := range sids {
		need, ok := needs[sid]
		if !ok {
			delete(l.queues, sid) // collected
			continue
		}
		q := l.queues[sid]
		i := 0
		for i < len(q) && q[i].Seq>>posShift < need {
			i++
		}
		switch {
		case i == len(q):
			delete(l.queues, sid)
		case i > 0:
			l.queues[sid] = slices.Clone(q[i:])
		}
	}
	return nil
}

// catchUp waits until a read of the log that begins now has ended (or ctx
// ends).
func (l *clusterLog) catchUp(ctx context.Context) {
	l.mu.Lock()
	done := l.done
	l.mu.Unlock()
	l.poke()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// limit is the largest number a page may acknowledge: that of the last
// message of the last row read.
func (l *clusterLog) limit() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last<<posShift | (rowMsgsMax - 1)
}

// next is the position of the next row to read: a session made now needs
// nothing before it (no row numbered before the session was made has a
// message for it).
func (l *clusterLog) next() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last + 1
}

// pending returns the messages of session sid past ack, and the position
// before which the session needs nothing: that of the first of them, or
// the next row to read.
func (l *clusterLog) pending(sid string, ack int64) (msgs []message, need int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	q := l.queues[sid]
	i, _ := slices.BinarySearchFunc(q, ack+1, func(m message, seq int64) int { return cmp.Compare(m.Seq, seq) })
	if i == len(q) {
		return nil, l.last + 1
	}
	// The messages of a queue are never changed, and what is appended
	// goes past this slice's capacity: it is the caller's to keep.
	return q[i:len(q):len(q)], q[i].Seq >> posShift
}

// acked forgets the messages of session sid up to ack.
func (l *clusterLog) acked(sid string, ack int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	q := l.queues[sid]
	i, _ := slices.BinarySearchFunc(q, ack+1, func(m message, seq int64) int { return cmp.Compare(m.Seq, seq) })
	switch {
	case i == len(q):
		delete(l.queues, sid)
	case i > 0:
		l.queues[sid] = q[i:] // the messages before go when an append moves the queue
	}
}

// drop forgets the messages of session sid: it ended.
func (l *clusterLog) drop(sid string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.queues, sid)
}

// A logMsg is one message of a row of the log.
type logMsg struct {
	ch int64
	v  []byte
}

// encodeLogRows encodes sends as the bodies of rows of the log, each of at
// most rowMsgsMax messages: the values (each once, where the same value
// goes to channels one after the other, as a fan-out sends it), then each
// message's channel and value.
func encodeLogRows(sends []pendingSend) [][]byte {
	var bodies [][]byte
	for len(sends) > 0 {
		n := min(len(sends), rowMsgsMax)
		bodies = append(bodies, encodeLogRow(sends[:n]))
		sends = sends[n:]
	}
	return bodies
}

func encodeLogRow(sends []pendingSend) []byte {
	which := make([]int, len(sends))
	var vals [][]byte
	for i, m := range sends {
		if len(vals) == 0 || string(vals[len(vals)-1]) != string(m.v) {
			vals = append(vals, m.v)
		}
		which[i] = len(vals) - 1
	}
	b := binary.AppendUvarint(nil, uint64(len(vals)))
	for _, v := range vals {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	b = binary.AppendUvarint(b, uint64(len(sends)))
	for i, m := range sends {
		b = binary.AppendUvarint(b, uint64(m.ch))
		b = binary.AppendUvarint(b, uint64(which[i]))
	}
	return b
}

var errLogRow = errors.New("malformed row")

// decodeLogRow decodes what encodeLogRow encoded. The values are slices of
// b.
func decodeLogRow(b []byte) ([]logMsg, error) {
	next := func() (uint64, error) {
		x, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, errLogRow
		}
		b = b[n:]
		return x, nil
	}
	nv, err := next()
	if err != nil || nv > uint64(len(b)) {
		return nil, errLogRow
	}
	vals := make([][]byte, nv)
	for i := range vals {
		n, err := next()
		if err != nil || n > uint64(len(b)) {
			return nil, errLogRow
		}
		vals[i], b = b[:n:n], b[n:]
	}
	nm, err := next()
	if err != nil || nm > uint64(len(b)) {
		return nil, errLogRow
	}
	msgs := make([]logMsg, nm)
	for i := range msgs {
		ch, err := next()
		if err != nil {
			return nil, errLogRow
		}
		w, err := next()
		if err != nil || w >= nv {
			return nil, fmt.Errorf("%w: message %d names value %d of %d", errLogRow, i, w, nv)
		}
		msgs[i] = logMsg{ch: int64(ch), v: vals[w]}
	}
	if len(b) > 0 {
		return nil, errLogRow
	}
	return msgs, nil
}
