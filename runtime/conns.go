package runtime

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Serve answers HTTP requests on ln until Shutdown. Like
// http.Server.Serve, it returns http.ErrServerClosed after Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	s.httpMu.Lock()
	if s.shutDown {
		s.httpMu.Unlock()
		return http.ErrServerClosed
	}
	s.servers = append(s.servers, hs)
	s.httpMu.Unlock()
	return hs.Serve(ln)
}

// Shutdown stops serving gracefully: it halts the server (which answers
// the open push requests, that Shutdown would otherwise wait for), closes
// the listeners and idle connections, and waits until ctx ends for the
// remote calls under way. Close the server after.
func (s *Server) Shutdown(ctx context.Context) error {
	s.Halt()
	s.httpMu.Lock()
	s.shutDown = true
	servers := s.servers
	s.httpMu.Unlock()
	var errs []error
	for _, hs := range servers {
		errs = append(errs, hs.Shutdown(ctx))
	}
	return errors.Join(errs...)
}
