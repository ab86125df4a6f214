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
//
// The page's bundle request may meet the other build too (a load balancer
// sends the page to one node and the bundle request to another, during a
// rolling deploy): that server does not have the bundle, and answers a
// bundle name of another build with a script that reloads the page under
// the same guard (otherBuildScript), so the page is never left without
// its code and without a word.

import (
	"net/http"
	"strings"
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
	writeOtherBuild(w)
	return true
}

// writeOtherBuild answers a page of another build: 409 and
// {"err":"…","reload":true}.
func writeOtherBuild(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusConflict)
	w.Write([]byte(otherBuildAnswer))
}

// otherBuildScript is served for the bundle of another build. It reloads
// the page under the guard of protocol.js's otherBuild (the same
// sessionStorage item, the same 30 s), or else says what happened.
const otherBuildScript = `// This server runs another build of the program than this page's: reload (docs/RUNTIME.md, "Version skew").
(() => {
  try {
    const last = Number(sessionStorage.getItem("prog-build-reload")) || 0, now = Date.now();
    if (now - last >= 30000) {
      sessionStorage.setItem("prog-build-reload", String(now));
      location.reload();
      return;
    }
  } catch (e) {}
  const p = document.createElement("p");
  p.setAttribute("role", "alert");
  p.style.cssText = "position:fixed;top:0;left:0;right:0;margin:0;padding:.5em;background:#fec;font:14px sans-serif";
  p.append("The server runs another version of this program; reload the page.");
  document.body.prepend(p);
})();
`

// isOtherBundle reports whether file names a bundle of another build of
// the program: NAME.BUILD.js, BUILD twelve hex digits.
func (s *Server) isOtherBundle(file string) bool {
	b, ok := strings.CutPrefix(file, s.prog.Name+".")
	if !ok {
		return false
	}
	b, ok = strings.CutSuffix(b, ".js")
	if !ok || len(b) != len(s.build) || b == s.build {
		return false
	}
	return strings.Trim(b, "0123456789abcdef") == ""
}

// serveOtherBundle answers the bundle of another build with
// otherBuildScript, never cached: the bundle of that build may be served
// under this name by a server that has it.
func serveOtherBundle(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte(otherBuildScript))
}
