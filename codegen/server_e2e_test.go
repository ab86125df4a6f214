package codegen_test

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
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

// A program's name is its file name, which may hold what neither a Go
// module path nor a URL path takes as it is: the server builds, and its
// page and bundle are reached from / as a browser follows the links.
func TestFileNameWithSpaceAndHash(t *testing.T) {
	file := filepath.Join(t.TempDir(), "my chat#1.prog")
	if err := os.WriteFile(file, []byte("page `<p>hi</p>`\nserver fun hi(): string { return \"hi\" }\nclient fun main() { log(hi()) }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	url := serve(t, file)
	base := strings.TrimSuffix(url, "my chat#1")
	resp, err := http.Get(base) // follows the redirect to the page
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`<script src="/([^"]+)"`).FindSubmatch(b)
	if resp.StatusCode != 200 || m == nil || !strings.Contains(string(b), "<p>hi</p>") {
		t.Fatalf("GET / then its redirect: %d %s", resp.StatusCode, b)
	}
	resp, err = http.Get(base + string(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	js, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(js), "sourceMappingURL=my%20chat%231.") {
		t.Fatalf("GET the bundle /%s: %d %.300s", m[1], resp.StatusCode, js)
	}
}
