package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prog-lang/prog/cmd/internal/progclient"
)

// The load tool drives a real chat server: every session gets every
// message, or run fails.
func TestLoadChat(t *testing.T) {
	bin, err := progclient.Build(filepath.Join("..", "..", "testdata", "examples", "chat.prog"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, bin, "", 0, 200, 3); err != nil {
		t.Fatal(err)
	}
}

// Only servers on this machine are loaded; nothing is sent elsewhere.
func TestLoadRefusesOtherHosts(t *testing.T) {
	for _, u := range []string{"http://10.1.2.3:8080", "http://example.com", "http://192.168.0.1"} {
		err := run(context.Background(), "", u, 0, 1, 1)
		if err == nil || !strings.Contains(err.Error(), "not on this machine") {
			t.Errorf("%s: %v, want a refusal", u, err)
		}
	}
}
