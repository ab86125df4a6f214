// Package nginxtest runs nginx for tests, in front of the nodes of a
// cluster, with the configuration docs/SCALING.md shows (cluster.conf):
// round-robin, no stickiness. Without nginx installed, Start skips the
// test, unless CI is set: then a missing nginx is a failure.
package nginxtest

import (
	_ "embed"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

//go:embed cluster.conf
var conf string

// Start runs nginx in front of two nodes (host:port each) until the test
// ends, and returns the address it listens on once it accepts
// connections.
func Start(tb testing.TB, node1, node2 string) string {
	tb.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		bin = "/usr/sbin/nginx" // Debian's, off the PATH of a user
		if _, err := os.Stat(bin); err != nil {
			if os.Getenv("CI") == "" {
				tb.Skip("nginx is not installed (make test installs it)")
			}
			tb.Fatal("nginx is not installed (make test installs it)")
		}
	}
	dir := tb.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	text := strings.NewReplacer("@DIR@", dir, "@LISTEN@", addr, "@NODE1@", node1, "@NODE2@", node2).Replace(conf)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(text), 0o644); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tb.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	// nginx says nothing when it is ready: wait until it accepts a
	// connection, or has exited.
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			tb.Fatalf("nginx exited: %v\n%s%s", err, stderr.String(), log)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
