package codegen_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Keys, serials, order by, limit and length(select …) run in the
// database as LANGUAGE.md's "Tables: keys, order, limits" says, the same
// on SQLite and PostgreSQL: each function of testdata/e2e/data.prog is
// called remotely, in turn, and its answer compared.
func TestDataInSQL(t *testing.T) { onBothDBs(t, testDataInSQL) }

func testDataInSQL(t *testing.T, db string) {
	url := serveDB(t, filepath.Join("..", "testdata", "e2e", "data.prog"), db)
	base := strings.TrimSuffix(url, "data")
	client := &http.Client{Timeout: 20 * time.Second}
	sid, key := viewPage(t, client, url)
	id := 0
	call := func(fn, args, want string) {
		t.Helper()
		id++
		if got := pullCall(t, client, base, sid, key, id, fn, args); !strings.Contains(got, want) {
			t.Errorf("%s(%s) answered %s, want %s", fn, strings.Trim(args, "[]"), got, want)
		}
	}
	// Serials count from 1 and are never reused, even for the last row.
	call("add", `["c",3]`, `"ok":1`)
	call("add", `["a",1]`, `"ok":2`)
	call("add", `["b",2]`, `"ok":3`)
	call("remove", `[3]`, `"ok":null`)
	call("add", `["b",2]`, `"ok":4`)
	call("add", `["d",2]`, `"ok":5`)
	// Without order by, insertion order, also after an update (which
	// moves a row to the end of the heap on PostgreSQL).
	call("toggle", `[1]`, `"ok":null`)
	call("all", `[]`, `"ok":"1:c 2:a 4:b 5:d "`)
	// order by at desc, then text; ties of both in insertion order.
	call("latest", `[3]`, `"ok":"1:c 4:b 5:d "`)
	call("latest", `[0]`, `"ok":""`)
	call("latest", `[-1]`, `"err":"limit -1 is negative"`)
	call("undone", `[]`, `"ok":"2:a 4:b 5:d "`)
	call("countDone", `[]`, `"ok":1`)
	call("countFirst", `[2]`, `"ok":2`)
	call("countFirst", `[10]`, `"ok":4`)
	// Arithmetic in SQL fails as the program's does; the call rolls back.
	call("overflow", `[4611686018427387904]`, `"err":"int overflow`)
	call("divide", `[0]`, `"err":"division by zero"`)
	call("divide", `[1]`, `"ok":4`)
	call("shift", `[9223372036854775806]`, `"err":"int overflow`)
	call("all", `[]`, `"ok":"1:c 2:a 4:b 5:d "`)
	call("shift", `[10]`, `"ok":null`)
	call("latest", `[1]`, `"ok":"1:c "`)
	call("overflow", `[2]`, `"ok":4`)

	// unique (room, name): a second row breaks it, in insert or update,
	// as a runtime error naming the table and columns; the call's
	// other inserts roll back with it.
	call("join", `["r","ann",1.5]`, `"ok":null`)
	call("join", `["r","cy",-2]`, `"ok":null`)
	call("join", `["s","ann",3]`, `"ok":null`)
	unique := `"err":"table members already has a row with these (room, name): (room, name) must be unique"`
	call("join", `["r","ann",0]`, unique)
	call("joinTwice", `["r","ann"]`, unique)
	call("people", `["r"]`, `"ok":2`)
	call("rename", `["r","cy","ann"]`, unique)
	call("rename", `["r","cy","dee"]`, `"ok":null`)
	// NaN is stored (as text on SQLite) and compares false with
	// everything; order by puts it above every number.
	call("join", `["r","nan","NaN"]`, `"ok":null`)
	call("join", `["r","inf","Infinity"]`, `"ok":null`)
	call("board", `["r"]`, `"ok":"nan=NaN inf=Infinity ann=1.5 dee=-2 "`)
	call("above", `["r",0]`, `"ok":"ann inf "`)
	call("above", `["r","NaN"]`, `"ok":""`)
}
