package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestLogRow: a row of the log gives back each message, in order, with
// its channel and value; a value sent to channels one after the other is
// stored once; past rowMsgsMax messages, a transaction writes more rows.
func TestLogRow(t *testing.T) {
	var sends []pendingSend
	for i := range 1000 {
		sends = append(sends, pendingSend{ch: int64(i + 1), v: json.RawMessage(`"the same line, to everyone"`)})
	}
	sends = append(sends, pendingSend{ch: 1 << 40, v: json.RawMessage(`{"x":1}`)}, pendingSend{ch: 7, v: json.RawMessage(`"the same line, to everyone"`)})
	bodies := encodeLogRows(sends)
	if len(bodies) != 1 {
		t.Fatalf("%d rows, want 1", len(bodies))
	}
	if n := len(bodies[0]); n > 1000*4+100 {
		t.Errorf("the row is %d bytes: the value is not stored once", n)
	}
	msgs, err := decodeLogRow(bodies[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != len(sends) {
		t.Fatalf("%d messages, want %d", len(msgs), len(sends))
	}
	for i, m := range msgs {
		if m.ch != sends[i].ch || string(m.v) != string(sends[i].v) {
			t.Fatalf("message %d is (%d, %s), want (%d, %s)", i, m.ch, m.v, sends[i].ch, sends[i].v)
		}
	}

	many := make([]pendingSend, rowMsgsMax+3)
	for i := range many {
		many[i] = pendingSend{ch: int64(i), v: json.RawMessage(fmt.Sprint(i))}
	}
	bodies = encodeLogRows(many)
	if len(bodies) != 2 {
		t.Fatalf("%d messages made %d rows, want 2", len(many), len(bodies))
	}
	first, err1 := decodeLogRow(bodies[0])
	second, err2 := decodeLogRow(bodies[1])
	if err1 != nil || err2 != nil || len(first) != rowMsgsMax || len(second) != 3 || string(second[2].v) != fmt.Sprint(rowMsgsMax+2) {
		t.Errorf("rows of %d and %d messages (%v, %v)", len(first), len(second), err1, err2)
	}
}

// FuzzLogRow: any bytes decode to messages or an error, never a panic;
// what encodeLogRow writes decodes to itself.
func FuzzLogRow(f *testing.F) {
	f.Add([]byte(`"a"`), []byte(`"a"`), int64(1), int64(2))
	f.Add([]byte(`1`), []byte(`2`), int64(1)<<62, int64(0))
	f.Fuzz(func(t *testing.T, a, b []byte, ch1, ch2 int64) {
		decodeLogRow(a)
		sends := []pendingSend{{ch: ch1, v: a}, {ch: ch2, v: b}, {ch: ch1, v: b}}
		msgs, err := decodeLogRow(encodeLogRow(sends))
		if err != nil || len(msgs) != 3 {
			t.Fatalf("%v, %d messages", err, len(msgs))
		}
		for i, m := range msgs {
			if m.ch != sends[i].ch || string(m.v) != string(sends[i].v) {
				t.Fatalf("message %d is (%d, %q), want (%d, %q)", i, m.ch, m.v, sends[i].ch, sends[i].v)
			}
		}
	})
}

// TestClusterUnnumberedRow: a row committed by a node that died before it
// numbered it is numbered by another node, within rereadEvery, and
// reaches its page.
func TestClusterUnnumberedRow(t *testing.T) {
	nodes := startNodes(t, 2, Config{})
	p := nodes[1].open(t)
	var sub struct{ Ok struct{ Ch int64 } }
	if err := json.Unmarshal([]byte(p.call(t, "subscribe")), &sub); err != nil {
		t.Fatal(err)
	}
	// As a node that dies after its commit leaves it: no kick, nothing
	// numbered, no notification.
	body := encodeLogRow([]pendingSend{{ch: sub.Ok.Ch, v: json.RawMessage(`"left unnumbered"`)}})
	if _, err := nodes[0].srv.db.Exec(`INSERT INTO "_prog_log" ("body") VALUES ($1)`, body); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*rereadEvery)
	defer cancel()
	if got := receive(t, ctx, p, 1); fmt.Sprint(got) != "[left unnumbered]" {
		t.Errorf("the page got %q", got)
	}
}

// TestClusterLogTrim: a node forgets the messages of a page whose push
// requests went to another node once that page has acknowledged them,
// and the rows of the log go once no page needs them.
func TestClusterLogTrim(t *testing.T) {
	nodes := startNodes(t, 2, Config{PollTimeout: 50 * time.Millisecond})
	a, b := nodes[0], nodes[1]
	p, sender := a.open(t), a.open(t)
	p.call(t, "subscribe")
	for i := range 3 {
		sender.call(t, "say", fmt.Sprint("line ", i))
	}
	var ack int64
	for n := 0; n < 3; {
		seqs, _ := pushUntil(t, p, ack)
		if len(seqs) == 0 {
			t.Fatalf("the page got %d messages of 3", n)
		}
		n, ack = n+len(seqs), seqs[len(seqs)-1]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b.srv.cluster.log.catchUp(ctx)
	if msgs, _ := b.srv.cluster.log.pending(p.sid, 0); len(msgs) != 3 {
		t.Fatalf("the other node read %d messages for the page, want 3", len(msgs))
	}
	// The page acknowledges them on a; the sender polls once.
	if got := p.push(t, int(ack)); strings.Contains(got, `"seq"`) {
		t.Fatalf("second push: %s", got)
	}
	sender.push(t, 0)
	trimLog(t, b, a)
	if msgs, _ := b.srv.cluster.log.pending(p.sid, 0); len(msgs) != 0 {
		t.Errorf("the other node keeps %d messages the page acknowledged", len(msgs))
	}
	var n int
	if err := a.srv.db.QueryRow(`SELECT count(*) FROM "_prog_log"`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d rows of the log left (%v), want none", n, err)
	}
	// A node started now, with no row left to read, takes the page's
	// acknowledgement of what was sent before.
	there := *p
	there.f = newFixture(t, a.srv.cfg)
	if code, body := there.do(t, "GET", fmt.Sprintf("/push/%s?ack=%d", p.sid, ack), p.key, ""); code != 200 {
		t.Errorf("a push to a node started after the log was emptied: %d %s", code, body)
	}
}
