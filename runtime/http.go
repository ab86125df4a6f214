package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Handler returns the HTTP handler of the wire protocol. Every answer
// carries X-Content-Type-Options: nosniff; every error is a one-line JSON
// object {"err": "…"}, unknown paths and wrong methods included. A
// request for a host the server does not serve (Config.AllowHosts) is
// refused.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		// The name is a file name: it may hold a space, "#" or "?".
		http.Redirect(w, r, "/"+url.PathEscape(s.prog.Name), http.StatusFound)
	})
	mux.HandleFunc("GET /{file}", s.serveFile)
	mux.HandleFunc("GET /push/{sid}", s.push)
	mux.HandleFunc("OPTIONS /push/{sid}", s.push)
	mux.HandleFunc("POST /pull/{sid}", s.pull)
	mux.HandleFunc("POST /leave/{sid}", s.leave)
	mux.HandleFunc("/", noRoute)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if !strings.HasPrefix(r.URL.Path, "/") { // "GET *", say
			writeJSONError(w, http.StatusBadRequest, "the request's path must begin with /")
			return
		}
		if !s.checkHost(w, r) {
			return
		}
		if r.ContentLength != 0 && (r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions) {
			// Refused at once: a push request that waited for
			// messages with its body unread would hold the
			// connection for nothing. Connection: close, or
			// net/http would read the body (up to 256 KiB) before
			// it answered.
			w.Header().Set("Connection", "close")
			writeJSONError(w, http.StatusBadRequest, "a "+r.Method+" request must not have a body")
			return
		}
		mux.ServeHTTP(w, requestWhole(w, r))
	})
}

// noRoute answers a request no route takes: 405 with the methods the path
// allows, or 404.
func noRoute(w http.ResponseWriter, r *http.Request) {
	var allow string
	switch parts := strings.Split(r.URL.Path, "/"); {
	case len(parts) == 2: // "/" and "/file"
		allow = "GET, HEAD"
	case len(parts) == 3 && parts[1] == "push" && parts[2] != "":
		allow = "GET, HEAD, OPTIONS"
	case len(parts) == 3 && (parts[1] == "pull" || parts[1] == "leave") && parts[2] != "":
		allow = "POST"
	default:
		writeJSONError(w, http.StatusNotFound, "not found")
		return
	}
	w.Header().Set("Allow", allow)
	writeJSONError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed here (allowed: %s)", r.Method, allow))
}

func writeJSONError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write(append(appendString([]byte(`{"err":`), msg), "}\n"...))
}

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	switch r.PathValue("file") {
	case s.prog.Name:
		s.page(w, r)
	case s.bundle[1:]:
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		w.Write(s.prog.Bundle)
		io.WriteString(w, "\n//# sourceMappingURL="+url.PathEscape(s.bundle[1:])+".map\n")
	case "favicon.ico":
		w.WriteHeader(http.StatusNoContent) // none, and no error in the console
	case s.bundle[1:] + ".map":
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		w.Write(s.prog.Map)
	default:
		if s.isOtherBundle(r.PathValue("file")) {
			serveOtherBundle(w) // version skew
			return
		}
		writeJSONError(w, http.StatusNotFound, "not found")
	}
}

// contentSecurityPolicy allows the page only its own bundle as script, and
// connections only to its own origin and the push origin. The page body is
// the author's HTML: inline styles are allowed, inline scripts are not.
func (s *Server) contentSecurityPolicy() string {
	connect := "'self'"
	if s.cfg.PushOrigin != "" {
		connect += " " + s.cfg.PushOrigin
	}
	return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
		"connect-src " + connect + "; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
}

// page starts a session and serves the page.
func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	if !s.allowSession(w, r) {
		return
	}
	ss := newSession(Client(s.clients.Add(1)), s.now())
	ss.host = strings.ToLower(r.Host)
	if s.cfg.PushOrigin != "" {
		s.pageHosts.add(ss.host)
	}
	if s.cluster != nil {
		if !s.clusterStartSession(w, r, ss) {
			return
		}
	} else {
		s.mu.Lock()
		s.sessions[ss.id] = ss
		s.mu.Unlock()
	}
	s.log.Debug("session started", "client", ss.client)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", s.contentSecurityPolicy())
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n")
	b.WriteString(`<meta name="viewport" content="width=device-width, initial-scale=1">` + "\n")
	fmt.Fprintf(&b, "<meta name=\"prog-session\" content=\"%s\">\n<meta name=\"prog-key\" content=\"%s\">\n", ss.id, ss.key)
	fmt.Fprintf(&b, "<meta name=\"prog-client\" content=\"%d\">\n<meta name=\"prog-build\" content=\"%s\">\n", ss.client, s.build)
	if s.cfg.PushOrigin != "" {
		fmt.Fprintf(&b, "<meta name=\"prog-push\" content=\"%s\">\n", html.EscapeString(s.cfg.PushOrigin))
	}
	fmt.Fprintf(&b, "<title>%s</title>\n<script src=\"%s\" defer></script>\n</head><body>\n", html.EscapeString(s.prog.Name), html.EscapeString("/"+url.PathEscape(s.bundle[1:])))
	b.WriteString(s.prog.Page)
	b.WriteString("\n</body></html>\n")
	io.WriteString(w, b.String())
}

// lookup returns the session with id, or nil.
func (s *Server) lookup(id string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[id]
}

// session finds the request's session and checks its key, or answers
// with 410 (unknown, collected or ended) or 403 (wrong key) and returns nil.
func (s *Server) session(w http.ResponseWriter, r *http.Request) *session {
	if s.cluster != nil {
		return s.clusterSession(w, r)
	}
	ss := s.lookup(r.PathValue("sid"))
	if ss == nil {
		writeJSONError(w, http.StatusGone, "session expired")
		return nil
	}
	if !ss.keyOK(r.Header.Get("Prog-Key")) {
		writeJSONError(w, http.StatusForbidden, "wrong session key")
		return nil
	}
	ss.mu.Lock()
	ended := ss.ended
	ss.mu.Unlock()
	if ended != "" {
		writeJSONError(w, http.StatusGone, "session ended: "+ended)
		return nil
	}
	return ss
}

// cors allows push requests from the page's origin when --push-origin
// sends them to another host: only from the origin the session's page was
// served under (see pushOriginAllowed). It reports whether the request is
// done.
func (s *Server) cors(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.PushOrigin == "" {
		if r.Method == http.MethodOptions {
			noRoute(w, r)
			return true
		}
		return false
	}
	w.Header().Set("Vary", "Origin")
	o := r.Header.Get("Origin")
	allowed := o != "" && s.pushOriginAllowed(r.Context(), o, r.PathValue("sid"))
	if allowed {
		w.Header().Set("Access-Control-Allow-Origin", o)
		w.Header().Set("Access-Control-Allow-Headers", "Prog-Key, Prog-Build")
	}
	if r.Method == http.MethodOptions {
		if o != "" && !allowed {
			writeJSONError(w, http.StatusForbidden, "push requests for this session come only from the origin its page was served under")
			return true
		}
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}

// push is the long poll: GET /push/<sid>?ack=N. Messages stay queued
// until a later push acknowledges them, so a poll cut at any moment loses
// nothing: the next one answers with them again.
func (s *Server) push(w http.ResponseWriter, r *http.Request) {
	if s.cors(w, r) || s.otherBuild(w, r) {
		return
	}
	ack, err := strconv.ParseInt(r.URL.Query().Get("ack"), 10, 64)
	if err != nil || ack < 0 {
		writeJSONError(w, http.StatusBadRequest, "ack must be a message number ≥ 0")
		return
	}
	if s.cluster != nil {
		s.clusterPush(w, r, ack)
		return
	}
	ss := s.session(w, r)
	if ss == nil {
		return
	}
	ss.mu.Lock()
	if last := ss.nextSeq - 1; ack > last {
		ss.mu.Unlock()
		writeJSONError(w, http.StatusBadRequest, fmt.Sprintf("ack %d is beyond the last message sent, %d", ack, last))
		return
	}
	ss.ackLocked(ack)
	ss.pollGen++
	gen := ss.pollGen
	ss.polling++
	ss.lastSeen = s.now()
	ss.cutAt = time.Time{}
	ss.wakeLocked() // an older poll for this session ends
	cut := false    // the page closed this request
	defer func() {
		ss.mu.Lock()
		ss.polling--
		ss.lastSeen = s.now()
		if cut && ss.pollGen == gen {
			ss.cutAt = ss.lastSeen
		}
		ss.mu.Unlock()
		if s.hooks.pollEnds != nil {
			s.hooks.pollEnds(cut)
		}
	}()
	timer := time.NewTimer(s.cfg.PollTimeout)
	defer timer.Stop()
	expired := false
	for !expired && len(ss.queue) == 0 && ss.pollGen == gen && !ss.gone && ss.ended == "" {
		wake := ss.waitLocked()
		ss.mu.Unlock()
		if s.hooks.pollWaits != nil {
			s.hooks.pollWaits()
		}
		select {
		case <-wake:
		case <-timer.C:
			expired = true
		case <-s.ctx.Done(): // shutting down
			expired = true
		case <-r.Context().Done():
			// The page went away, or its network did: unless it polls
			// again within the leave grace, its client is collected.
			expired, cut = true, true
		}
		ss.mu.Lock()
	}
	if ss.ended != "" {
		ended := ss.ended
		ss.mu.Unlock()
		writeJSONError(w, http.StatusGone, "session ended: "+ended)
		return
	}
	msgs := ss.queue
	if ss.pollGen != gen {
		msgs = nil // a newer poll answers with them
	}
	body := appendMessages(nil, msgs)
	ss.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(body)
}

// appendMessages appends a push answer, {"msgs":[{"seq":…,"ch":…,"v":…}]},
// and a newline. The values are in wire form already, written by the
// encoder: they are copied as they are.
func appendMessages(b []byte, msgs []message) []byte {
	n := 12
	for _, m := range msgs {
		n += 48 + len(m.V)
	}
	b = slices.Grow(b, n)
	b = append(b, `{"msgs":[`...)
	for i, m := range msgs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"seq":`...)
		b = strconv.AppendInt(b, m.Seq, 10)
		b = append(b, `,"ch":`...)
		b = strconv.AppendInt(b, m.Ch, 10)
		b = append(b, `,"v":`...)
		b = append(b, m.V...)
		b = append(b, '}')
	}
	return append(b, "]}\n"...)
}

// pull runs a remote call: POST /pull/<sid>. Calls of one session run one
// at a time in id order; a repeated id answers from the stored result.
func (s *Server) pull(w http.ResponseWriter, r *http.Request) {
	if s.otherBuild(w, r) {
		return
	}
	var ss *session
	if s.cluster != nil {
		ss = s.clusterCaller(w, r)
	} else {
		ss = s.session(w, r)
	}
	if ss == nil {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSONError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes", s.cfg.MaxBody))
			return
		}
		s.log.Debug("reading a call", "client", ss.client, "err", err)
		writeJSONError(w, http.StatusBadRequest, "the request's body could not be read")
		return
	}
	id, fn, args, msg := parseCall(body)
	if msg != "" {
		writeJSONError(w, http.StatusBadRequest, msg)
		return
	}
	remote, ok := s.prog.Remote[fn]
	if !ok {
		writeJSONError(w, http.StatusNotFound, fmt.Sprintf("no remote function %q", fn))
		return
	}
	run, err := remote(args)
	if err != nil {
		var arg *argError
		if errors.As(err, &arg) {
			writeJSONError(w, http.StatusBadRequest, fmt.Sprintf("argument %d of %s: %v", arg.n, fn, arg.err))
		} else {
			writeJSONError(w, http.StatusBadRequest, fn+": "+err.Error())
		}
		return
	}
	if s.cluster != nil {
		s.clusterCall(w, r, ss, id, fn, run)
		return
	}
	res, isNew, ok := ss.call(id)
	if !ok {
		writeJSONError(w, http.StatusConflict, fmt.Sprintf("call id %d is too old to answer again", id))
		return
	}
	if isNew {
		// The call runs to its end even if the client goes away: a retry
		// with the same id gets its answer.
		done := ss.takeTurn(id, s.gapWait, s.hooks.callWaits)
		v, err := s.runCall(context.WithoutCancel(r.Context()), ss, fn, run)
		done()
		if err != nil {
			res.body = s.failedCall(r.Context(), id, fn, ss.client, err)
		} else {
			res.body = okAnswer(id, v)
		}
		close(res.done)
	} else if s.hooks.callRepeated != nil {
		s.hooks.callRepeated(id)
	}
	select {
	case <-res.done:
	case <-r.Context().Done():
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(res.body)
}

// okAnswer is the answer to call id that returned v, in wire form.
func okAnswer(id int64, v []byte) []byte {
	if len(v) == 0 {
		v = []byte("null")
	}
	b := make([]byte, 0, len(v)+32)
	b = strconv.AppendInt(append(b, `{"id":`...), id, 10)
	b = append(append(append(b, `,"ok":`...), v...), "}\n"...)
	return b
}

// failedCall logs a call that failed and returns its answer.
func (s *Server) failedCall(ctx context.Context, id int64, fn string, c Client, err error) []byte {
	level := slog.LevelInfo // the program's own runtime error
	if !errors.As(err, new(*Error)) {
		level = slog.LevelError
	}
	s.log.Log(ctx, level, "remote call failed", "fn", fn, "client", c, "err", err)
	return append(appendString([]byte(`{"id":`+strconv.FormatInt(id, 10)+`,"err":`), pageError(err)), "}\n"...)
}

// parseCall reads a call's body, {"id":5,"fn":"post","args":[…]}. msg says
// what is wrong with it, in the protocol's terms (encoding/json's own
// errors name Go types).
func parseCall(body []byte) (id int64, fn string, args []json.RawMessage, msg string) {
	// Most calls are well formed: one pass decodes them. Anything it
	// refuses goes the long way, which says what is wrong.
	var call struct {
		ID   int64
		Fn   string
		Args []json.RawMessage
	}
	if json.Unmarshal(body, &call) == nil && call.ID > 0 && call.Fn != "" {
		return call.ID, call.Fn, call.Args, ""
	}
	var req struct {
		ID, Fn, Args json.RawMessage
	}
	if err := json.Unmarshal(body, &req); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return 0, "", nil, fmt.Sprintf("malformed JSON at byte %d of the body", syntax.Offset)
		}
		return 0, "", nil, `malformed JSON: the body must be an object {"id":…,"fn":…,"args":[…]}`
	}
	if json.Unmarshal(req.ID, &id) != nil || id <= 0 {
		return 0, "", nil, "a call needs an id, a whole number > 0"
	}
	if json.Unmarshal(req.Fn, &fn) != nil {
		return 0, "", nil, "a call needs fn, the function's name as a string"
	}
	if req.Args != nil && json.Unmarshal(req.Args, &args) != nil {
		return 0, "", nil, "malformed JSON: args must be a list"
	}
	return id, fn, args, ""
}

// leave is the beacon a page sends when it closes: POST /leave/<sid> with
// {"key":"…"} (sendBeacon cannot set headers, and the key never goes in a
// URL). The client is collected at once. An unknown session answers 204
// too: the page is gone either way.
func (s *Server) leave(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<10))
	var req struct{ Key string }
	if err != nil || json.Unmarshal(body, &req) != nil {
		writeJSONError(w, http.StatusBadRequest, `the body must be {"key":"…"}, the session's key`)
		return
	}
	id := r.PathValue("sid")
	if s.cluster != nil {
		s.clusterLeave(w, r, id, req.Key)
		return
	}
	s.mu.Lock()
	ss := s.sessions[id]
	ok := ss != nil && ss.keyOK(req.Key)
	if ok {
		// Straight to the collector: it need not look at every session.
		ss.mu.Lock()
		s.departed = append(s.departed, s.removeLocked(id, ss, "the page was closed"))
		ss.mu.Unlock()
	}
	s.mu.Unlock()
	switch {
	case ss != nil && !ok:
		writeJSONError(w, http.StatusForbidden, "wrong session key")
		return
	case ok:
		select {
		case s.collectNow <- struct{}{}:
		default: // the collector is about to run
		}
	}
	w.WriteHeader(http.StatusNoContent)
}
