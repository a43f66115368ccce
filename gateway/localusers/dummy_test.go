package localusers

import (
	"path/filepath"
	"runtime"
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
