package runtime

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// A session is one page view: one client, its queue of messages not yet
// acknowledged, its channels, and the results of its recent calls.
type session struct {
	id, key string
	client  Client
	host    string // the Host its page was served under, in lower case: the origin its pushes may come from

	mu       sync.Mutex
	queue    []message
	nextSeq  int64
	wake     chan struct{} // closed when the queue grows or a newer poll starts; nil when nobody waits
	pollGen  int64         // the number of the newest push request
	polling  int           // push requests open now
	lastSeen time.Time     // when a push request last began or ended
	cutAt    time.Time     // when the page closed a push request, if it has made none since
	bytes    int           // the size of the queued values
	chans    []int64
	calls    map[int64]*callResult
	maxCall  int64
	gone     bool
	ended    string // why the session ended before its timeout, or ""

	// With --cluster, a session is read from the database for each
	// request, and clusterCall is the remote call the request runs.
	clusterCall *clusterCall
	// clusterCached: the session was not read for this call; its key was
	// checked against what the node knows (clusterCaller).
	clusterCached bool

	// Remote calls run one at a time, in id order: turn is held by the
	// call running, and ran is closed when lastRun, the highest id run,
	// grows.
	turn    chan struct{}
	lastRun int64
	ran     chan struct{}
}

// Limits bounds what one session may hold.
type Limits struct {
	QueueMsgs  int // messages sent to the page and not yet acknowledged
	QueueBytes int // their size in wire form
}

// message is one queued send, its value already in wire form.
type message struct {
	Seq int64           `json:"seq"`
	Ch  int64           `json:"ch"`
	V   json.RawMessage `json:"v"`
}

// callResult is the answer to a remote call, kept so that a repeated call
// id answers again without running again. done is closed when it is set.
type callResult struct {
	done chan struct{}
	body []byte
}

// maxCallsKept bounds the results a session keeps for repeated ids.
const maxCallsKept = 64

// deleteCallsEvery: in cluster mode, every so many calls a page's answers
// too old to be repeated are deleted (cluster.go).
const deleteCallsEvery = 16

func newSession(c Client, now time.Time) *session {
	return &session{
		id:       randomHex(16),
		key:      randomHex(16),
		client:   c,
		nextSeq:  1,
		lastSeen: now,
		calls:    map[int64]*callResult{},
		turn:     make(chan struct{}, 1),
		ran:      make(chan struct{}),
	}
}

// randomHex returns n bytes from crypto/rand in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return hex.EncodeToString(b)
}

// keyOK reports whether key is the session's key, in constant time.
func (s *session) keyOK(key string) bool {
	return subtle.ConstantTimeCompare([]byte(key), []byte(s.key)) == 1
}

// wakeLocked wakes every waiting push request. s.mu is held.
func (s *session) wakeLocked() {
	if s.wake != nil {
		close(s.wake)
		s.wake = nil
	}
}

// waitLocked returns a channel the next wakeLocked closes. s.mu is held.
// It is made only when a push request waits: most sends find none (the
// page is between polls), and a fan-out made one for every page.
func (s *session) waitLocked() <-chan struct{} {
	if s.wake == nil {
		s.wake = make(chan struct{})
	}
	return s.wake
}

// enqueue appends a message for the session, unless it is collected or
// has ended. A page that falls further behind than lim allows ends: its
// queue is dropped, its next push request is told why, and the collector
// collects it. enqueue reports whether that happened now.
func (s *session) enqueue(ch int64, v json.RawMessage, lim Limits) (ended bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone || s.ended != "" {
		return false
	}
	if len(s.queue) >= lim.QueueMsgs || s.bytes+len(v) > lim.QueueBytes {
		s.ended = fmt.Sprintf("the page fell behind: %d messages (%d bytes) were waiting for it to acknowledge them, and one more of %d bytes would pass its bound of %d messages or %d bytes",
			len(s.queue), s.bytes, len(v), lim.QueueMsgs, lim.QueueBytes)
		s.queue, s.bytes = nil, 0
		s.wakeLocked()
		return true
	}
	s.queue = append(s.queue, message{Seq: s.nextSeq, Ch: ch, V: v})
	s.bytes += len(v)
	s.nextSeq++
	s.wakeLocked()
	return false
}

// ack drops the messages the client has acknowledged. s.mu is held.
func (s *session) ackLocked(ack int64) {
	i := 0
	for i < len(s.queue) && s.queue[i].Seq <= ack {
		i++
	}
	if i > 0 {
		for _, m := range s.queue[:i] {
			s.bytes -= len(m.V)
		}
		// Copy the rest down and clear the tail, so that the values
		// acknowledged are not kept alive by the array.
		n := copy(s.queue, s.queue[i:])
		clear(s.queue[n:])
		s.queue = s.queue[:n]
	}
}

// gapWait is how long a remote call waits for the calls with smaller ids
// that the page has not sent yet: a page that skipped an id (or a call
// lost on its way) is not waited for longer.
const gapWait = 2 * time.Second

// takeTurn waits until call id may run, and returns the function that
// ends its turn. A call runs once every smaller id has run, or after
// wait; calls of one session never run at the same time. waits, if set,
// is told each time the call waits (a test hook).
func (s *session) takeTurn(id int64, wait time.Duration, waits func(id int64)) (done func()) {
	var deadline *time.Timer // made only if the call waits: most never do
	s.mu.Lock()
	for waiting := true; waiting && id > s.lastRun+1; {
		ran := s.ran
		s.mu.Unlock()
		if deadline == nil {
			deadline = time.NewTimer(wait)
			defer deadline.Stop()
		}
		if waits != nil {
			waits(id)
		}
		select {
		case <-ran:
		case <-deadline.C:
			waiting = false
		}
		s.mu.Lock()
	}
	s.mu.Unlock()
	s.turn <- struct{}{}
	return func() {
		<-s.turn
		s.mu.Lock()
		if id > s.lastRun {
			s.lastRun = id
			close(s.ran)
			s.ran = make(chan struct{})
		}
		s.mu.Unlock()
	}
}

// call returns the result slot for call id and whether it is new (the
// caller must then run the call and fill it). ok is false for an id too
// old to be answered again.
func (s *session) call(id int64) (r *callResult, isNew, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, found := s.calls[id]; found {
		return r, false, true
	}
	if id <= s.maxCall-maxCallsKept {
		return nil, false, false
	}
	r = &callResult{done: make(chan struct{})}
	s.calls[id] = r
	s.maxCall = max(s.maxCall, id)
	for old := range s.calls {
		if old <= s.maxCall-maxCallsKept {
			delete(s.calls, old)
		}
	}
	return r, true, true
}
