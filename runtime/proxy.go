package runtime

// Behind a reverse proxy (docs/SCALING.md) every connection comes from the
// proxy, so the limit on new sessions (ratelimit.go) would count every
// page view of every user against the proxy's one address. --trust-proxy
// names the proxies (addresses or ranges): for a request whose connection
// comes from one of them, the client's address is read from
// X-Forwarded-For, which such a proxy appends the address it was
// connected from to (nginx: $proxy_add_x_forwarded_for). The header is
// read from its end: the last address that is not itself a trusted proxy
// is the client, so whatever a client wrote into the header is never
// believed. From any other connection the header is ignored, and the
// connection's address counts: nobody can claim another address by
// writing a header, unless the operator says they are a proxy.

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
)

// proxyPolicy is --trust-proxy.
type proxyPolicy struct {
	trusted []netip.Prefix
	warn    *sync.Once // the warning about an untrusted X-Forwarded-For, logged once
}

// newProxyPolicy parses the --trust-proxy list: IP addresses and ranges.
func newProxyPolicy(list []string) (proxyPolicy, error) {
	p := proxyPolicy{warn: new(sync.Once)}
	for _, e := range list {
		pre, ok := parseAddrRange(normalHost(e))
		if !ok {
			return p, fmt.Errorf("--trust-proxy %q: want an IP address or a range such as 10.0.0.0/8", e)
		}
		p.trusted = append(p.trusted, pre)
	}
	return p, nil
}

func (p *proxyPolicy) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, pre := range p.trusted {
		if pre.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddr is the address of the client that made r: the connection's
// address, or, from a trusted proxy, the last address in X-Forwarded-For
// that is not a trusted proxy. ignored reports a header that was not
// believed, because the connection is not from a trusted proxy.
func (p *proxyPolicy) clientAddr(r *http.Request) (addr string, ignored bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	fwd := r.Header.Values("X-Forwarded-For")
	if len(fwd) == 0 {
		return host, false
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !p.trusts(peer) {
		return host, true
	}
	// Several headers count as one list, in order.
	hops := strings.Split(strings.Join(fwd, ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			// Not an address (a client's junk, or "unknown"): what is
			// left of it cannot be told apart from what the client
			// wrote, so the last trusted hop is the client.
			return host, false
		}
		if !p.trusts(a) {
			return a.Unmap().String(), false
		}
		host = a.Unmap().String()
	}
	return host, false
}

// remoteAddr is the client's address for the session limit and the log.
func (s *Server) remoteAddr(r *http.Request) string {
	addr, ignored := s.proxies.clientAddr(r)
	if ignored {
		s.proxies.warn.Do(func() {
			s.log.Warn("a request came with X-Forwarded-For from an address --trust-proxy does not name: the header is ignored, and every page view through that proxy counts against the proxy's address; name the proxy with --trust-proxy", "remote", r.RemoteAddr)
		})
	}
	return addr
}
