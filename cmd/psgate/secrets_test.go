package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBindPasswordFileMode: a bind password file others can read is
// refused; 0600 and 0640 are read.
func TestBindPasswordFileMode(t *testing.T) {
	pf := filepath.Join(t.TempDir(), "bind.pw")
	if err := os.WriteFile(pf, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l := &ldapIdentity{URL: "ldap://127.0.0.1:1", BindDN: "cn=svc,dc=example,dc=test", BindPasswordFile: pf, BaseDN: "dc=example,dc=test"}
	for _, tc := range []struct {
		mode   os.FileMode
		refuse bool
	}{{0o600, false}, {0o640, false}, {0o644, true}, {0o604, true}} {
		if err := os.Chmod(pf, tc.mode); err != nil {
			t.Fatal(err)
		}
		d, err := openDirectory(l)
		if d != nil {
			d.Close()
		}
		refused := err != nil && strings.Contains(err.Error(), "others must have no access")
		if refused != tc.refuse {
			t.Errorf("mode %04o: err %v, want refused=%v", tc.mode, err, tc.refuse)
		}
	}
}

// TestRedisPasswordFileMode: the Redis password file follows the same rule
// as the bind password file.
func TestRedisPasswordFileMode(t *testing.T) {
	pf := filepath.Join(t.TempDir(), "redis.pw")
	if err := os.WriteFile(pf, []byte("secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := &config{Store: storeConfig{Redis: &redisConfig{Addr: "127.0.0.1:1", PasswordFile: pf}}}
	_, _, _, err := openRegistry(cfg, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "redis password file") || !strings.Contains(err.Error(), "others must have no access") {
		t.Fatalf("openRegistry with a 0644 password file: %v, want refused naming the file", err)
	}
	if err := os.Chmod(pf, 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, closeReg, err := openRegistry(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("openRegistry with a 0600 password file: %v", err)
	}
	_ = closeReg()
}
