package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/psgate/psgate/session"
)

// TestAdminListenLoopbackOnly: the admin API (plain HTTP, bearer token) is
// refused on any address but loopback.
func TestAdminListenLoopbackOnly(t *testing.T) {
	tf := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tf, []byte("t0k\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := session.NewManager(session.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown(context.Background())
	for _, addr := range []string{":0", "0.0.0.0:0", "[::]:0"} {
		stop, _, err := startAdmin(context.Background(), adminConfig{Listen: addr, TokenFile: tf}, m, slog.New(slog.DiscardHandler))
		if err == nil {
			_ = stop()
			t.Errorf("admin.listen %q: started, want refused", addr)
			continue
		}
		if !strings.Contains(err.Error(), "loopback") {
			t.Errorf("admin.listen %q: error %v, want one naming loopback", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:0"} {
		stop, _, err := startAdmin(context.Background(), adminConfig{Listen: addr, TokenFile: tf}, m, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Errorf("admin.listen %q: %v", addr, err)
			continue
		}
		_ = stop()
	}
}

// TestAdminTokenFileMode: a token file group or others can read is refused.
func TestAdminTokenFileMode(t *testing.T) {
	tf := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tf, []byte("t0k\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readToken(tf); err != nil {
		t.Fatalf("mode 0600: %v", err)
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o644, 0o660} {
		if err := os.Chmod(tf, mode); err != nil {
			t.Fatal(err)
		}
		if _, err := readToken(tf); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("mode %04o: err %v, want refused", mode, err)
		}
	}
}
