package codegen_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The server half computes as LANGUAGE.md says both halves do: floats at
// run time as IEEE doubles (the answers are JavaScript's), int overflow
// and division by zero as runtime errors that fail the call. Each
// function of testdata/e2e/arith.prog is called remotely.
func TestServerArithmetic(t *testing.T) {
	url := serve(t, filepath.Join("..", "testdata", "e2e", "arith.prog"))
	base := strings.TrimSuffix(url, "arith")
	client := &http.Client{Timeout: 10 * time.Second}
	sid, key := viewPage(t, client, url)
	for i, c := range []struct{ fn, want string }{
		{"exact", `"ok":"false 0.30000000000000004 false"`},
		{"infinite", `"ok":"Infinity -Infinity Infinity NaN"`},
		{"remainder", `"ok":"-1.5 NaN 1"`},
		{"over", `"err":"int overflow: 9223372036854775807 + 1"`},
		{"under", `"err":"int overflow: -9223372036854775808 - 1"`},
		{"negate", `"err":"int overflow: -(-9223372036854775808)"`},
		{"times", `"err":"int overflow: 4611686018427387904 * 2"`},
		{"divide", `"err":"division by zero"`},
		{"modulo", `"err":"division by zero"`},
	} {
		if got := pullCall(t, client, base, sid, key, i+1, c.fn, `[]`); !strings.Contains(got, c.want) {
			t.Errorf("%s answered %s, want %s", c.fn, got, c.want)
		}
	}
}
