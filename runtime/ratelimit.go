package runtime

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// A session costs memory until its client is collected, and a page view
// is all it takes to make one: one address may start only so many a
// minute. An IPv6 address counts by its /64, the block one host is given.

// defaultSessionRate is --session-rate: generous, as one address may be a
// whole office behind one NAT.
const defaultSessionRate = 600

// maxLimited bounds the addresses whose new sessions are counted. It is
// reached only by more addresses than that in about a minute; then an
// address is forgotten at random, and gets a full allowance again.
const maxLimited = 1 << 16

// sweepPeriod is how often the counts of addresses whose allowance is
// full again are dropped: they hold nothing a new count would not.
const sweepPeriod = 10 * time.Second

// sessionLimiter counts the new sessions of each address: a bucket of
// perMinute sessions, refilled at perMinute a minute.
type sessionLimiter struct {
	perMinute int // 0: no limit
	mu        sync.Mutex
	addrs     map[string]*rate.Limiter
}

func newSessionLimiter(perMinute int) *sessionLimiter {
	return &sessionLimiter{perMinute: max(perMinute, 0), addrs: map[string]*rate.Limiter{}}
}

// allow reports whether the address remote (an IP address, or host:port
// as in http.Request.RemoteAddr) may start a session at now; if not, wait is
// how long until it may.
func (l *sessionLimiter) allow(remote string, now time.Time) (ok bool, wait time.Duration) {
	if l.perMinute == 0 {
		return true, 0
	}
	key := addressKey(remote)
	l.mu.Lock()
	defer l.mu.Unlock()
	lim := l.addrs[key]
	if lim == nil {
		if len(l.addrs) >= maxLimited {
			for k := range l.addrs { // a random one: map order is
				delete(l.addrs, k)
				break
			}
		}
		lim = rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), l.perMinute)
		l.addrs[key] = lim
	}
	if lim.AllowN(now, 1) {
		return true, 0
	}
	missing := 1 - lim.TokensAt(now)
	return false, time.Duration(missing / float64(lim.Limit()) * float64(time.Second))
}

// sweep forgets the addresses whose allowance is full again at now.
func (l *sessionLimiter) sweep(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, lim := range l.addrs {
		if lim.TokensAt(now) >= float64(lim.Burst()) {
			delete(l.addrs, k)
		}
	}
}

// addressKey is what the limit counts by: the IPv4 address, or the /64 of
// an IPv6 address. An address that does not parse counts as itself.
func addressKey(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}

// allowSession answers a page view from an address over its allowance of
// new sessions with 429 and reports false.
func (s *Server) allowSession(w http.ResponseWriter, r *http.Request) bool {
	addr := s.remoteAddr(r)
	ok, wait := s.newSessions.allow(addr, time.Now())
	if ok {
		return true
	}
	secs := max(int(math.Ceil(wait.Seconds())), 1)
	s.log.Debug("refused a new session: too many from one address", "remote", addr)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeJSONError(w, http.StatusTooManyRequests, fmt.Sprintf("too many new pages from your address; try again in %d s", secs))
	return false
}
