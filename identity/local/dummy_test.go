package local

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// allocOf returns the bytes allocated by one call of f (argon2id's cost is
// its memory, so equal work shows as equal allocation, without a clock).
func allocOf(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// TestUnknownUserSameCost: a gateway opening a users file with its default
// config checks an unknown name against a hash of the same algorithm and
// cost as the file's (bcrypt from --bcrypt, other argon2id parameters), not
// its own default argon2id, so the work (and time) does not tell a guesser
// which names exist.
func TestUnknownUserSameCost(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"bcrypt", Config{Algorithm: "bcrypt", BcryptCost: 4}},
		{"argon2id-4MiB", Config{Algorithm: "argon2id", Params: Params{Memory: 4096, Iterations: 1, Parallelism: 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "users.yaml")
			w := tc.cfg
			w.Path, w.Create = path, true
			must(t, newStore(t, w).Add("alice", "correct horse", nil))
			s, err := Open(path) // as psgate serve does: default argon2id parameters
			if err != nil {
				t.Fatal(err)
			}
			// warm up: the dummy hash is made on first use
			_, _ = s.Authenticate("ghost", "wrong-password")
			_, _ = s.Authenticate("alice", "wrong-password")
			known := allocOf(func() { _, _ = s.Authenticate("alice", "wrong-password") })
			unknown := allocOf(func() { _, _ = s.Authenticate("ghost", "wrong-password") })
			diff := int64(known) - int64(unknown)
			if diff < -(1<<20) || diff > 1<<20 {
				t.Errorf("known name allocates %d bytes, unknown %d: the checks differ in cost", known, unknown)
			}
		})
	}
}

// TestLooseFileModeWarned: a users file others can read (the hashes) or
// group/others can write is logged as a warning at load; 0600 and 0640 are not.
func TestLooseFileModeWarned(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.yaml")
	must(t, newStore(t, Config{Path: path, Create: true}).Add("alice", "correct horse", nil))
	for _, tc := range []struct {
		mode os.FileMode
		warn bool
	}{{0o600, false}, {0o640, false}, {0o644, true}, {0o660, true}, {0o606, true}} {
		if err := os.Chmod(path, tc.mode); err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		if _, err := New(Config{Path: path, Params: cheap, Logger: slog.New(slog.NewTextHandler(&logs, nil))}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(logs.String(), "chmod 600"); got != tc.warn {
			t.Errorf("mode %04o: warned %v, want %v (log %q)", tc.mode, got, tc.warn, logs.String())
		}
	}
}
