package main

// The systems on PostgreSQL beside prog-pg: prog-clusterN, N chat nodes
// with --cluster on one new database, and what PostgreSQL does in a run
// (-pgstats).

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prog-lang/prog/cmd/internal/progclient"
	"github.com/prog-lang/prog/runtime/pgtest"
)

// startPG starts a PostgreSQL server of progbench's own or, with an
// address, uses that one. It returns a function making a new database and
// its address, and a function that stops what startPG started.
func startPG(addr string) (createDB func() (string, error), stop func(), err error) {
	if addr == "" {
		pg, err := pgtest.Start()
		if err != nil {
			return nil, nil, err
		}
		return pg.CreateDatabase, pg.Stop, nil
	}
	u, err := url.Parse(addr)
	if err != nil {
		return nil, nil, err
	}
	if h := u.Hostname(); h != "localhost" && h != "127.0.0.1" && h != "::1" {
		return nil, nil, fmt.Errorf("-pg %s is not on this machine", addr)
	}
	admin, err := sql.Open("pgx", addr)
	if err != nil {
		return nil, nil, err
	}
	if err := admin.Ping(); err != nil {
		admin.Close()
		return nil, nil, err
	}
	var made atomic.Int64
	return func() (string, error) {
		name := fmt.Sprintf("progbench_%d_%d", os.Getpid(), made.Add(1))
		if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
			return "", err
		}
		v := *u
		v.Path = "/" + name
		return v.String(), nil
	}, func() { admin.Close() }, nil
}

// startCluster starts n chat nodes with --cluster on a new database, one
// after the other. flags gives each node's extra flags.
func startCluster(chat string, n int, createDB func() (string, error), flags func() []string) (*servers, error) {
	db, err := createDB()
	if err != nil {
		return nil, err
	}
	s := &servers{db: db}
	for range n {
		p, err := progclient.StartProg(chat, append([]string{"--cluster", "--db", db}, flags()...)...)
		if err != nil {
			s.stop()
			return nil, err
		}
		s.procs = append(s.procs, p)
	}
	return s, nil
}

// pgSnap is what PostgreSQL had done when a run began.
type pgSnap struct {
	db         *sql.DB
	at         time.Time
	wal        int64
	xacts      int64
	rows       [3]int64 // inserted, updated, deleted
	cpu        map[int]time.Duration
	statements map[int64]stmtStat // by queryid; nil without pg_stat_statements
}

type stmtStat struct {
	query            string
	calls, rows, wal int64
	ms               float64
}

// pgSnapshot reads what PostgreSQL has done so far in the bench's
// database, when -pgstats is on and the system runs on PostgreSQL; the
// zero pgSnap otherwise, whose report prints nothing.
func (b *bench) pgSnapshot(cfg config) pgSnap {
	if !cfg.pgStats || b.srv.db == "" {
		return pgSnap{}
	}
	db, err := sql.Open("pgx", b.srv.db)
	if err != nil {
		fmt.Fprintf(os.Stderr, "  pg: %v\n", err)
		return pgSnap{}
	}
	db.SetMaxOpenConns(1)
	// The view is made in each database; it reads only when the server
	// loaded the library (shared_preload_libraries).
	db.Exec("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
	s, err := readPG(db)
	if err != nil {
		fmt.Fprintf(os.Stderr, "  pg: %v\n", err)
		db.Close()
		return pgSnap{}
	}
	return s
}

func readPG(db *sql.DB) (pgSnap, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s := pgSnap{db: db, at: time.Now(), cpu: map[int]time.Duration{}}
	// The counters of pg_stat_database reach it when a backend reports,
	// at most once a second: over a run of seconds, about as much is
	// late at the start as at the end.
	err := db.QueryRowContext(ctx, `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint,
		xact_commit + xact_rollback, tup_inserted, tup_updated, tup_deleted
		FROM pg_stat_database WHERE datname = current_database()`).Scan(&s.wal, &s.xacts, &s.rows[0], &s.rows[1], &s.rows[2])
	if err != nil {
		return pgSnap{}, err
	}
	pids, err := db.QueryContext(ctx, "SELECT pid FROM pg_stat_activity")
	if err != nil {
		return pgSnap{}, err
	}
	for pids.Next() {
		var pid int
		if pids.Scan(&pid) == nil {
			s.cpu[pid] = progclient.CPU(pid)
		}
	}
	pids.Close()
	rows, err := db.QueryContext(ctx, `SELECT queryid, query, calls, rows, wal_bytes::bigint, total_exec_time
		FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`)
	if err != nil {
		return s, nil // no pg_stat_statements
	}
	defer rows.Close()
	s.statements = map[int64]stmtStat{}
	for rows.Next() {
		var id int64
		var st stmtStat
		if err := rows.Scan(&id, &st.query, &st.calls, &st.rows, &st.wal, &st.ms); err != nil {
			return pgSnap{}, err
		}
		s.statements[id] = st
	}
	return s, rows.Err()
}

// report prints what PostgreSQL did since s for messages posts, which
// made deliveries: per message sent and per delivery.
func (s pgSnap) report(what string, messages, deliveries int64) {
	if s.db == nil {
		return
	}
	defer s.db.Close()
	now, err := readPG(s.db)
	if err != nil {
		fmt.Fprintf(os.Stderr, "  pg: %v\n", err)
		return
	}
	m, d := float64(max(messages, 1)), float64(max(deliveries, 1))
	var cpu time.Duration
	for pid, t := range now.cpu {
		if t0, ok := s.cpu[pid]; ok {
			cpu += t - t0
		} else {
			cpu += t
		}
	}
	secs := now.at.Sub(s.at).Seconds()
	ins, upd, del := now.rows[0]-s.rows[0], now.rows[1]-s.rows[1], now.rows[2]-s.rows[2]
	wal := float64(now.wal - s.wal)
	fmt.Fprintf(os.Stderr, "  pg %s: %d messages, %d deliveries; PostgreSQL %.2f cores; a message: %.2f transactions, %.1f rows inserted, %.1f updated, %.1f deleted, %.0f WAL bytes; a delivery: %.0f WAL bytes, %.1f µs of PostgreSQL\n",
		what, messages, deliveries, cpu.Seconds()/secs, float64(now.xacts-s.xacts)/m,
		float64(ins)/m, float64(upd)/m, float64(del)/m, wal/m, wal/d, float64(cpu.Microseconds())/d)
	if s.statements == nil || now.statements == nil {
		return
	}
	var diffs []stmtStat
	var calls int64
	for id, st := range now.statements {
		st0 := s.statements[id]
		st.calls -= st0.calls
		st.rows -= st0.rows
		st.wal -= st0.wal
		st.ms -= st0.ms
		if st.calls > 0 {
			diffs = append(diffs, st)
			calls += st.calls
		}
	}
	slices.SortFunc(diffs, func(a, b stmtStat) int { return cmp.Compare(b.ms, a.ms) })
	fmt.Fprintf(os.Stderr, "  pg %s: %.2f statements a message (pg_stat_statements); by execution time:\n", what, float64(calls)/m)
	for _, st := range diffs[:min(len(diffs), 12)] {
		q := strings.Join(strings.Fields(st.query), " ")
		fmt.Fprintf(os.Stderr, "    %6.2f calls, %7.1f rows, %7.0f WAL bytes a message; %5.1f%% of statement time: %.110s\n",
			float64(st.calls)/m, float64(st.rows)/m, float64(st.wal)/m, 100*st.ms/max(sumMS(diffs), 1e-9), q)
	}
}

func sumMS(sts []stmtStat) float64 {
	var t float64
	for _, st := range sts {
		t += st.ms
	}
	return t
}
