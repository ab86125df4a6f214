// Package nginxtest starts Debian's nginx for tests: a reverse proxy on a
// free loopback port in front of one or more Prog servers, round robin
// without stickiness, configured for long polls.
//
// Site is the part of the configuration that matters to Prog, the one
// docs/SCALING.md quotes ("Running behind nginx"): a test checks that the
// page holds exactly what Site writes. Start wraps it in what a test needs
// (a temporary prefix folder for the pid, logs and temporary files; one
// worker) and runs nginx in the foreground as a child of the test, in a
// process group of its own, stopped when the test ends. As root, nginx's
// worker runs as nobody.
//
// Without nginx installed, Start skips the test, unless CI is set: then a
// missing nginx is a failure (make test installs it).
package nginxtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Bin is where Debian installs nginx.
const Bin = "/usr/sbin/nginx"

// Site is the nginx configuration (inside its http block) of a proxy
// listening on listen in front of the Prog servers at upstreams (host:port
// each). Each request goes to the next server in turn, whichever session
// it is for: without stickiness, which needs cluster mode on PostgreSQL
// when there is more than one server.
func Site(listen string, upstreams []string) string {
	var servers strings.Builder
	for _, u := range upstreams {
		fmt.Fprintf(&servers, "    server %s max_fails=0;\n", u)
	}
	return `upstream prog {
    # Round robin: each request to the next server, no stickiness.
    # max_fails=0: a server that failed is tried again in its turn (a
    # request it refuses goes on to the next), so a server restarted in a
    # deploy serves as soon as it listens, and stopping the next one right
    # after never leaves nginx without a server it will try.
` + servers.String() + `    # Connections to the servers are kept open and reused; closed before
    # the servers' --idle-timeout (30 s) closes them.
    keepalive 32;
    keepalive_timeout 20s;
}

server {
    listen ` + listen + `;
    # Above the servers' --max-body (1 MiB): a body over it gets the
    # server's own JSON answer.
    client_max_body_size 2m;

    location / {
        proxy_pass http://prog;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        # The Host the browser sent, port included: --allow-host and
        # --push-origin check it.
        proxy_set_header Host $http_host;
        # The servers read the client's address from here when started
        # with --trust-proxy naming this proxy.
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        # A push request is held up to the servers' --poll-timeout (25 s):
        # wait longer than that, and pass each answer on at once.
        proxy_read_timeout 60s;
        proxy_send_timeout 60s;
        proxy_buffering off;
        # A server that is down or cannot reach the database: try the
        # next one. Sending a call again is safe: a repeated call id runs
        # once. A host that is gone costs each request that tries it the
        # connect timeout.
        proxy_connect_timeout 1s;
        proxy_next_upstream error timeout http_502 http_503 non_idempotent;
    }
}
`
}

// Proxy is a running nginx.
type Proxy struct {
	URL string // http://127.0.0.1:port
	dir string
}

// AccessLog returns nginx's access log so far: a line for each request.
func (p *Proxy) AccessLog() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "access.log"))
	return string(b)
}

// ErrorLog returns what nginx wrote to its error log and to stderr so far.
func (p *Proxy) ErrorLog() string {
	var b []byte
	for _, f := range []string{"stderr.log", "error.log"} {
		l, _ := os.ReadFile(filepath.Join(p.dir, f))
		b = append(b, l...)
	}
	return string(b)
}

// conf is the whole nginx.conf of a test: the folder dir holds everything
// nginx writes.
func conf(dir, site string) string {
	user := ""
	if os.Geteuid() == 0 {
		user = "user nobody nogroup;\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%sworker_processes 1;\npid %s/nginx.pid;\nlock_file %[2]s/nginx.lock;\nerror_log %[2]s/error.log info;\n", user, dir)
	b.WriteString("events {\n    worker_connections 1024;\n}\n")
	fmt.Fprintf(&b, "http {\n    access_log %s/access.log;\n", dir)
	for _, t := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		fmt.Fprintf(&b, "    %s_temp_path %s/%s;\n", t, dir, t)
	}
	for _, l := range strings.Split(strings.TrimSuffix(site, "\n"), "\n") {
		if l != "" {
			l = "    " + l
		}
		b.WriteString(l + "\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// Start starts nginx in front of upstreams (host:port each) and returns
// it once it answers. The test's cleanup stops it.
func Start(tb testing.TB, upstreams ...string) *Proxy {
	tb.Helper()
	if _, err := os.Stat(Bin); err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("nginx is missing (%v): make test installs it with apt-get", err)
		}
		tb.Skipf("nginx is not installed (%v); make test installs it", err)
	}
	dir, err := os.MkdirTemp("", "prog-nginx-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	// As root the worker runs as nobody: it must reach its temporary
	// files.
	if err := os.Chmod(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	// The test takes the port and hands the listening socket to nginx,
	// which takes over inherited sockets named in $NGINX: no other
	// program can take the port in between, and a request waits in the
	// socket's queue until nginx accepts it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	f, err := ln.(*net.TCPListener).File()
	ln.Close()
	if err != nil {
		tb.Fatal(err)
	}
	p := &Proxy{URL: "http://" + addr, dir: dir}
	confFile := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confFile, []byte(conf(dir, Site(addr, upstreams))), 0o644); err != nil {
		f.Close()
		tb.Fatal(err)
	}
	cmd := exec.Command(Bin, "-p", dir, "-c", confFile, "-e", filepath.Join(dir, "error.log"), "-g", "daemon off;")
	cmd.Env = append(os.Environ(), "NGINX=3;")
	cmd.ExtraFiles = []*os.File{f} // fd 3
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := os.Create(filepath.Join(dir, "stderr.log"))
	if err != nil {
		f.Close()
		tb.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	err = cmd.Start()
	f.Close() // nginx has it; if nginx ends, the socket closes
	out.Close()
	if err != nil {
		tb.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tb.Cleanup(func() {
		// The master and its worker: the whole group.
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
			tb.Errorf("nginx did not stop within 10 s of SIGTERM\n%s", p.ErrorLog())
		}
	})
	// Ready once it answers anything (a 502 too: the servers may be
	// starting).
	ready := make(chan error, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "GET", p.URL+"/favicon.ico", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		ready <- err
	}()
	select {
	case err := <-ready:
		if err != nil {
			tb.Fatalf("nginx does not answer: %v\n%s", err, p.ErrorLog())
		}
	case err := <-exited:
		if err == nil {
			err = errors.New("exited")
		}
		exited <- err // for the cleanup
		tb.Fatalf("nginx stopped at start: %v\n%s", err, p.ErrorLog())
	}
	return p
}
