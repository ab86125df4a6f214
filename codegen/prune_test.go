package codegen

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// pruneBuilds keeps a program's last keepBuilds builds and any used
// within keepFor, and drops any program's build unused for dropAfter.
func TestPruneBuilds(t *testing.T) {
	builds := t.TempDir()
	now := time.Now()
	mkBuild := func(name string, age time.Duration) {
		dir := filepath.Join(builds, name)
		if err := os.MkdirAll(filepath.Join(dir, "x"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(dir, now.Add(-age), now.Add(-age)); err != nil {
			t.Fatal(err)
		}
	}
	for i, age := range []time.Duration{1, 2, 3, 4, 5, 6} {
		mkBuild("chat-old"+string(rune('a'+i)), age*24*time.Hour)
	}
	mkBuild("chat-recent1", time.Minute)   // within keepFor: stays even past rank 4
	mkBuild("chat-a-b-c0", 7*24*time.Hour) // another program named chat-a-b
	mkBuild("rooms-1", 40*24*time.Hour)    // unused for 40 days
	mkBuild("rooms-2", 10*24*time.Hour)

	pruneBuilds(builds, "chat", now)

	entries, err := os.ReadDir(builds)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	want := []string{"chat-a-b-c0", "chat-olda", "chat-oldb", "chat-oldc", "chat-recent1", "rooms-2"}
	if !slices.Equal(left, want) {
		t.Errorf("left %q, want %q", left, want)
	}
}
