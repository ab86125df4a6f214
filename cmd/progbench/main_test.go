package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prog-lang/prog/cmd/internal/progclient"
	"github.com/prog-lang/prog/runtime/pgtest"
)

// The test binary serves the floor when asked to, as progbench does.
func TestMain(m *testing.M) {
	if os.Getenv("PROGBENCH_FLOOR") == "1" {
		if err := serveFloor(); err != nil {
			panic(err)
		}
		return
	}
	code := m.Run()
	pgtest.StopShared()
	os.Exit(code)
}

var small = config{runs: 1, duration: 500 * time.Millisecond, clients: 30, idle: 100, rate: 40, senders: 2}

// checkWorkloads runs each workload once at a small size: fan-out
// delivers, every latency message reaches every client (latency fails
// otherwise), and the memory run reads the server's memory.
func checkWorkloads(t *testing.T, sys system) {
	ctx := context.Background()
	rate, sends, _, err := fanout(ctx, sys, small)
	if err != nil || rate <= 0 || sends <= 0 {
		t.Errorf("fan-out: %v deliveries/s, %v messages/s, %v", rate, sends, err)
	}
	p50, p99, _, err := latency(ctx, sys, small)
	if err != nil || p50 <= 0 || p99 < p50 {
		t.Errorf("latency: p50 %v ms, p99 %v ms, %v", p50, p99, err)
	}
	if sys.cluster {
		return
	}
	if _, err := memory(ctx, sys, small); err != nil {
		t.Errorf("memory: %v", err)
	}
}

func TestWorkloadsOnFloor(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PROGBENCH_FLOOR", "1")
	checkWorkloads(t, system{name: "floor", dial: dialProg,
		start: single(func() (*progclient.Process, error) { return progclient.Start("", self) })})
}

func TestWorkloadsOnProg(t *testing.T) {
	bin, err := progclient.Build(filepath.Join("..", "..", "testdata", "examples", "chat.prog"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	checkWorkloads(t, system{name: "prog", dial: dialProg,
		start: single(func() (*progclient.Process, error) { return progclient.StartProg(bin) })})
}

func TestWorkloadsOnProgPostgres(t *testing.T) {
	bin, err := progclient.Build(filepath.Join("..", "..", "testdata", "examples", "chat.prog"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	pg := pgtest.Shared(t)
	checkWorkloads(t, system{name: "prog-pg", dial: dialProg,
		start: single(func() (*progclient.Process, error) { return progclient.StartProg(bin, "--db", pg.NewDatabase(t)) })})
}

// Two cluster nodes: the latency run's senders on one and its listeners
// on the other, so every message crosses nodes; and -pgstats reads
// PostgreSQL's counters.
func TestWorkloadsOnCluster(t *testing.T) {
	bin, err := progclient.Build(filepath.Join("..", "..", "testdata", "examples", "chat.prog"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	pg := pgtest.Shared(t)
	sys := system{name: "prog-cluster2", dial: dialProg, cluster: true, start: func() (*servers, error) {
		return startCluster(bin, 2, func() (string, error) { return pg.NewDatabase(t), nil }, func() []string { return nil })
	}}
	b, err := startBench(context.Background(), sys)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.srv.procs) != 2 || b.srv.db == "" {
		t.Errorf("started %d nodes on database %q, want 2 on one", len(b.srv.procs), b.srv.db)
	}
	cfg := small
	cfg.pgStats = true
	if s := b.pgSnapshot(cfg); s.db == nil {
		t.Error("-pgstats read nothing from the cluster's database")
	} else {
		s.report("test", 1, 1)
	}
	b.close()
	checkWorkloads(t, sys)
}
