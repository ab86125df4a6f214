package codegen_test

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/prog-lang/prog/runtime/pgtest"
)

// BenchmarkQueries measures the table statements that run in the
// database (issue 15) on SQLite and PostgreSQL: each query of
// testdata/bench/lookup.prog as a remote call over HTTP to the built
// server, against the floor, the same SQL written by hand with
// database/sql behind a Go HTTP handler in a process of its own, as the
// built server is. The tables hold 100,000 rows (people) and 100 (few);
// no-query is a call that reads no table, the cost of a call alone. Goals: prog ≤ 1.3× the floor, and
// a lookup in people within 1.5× of one in few.
func BenchmarkQueries(b *testing.B) {
	for _, db := range []string{"sqlite", "postgres"} {
		b.Run(db, func(b *testing.B) {
			spec := filepath.Join(b.TempDir(), "lookup.db")
			driver := "sqlite"
			if db == "postgres" {
				spec = pgtest.Shared(b).NewDatabase(b)
				driver = "pgx"
			}
			url := serveDB(b, filepath.Join("..", "testdata", "bench", "lookup.prog"), spec)
			base := strings.TrimSuffix(url, "lookup")
			client := &http.Client{Timeout: 30 * time.Second}
			sid, key := viewPage(b, client, url)
			conn, err := sql.Open(driver, spec)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			seed(b, conn, "people", 100_000)
			seed(b, conn, "few", 100)
			floor := floorServer(b, driver, spec)
			queries := []struct{ name, fn, args string }{
				{"lookup", "lookup", `["p77777"]`},
				{"range-limit-20", "range", `[50]`},
				{"count", "count", `[42]`},
				{"lookup-100-rows", "lookupFew", `["p77"]`},
				{"no-query", "ping", `[1]`},
			}
			id := 0
			for _, q := range queries {
				b.Run(q.name+"/prog", func(b *testing.B) {
					for b.Loop() {
						id++
						body := fmt.Sprintf(`{"id":%d,"fn":%q,"args":%s}`, id, q.fn, q.args)
						if got := post(b, client, base+"pull/"+sid, key, body); !strings.Contains(got, `"ok"`) {
							b.Fatalf("%s: %s", q.fn, got)
						}
					}
				})
				b.Run(q.name+"/floor", func(b *testing.B) {
					for b.Loop() {
						if got := post(b, client, floor+"/"+q.fn, "", q.args); !strings.Contains(got, `"ok"`) {
							b.Fatalf("%s: %s", q.fn, got)
						}
					}
				})
			}
		})
	}
}

// seed fills table (made by the server) with n rows: name "p1" …, age i % 100.
func seed(b *testing.B, conn *sql.DB, table string, n int) {
	_, err := conn.Exec(fmt.Sprintf(`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < %d)
		INSERT INTO %q ("name", "age") SELECT 'p' || i, i %% 100 FROM c`, n, table))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec("ANALYZE"); err != nil {
		b.Fatal(err)
	}
}

// floorServer starts the floor as a process of its own, as the built
// server is: this test binary again, with floorEnv set (see TestMain), so
// that both sides pay the same for crossing processes. It returns the
// floor's base URL.
func floorServer(b *testing.B, driver, spec string) string {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), floorEnv+"="+driver+" "+spec)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.Fatalf("floor server: %v", err)
	}
	return "http://" + strings.TrimSpace(line)
}

// floorEnv, when set to "driver spec", makes the test binary serve the
// floor of BenchmarkQueries on a loopback port instead of running tests:
// it prints the address, then serves until its stdin closes.
const floorEnv = "PROG_QUERY_FLOOR"

// serveFloor is the floor process's main; it returns the exit code.
func serveFloor(arg string) int {
	driver, spec, _ := strings.Cut(arg, " ")
	conn, err := sql.Open(driver, spec)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer conn.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	srv := &http.Server{Handler: floorHandler(conn, driver == "pgx")}
	go srv.Serve(ln)
	fmt.Println(ln.Addr())
	io.Copy(io.Discard, os.Stdin)
	srv.Close()
	return 0
}

// floorHandler answers the same queries as lookup.prog, written by hand.
func floorHandler(conn *sql.DB, pg bool) http.Handler {
	type person struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
		Age  int64  `json:"age"`
	}
	q := func(s string) string {
		if !pg {
			return s
		}
		for i := 1; strings.Contains(s, "?"); i++ {
			s = strings.Replace(s, "?", fmt.Sprintf("$%d", i), 1)
		}
		return s
	}
	list := func(w http.ResponseWriter, query string, arg any) {
		rows, err := conn.Query(q(query), arg)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer rows.Close()
		out := []person{}
		for rows.Next() {
			var p person
			rows.Scan(&p.ID, &p.Name, &p.Age)
			out = append(out, p)
		}
		json.NewEncoder(w).Encode(map[string]any{"ok": out})
	}
	args := func(r *http.Request) []json.RawMessage {
		var a []json.RawMessage
		body, _ := io.ReadAll(r.Body)
		json.Unmarshal(body, &a)
		return a
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ping", func(w http.ResponseWriter, r *http.Request) {
		var n int64
		json.Unmarshal(args(r)[0], &n)
		json.NewEncoder(w).Encode(map[string]any{"ok": n})
	})
	mux.HandleFunc("/lookup", func(w http.ResponseWriter, r *http.Request) {
		var n string
		json.Unmarshal(args(r)[0], &n)
		list(w, `SELECT "id", "name", "age" FROM "people" WHERE "name" = ?`, n)
	})
	mux.HandleFunc("/lookupFew", func(w http.ResponseWriter, r *http.Request) {
		var n string
		json.Unmarshal(args(r)[0], &n)
		list(w, `SELECT "id", "name", "age" FROM "few" WHERE "name" = ?`, n)
	})
	mux.HandleFunc("/range", func(w http.ResponseWriter, r *http.Request) {
		var a int64
		json.Unmarshal(args(r)[0], &a)
		list(w, `SELECT "id", "name", "age" FROM "people" WHERE "age" > ? ORDER BY "age", "id" LIMIT 20`, a)
	})
	mux.HandleFunc("/count", func(w http.ResponseWriter, r *http.Request) {
		var a, n int64
		json.Unmarshal(args(r)[0], &a)
		if err := conn.QueryRow(q(`SELECT count(*) FROM "people" WHERE "age" = ?`), a).Scan(&n); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"ok": n})
	})
	return mux
}

func post(b *testing.B, client *http.Client, url, key, body string) string {
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	if key != "" {
		req.Header.Set("Prog-Key", key)
	}
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return string(out)
}
