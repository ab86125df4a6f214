package runtime

// Version skew. After a deploy, a page that an earlier build served may
// send its next push or call to a server of the new build: one server
// restarted with a new binary, or, in a cluster, a node already upgraded
// while the page came from one that was not. Its bundle may name remote
// functions, argument types or channels that this build does not have, so
// the page must not go on: it must reload itself and get this build.
//
// Each build is named by its bundle's content hash (Server.build, also in
// the bundle's file name). The page carries it in <meta name="prog-build">
// and sends it with every push and call as the Prog-Build header; a server
// of another build answers 409 with {"err":"…","reload":true} before it
// looks at the session, and runs nothing. The client runtime reloads the
// page at once, at most once in 30 s per tab (protocol.js, otherBuild), so
// a skew that lasts (a load balancer between two builds) cannot reload it
// in a loop. A request without the header (another client of the public
// protocol) is not checked.

import (
	"net/http"
)

// buildHeader carries the page's build on its push and pull requests.
const buildHeader = "Prog-Build"

// otherBuildAnswer is the body of the answer to a page of another build.
const otherBuildAnswer = `{"err":"the server runs another version of this program; reload the page","reload":true}` + "\n"

// otherBuild answers a request from a page of another build of the
// program with 409 and {"err":"…","reload":true}, and reports whether it
// did.
func (s *Server) otherBuild(w http.ResponseWriter, r *http.Request) bool {
	b := r.Header.Get(buildHeader)
	if b == "" || b == s.build {
		return false
	}
	s.log.Debug("a page of another build", "page_build", b, "build", s.build)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusConflict)
	w.Write([]byte(otherBuildAnswer))
	return true
}
