package codegen_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

var pageMetaRE = regexp.MustCompile(`<meta name="prog-(session|key)" content="([0-9a-f]+)">`)

// viewPage views a page and returns its session's id and key.
func viewPage(t testing.TB, client *http.Client, url string) (sid, key string) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("page view: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range pageMetaRE.FindAllStringSubmatch(string(b), -1) {
		if m[1] == "session" {
			sid = m[2]
		} else {
			key = m[2]
		}
	}
	if resp.StatusCode != 200 || sid == "" || key == "" {
		t.Fatalf("page view: %d %.200s", resp.StatusCode, b)
	}
	return sid, key
}

// pullCall makes a remote call as the client's runtime does and
// returns the answer.
func pullCall(t *testing.T, client *http.Client, base, sid, key string, id int, fn, args string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"pull/"+sid, strings.NewReader(fmt.Sprintf(`{"id":%d,"fn":%q,"args":%s}`, id, fn, args)))
	req.Header.Set("Prog-Key", key)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("call %s: %v", fn, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("call %s: %d %s", fn, resp.StatusCode, b)
	}
	return strings.TrimSpace(string(b))
}

// Under a limit of 1,024 open files, counter keeps serving while as many
// stalled connections are open: idle keep-alive ones, ones that never
// finish their headers, ones whose body never ends. A new page view is
// served and its calls answered, in place of the oldest stalled
// connections. (Without a cap the server ran out of files, and a new page
// view waited until the stalled connections went away.)
func TestPageServedPastStalledConnections(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("prlimit is Linux's")
	}
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Fatalf("prlimit (util-linux) is missing: %v", err)
	}
	bin := build(t, "counter")
	url, _ := start(t, prlimit, "--nofile=1024:1024", "--", bin, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "counter.db"))
	base := strings.TrimSuffix(url, filepath.Base(prlimit)) // start named the page after the command it ran
	host := strings.TrimSuffix(strings.TrimPrefix(base, "http://"), "/")
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
	sid, key := viewPage(t, client, base+"counter")

	const stalled = 1024
	conns := make([]net.Conn, 0, stalled)
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for i := range stalled {
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatalf("stalled connection %d: %v", i, err)
		}
		conns = append(conns, c)
		switch i % 3 {
		case 0: // one request answered, then idle
			fmt.Fprintf(c, "GET /favicon.ico HTTP/1.1\r\nHost: %s\r\n\r\n", host)
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil || resp.StatusCode != http.StatusNoContent {
				t.Fatalf("stalled connection %d, before its idle wait: %v %v", i, resp, err)
			}
		case 1: // headers that never end
			fmt.Fprintf(c, "GET /counter HTTP/1.1\r\nHost: %s\r\n", host)
		case 2: // a body that never ends
			fmt.Fprintf(c, "POST /pull/%s HTTP/1.1\r\nHost: %s\r\nProg-Key: %s\r\nContent-Length: 100\r\n\r\n{", sid, host, key)
		}
	}

	sid, key = viewPage(t, client, base+"counter")
	if got := pullCall(t, client, base, sid, key, 1, "watch", `[]`); !strings.Contains(got, `"ok":{"ch"`) {
		t.Errorf("watch answered %s", got)
	}
	pullCall(t, client, base, sid, key, 2, "press", `["e2e",1]`)
	if got := pullCall(t, client, base, sid, key, 3, "current", `[]`); got != `{"id":3,"ok":1}` {
		t.Errorf("current answered %s, want 1", got)
	}
}
