package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

// The floor: chat.prog written by hand as a plain net/http server that
// speaks Prog's wire protocol, with nothing Prog adds (no database, no
// transactions, no collection, no call ordering). It is the limit this
// machine sets for the workload; Prog is measured against it.

type floorServer struct {
	mu       sync.Mutex
	sessions map[string]*floorSession
	subs     []*floorSession
	clients  int64
}

type floorSession struct {
	id, key string
	client  int64

	mu    sync.Mutex
	queue []floorMsg
	next  int64
	gen   int64         // the newest push request
	wake  chan struct{} // closed when the queue grows or a newer push comes; nil when no push waits
	calls map[int64][]byte
}

type floorMsg struct {
	Seq, Ch int64
	V       json.RawMessage
}

func hexID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// serveFloor serves the floor on a free loopback port until killed.
func serveFloor() error {
	f := &floorServer{sessions: map[string]*floorSession{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/chat", http.StatusFound) })
	mux.HandleFunc("GET /chat", f.page)
	mux.HandleFunc("POST /pull/{sid}", f.pull)
	mux.HandleFunc("GET /push/{sid}", f.push)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stdout, "serving floor at http://%s/\n", ln.Addr())
	return http.Serve(ln, mux)
}

func (f *floorServer) page(w http.ResponseWriter, r *http.Request) {
	s := &floorSession{id: hexID(), key: hexID(), next: 1, calls: map[int64][]byte{}}
	f.mu.Lock()
	f.clients++
	s.client = f.clients
	f.sessions[s.id] = s
	f.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!DOCTYPE html>\n<meta name=\"prog-session\" content=\"%s\">\n<meta name=\"prog-key\" content=\"%s\">\n<ul id=\"log\"></ul>\n", s.id, s.key)
}

func (f *floorServer) session(w http.ResponseWriter, r *http.Request) *floorSession {
	f.mu.Lock()
	s := f.sessions[r.PathValue("sid")]
	f.mu.Unlock()
	if s == nil || r.Header.Get("Prog-Key") != s.key {
		http.Error(w, `{"err":"session expired"}`, http.StatusGone)
		return nil
	}
	return s
}

func (f *floorServer) pull(w http.ResponseWriter, r *http.Request) {
	s := f.session(w, r)
	if s == nil {
		return
	}
	var req struct {
		ID   int64             `json:"id"`
		Fn   string            `json:"fn"`
		Args []json.RawMessage `json:"args"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, `{"err":"malformed JSON"}`, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	res, done := s.calls[req.ID]
	s.mu.Unlock()
	if !done {
		switch req.Fn {
		case "subscribe":
			f.mu.Lock()
			f.subs = append(f.subs, s)
			f.mu.Unlock()
			res = fmt.Appendf(nil, `{"id":%d,"ok":{"ch":%d,"owner":%d}}`, req.ID, s.client, s.client)
		case "post":
			if len(req.Args) != 1 {
				http.Error(w, `{"err":"post: want 1 argument"}`, http.StatusBadRequest)
				return
			}
			f.mu.Lock()
			subs := f.subs
			f.mu.Unlock()
			for _, to := range subs {
				to.enqueue(req.Args[0])
			}
			res = fmt.Appendf(nil, `{"id":%d,"ok":null}`, req.ID)
		default:
			http.Error(w, `{"err":"no such function"}`, http.StatusNotFound)
			return
		}
		s.mu.Lock()
		s.calls[req.ID] = res
		delete(s.calls, req.ID-64)
		s.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(res)
}

func (s *floorSession) enqueue(v json.RawMessage) {
	s.mu.Lock()
	s.queue = append(s.queue, floorMsg{Seq: s.next, Ch: s.client, V: v})
	s.next++
	s.wakeLocked()
	s.mu.Unlock()
}

// wakeLocked ends the wait of a push, if one waits; the channel is made
// only for a push that waits.
func (s *floorSession) wakeLocked() {
	if s.wake != nil {
		close(s.wake)
		s.wake = nil
	}
}

func (f *floorServer) push(w http.ResponseWriter, r *http.Request) {
	s := f.session(w, r)
	if s == nil {
		return
	}
	ack, err := strconv.ParseInt(r.URL.Query().Get("ack"), 10, 64)
	if err != nil {
		http.Error(w, `{"err":"bad ack"}`, http.StatusBadRequest)
		return
	}
	timer := time.NewTimer(25 * time.Second)
	defer timer.Stop()
	s.mu.Lock()
	i := 0
	for i < len(s.queue) && s.queue[i].Seq <= ack {
		i++
	}
	s.queue = s.queue[i:]
	s.gen++
	gen := s.gen
	s.wakeLocked() // an older push ends
	for expired := false; !expired && len(s.queue) == 0 && s.gen == gen; {
		if s.wake == nil {
			s.wake = make(chan struct{})
		}
		wake := s.wake
		s.mu.Unlock()
		select {
		case <-wake:
		case <-timer.C:
			expired = true
		case <-r.Context().Done():
			expired = true
		}
		s.mu.Lock()
	}
	// The answer is written by hand, as fast as it can be: the values
	// are JSON already.
	body := append(make([]byte, 0, 512), `{"msgs":[`...)
	if s.gen == gen {
		for i, m := range s.queue {
			if i > 0 {
				body = append(body, ',')
			}
			body = append(body, `{"seq":`...)
			body = strconv.AppendInt(body, m.Seq, 10)
			body = append(body, `,"ch":`...)
			body = strconv.AppendInt(body, m.Ch, 10)
			body = append(body, `,"v":`...)
			body = append(body, m.V...)
			body = append(body, '}')
		}
	}
	s.mu.Unlock()
	body = append(body, "]}\n"...)
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}
