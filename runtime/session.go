package runtime

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"sync"
	"time"
)

// A session is one page view: one client, its queue of messages not yet
// acknowledged, its channels, and the results of its recent calls.
type session struct {
	id, key string
	client  Client

	mu       sync.Mutex
	queue    []message
	nextSeq  int64
	wake     chan struct{} // closed when the queue grows or a newer poll starts
	pollGen  int64         // the number of the newest push request
	polling  int           // push requests open now
	lastSeen time.Time     // when a push request last began or ended
	chans    []int64
	calls    map[int64]*callResult
	maxCall  int64
	gone     bool
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

func newSession(c Client, now time.Time) *session {
	return &session{
		id:       randomHex(16),
		key:      randomHex(16),
		client:   c,
		nextSeq:  1,
		wake:     make(chan struct{}),
		lastSeen: now,
		calls:    map[int64]*callResult{},
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
	close(s.wake)
	s.wake = make(chan struct{})
}

// enqueue appends a message for the session, unless it is collected.
func (s *session) enqueue(ch int64, v json.RawMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone {
		return
	}
	s.queue = append(s.queue, message{Seq: s.nextSeq, Ch: ch, V: v})
	s.nextSeq++
	s.wakeLocked()
}

// ack drops the messages the client has acknowledged. s.mu is held.
func (s *session) ackLocked(ack int64) {
	i := 0
	for i < len(s.queue) && s.queue[i].Seq <= ack {
		i++
	}
	if i > 0 {
		s.queue = append(s.queue[:0], s.queue[i:]...)
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
