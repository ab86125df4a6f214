//go:build unix

package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// On a cold Go build cache (a fresh GOCACHE) prog build says, as the long
// compilation starts, that the first build takes a while. The test stops
// the build there.
func TestColdBuildSaysSo(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cold go build")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "cold.prog"), []byte("client fun main() { log(\"cold\") }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// This test binary runs as prog (see TestMain).
	cmd := exec.Command(os.Args[0], "build", "cold.prog")
	cmd.Args[0] = "prog"
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOCACHE="+filepath.Join(dir, "gocache"), "XDG_CACHE_HOME="+filepath.Join(dir, "cache"))
	// prog, go and the compilers it starts form one process group, which
	// the test kills.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	}()
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stderr).ReadString('\n')
		line <- s
	}()
	want := "building cold: the first build for " + goruntime.GOOS + "/" + goruntime.GOARCH + " compiles Go's standard library"
	select {
	case s := <-line:
		if !strings.HasPrefix(s, want) {
			t.Errorf("prog build with a cold cache said %q, want %q…", s, want)
		}
	case <-time.After(2 * time.Minute):
		t.Errorf("prog build with a cold cache said nothing in 2 minutes")
	}
}
