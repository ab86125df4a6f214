package runtime

// The Host check and the push origin's CORS.
//
// A server on loopback is reachable from the browsers of this machine
// only, and that is what a DNS-rebinding page uses: evil.example resolves
// to 127.0.0.1, and the page, same-origin with it, reads our pages and
// their session keys. The browser sends Host: evil.example, so a server
// that answers only the names it is known under is out of reach. A
// server on another address is reached by name anyway, and answers any
// Host unless --allow-host says which.
//
// With --push-origin the page's push requests go to another origin and
// need CORS. The Origin allowed on a session's push is the origin its
// page was served under; nobody else's page may read its answers, even
// with the key.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// loopbackHosts is the default of a server listening on loopback: the
// names and addresses that can only mean this machine.
func loopbackHosts() []string {
	return []string{"localhost", "*.localhost", "127.0.0.0/8", "::1"}
}

// defaultAllowHosts is the --allow-host list Run uses when none is given:
// the loopback names for a listener on a loopback address, else none
// (any host).
func defaultAllowHosts(listen net.Addr) []string {
	if a, ok := listen.(*net.TCPAddr); ok && a.IP.IsLoopback() {
		return loopbackHosts()
	}
	return nil
}

// hostPolicy decides which Host headers the server answers.
type hostPolicy struct {
	any      bool            // no --allow-host: every host
	names    map[string]bool // exact names, lower case
	suffixes []string        // ".example.com" for *.example.com
	prefixes []netip.Prefix  // addresses and ranges
}

// newHostPolicy parses the --allow-host list. Each entry is a host name,
// *.name for any name under it, an IP address, an IP range (CIDR), or *
// for any host; any port. An empty list allows every host. The host of
// pushOrigin is allowed too: push requests are sent to it.
func newHostPolicy(allow []string, pushOrigin string) (hostPolicy, error) {
	p := hostPolicy{any: len(allow) == 0, names: map[string]bool{}}
	if pushOrigin != "" {
		u, err := url.Parse(pushOrigin)
		if err != nil || u.Hostname() == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return p, fmt.Errorf("--push-origin %q: want an origin such as https://push.example.com", pushOrigin)
		}
		if !p.any {
			allow = append(slices.Clip(allow), u.Hostname())
		}
	}
	for _, h := range allow {
		e := normalHost(h)
		if pre, ok := parseAddrRange(e); ok {
			p.prefixes = append(p.prefixes, pre)
			continue
		}
		switch name, wild := strings.CutPrefix(e, "*."); {
		case e == "*":
			p.any = true
		case !validHostName(name):
			return p, fmt.Errorf("--allow-host %q: want a host name, *.name, an IP address, an IP range such as 10.0.0.0/8, or *", h)
		case wild:
			p.suffixes = append(p.suffixes, "."+name)
		default:
			p.names[name] = true
		}
	}
	return p, nil
}

// parseAddrRange parses an IP address (a range of one) or a range such as
// 10.0.0.0/8.
func parseAddrRange(e string) (netip.Prefix, bool) {
	if pre, err := netip.ParsePrefix(e); err == nil {
		return pre.Masked(), true
	}
	if a, err := netip.ParseAddr(e); err == nil {
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// allows reports whether the server answers requests for host, the Host
// header (with or without a port).
func (p *hostPolicy) allows(host string) bool {
	if p.any {
		return true
	}
	h := hostName(host)
	if a, err := netip.ParseAddr(h); err == nil {
		a = a.Unmap()
		for _, pre := range p.prefixes {
			if pre.Contains(a) {
				return true
			}
		}
		return false
	}
	if p.names[h] {
		return true
	}
	for _, s := range p.suffixes {
		if strings.HasSuffix(h, s) {
			return true
		}
	}
	return false
}

// checkHost answers a request for a host the server does not serve with
// 421 and reports false.
func (s *Server) checkHost(w http.ResponseWriter, r *http.Request) bool {
	if s.hosts.allows(r.Host) {
		return true
	}
	s.log.Debug("refused a request for another host", "host", r.Host, "remote", r.RemoteAddr)
	host := r.Host
	if len(host) > 100 {
		host = host[:100] + "…"
	}
	writeJSONError(w, http.StatusMisdirectedRequest, fmt.Sprintf("this server does not answer to the host %q (allow it with --allow-host)", host))
	return false
}

// hostName is the host of a Host header, without its port, brackets or
// final dot, in lower case.
func hostName(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return normalHost(host)
}

func normalHost(h string) string {
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.ToLower(strings.TrimSuffix(h, "."))
}

// validHostName reports whether name is made of DNS labels: letters,
// digits, hyphens and underscores between dots.
func validHostName(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for _, l := range strings.Split(name, ".") {
		if l == "" || len(l) > 63 || strings.ContainsFunc(l, func(r rune) bool {
			return !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-' || r == '_')
		}) {
			return false
		}
	}
	return true
}

// maxPageHosts bounds the hosts a server remembers serving pages under.
const maxPageHosts = 32

// pageHosts are the hosts (host:port, as the Host header said) this
// server served its latest pages under, newest first. With --push-origin,
// a push request for a session the server no longer knows (its page
// expired) may come from any of them: the page must read the 410 that
// tells it so, and the answer says nothing any page could not learn.
type pageHosts struct {
	mu    sync.Mutex
	hosts []string
}

// add records that a page was served under host.
func (p *pageHosts) add(host string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i := slices.Index(p.hosts, host); i >= 0 {
		p.hosts = slices.Delete(p.hosts, i, i+1)
	} else if len(p.hosts) == maxPageHosts {
		p.hosts = p.hosts[:maxPageHosts-1]
	}
	p.hosts = slices.Insert(p.hosts, 0, host)
}

func (p *pageHosts) has(host string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Contains(p.hosts, host)
}

// originHost is the host:port of an Origin header in lower case, or "".
func originHost(origin string) string {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.Path != "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return strings.ToLower(u.Host)
}

// pushOriginAllowed reports whether a cross-origin push request from
// origin may read the answer: its host must be the one the session's
// page was served under, or, for a session the server does not know, one
// it served a page under lately. In cluster mode the session's host is
// read from its row; a session no node knows may also be read from any
// host the server answers to (--allow-host): the node answering may
// never have served a page under the host of the page that asks.
func (s *Server) pushOriginAllowed(ctx context.Context, origin, sid string) bool {
	h := originHost(origin)
	if h == "" {
		return false
	}
	if s.cluster != nil {
		var host string
		err := s.db.DB.QueryRowContext(ctx, `SELECT "host" FROM "_prog_sessions" WHERE "id" = $1`, sid).Scan(&host)
		switch {
		case err == nil:
			return h == host
		case !errors.Is(err, sql.ErrNoRows):
			return false // the page tries again
		}
		return s.pageHosts.has(h) || s.hosts.allows(h)
	}
	if ss := s.lookup(sid); ss != nil {
		return h == ss.host
	}
	return s.pageHosts.has(h)
}
