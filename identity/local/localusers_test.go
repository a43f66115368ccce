package local

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// cheap keeps unit tests fast; the benchmark uses DefaultParams.
var cheap = Params{Memory: 64, Iterations: 1, Parallelism: 1}

func newStore(t *testing.T, cfg Config) *Store {
	t.Helper()
	if cfg.Path == "" {
		cfg.Path = filepath.Join(t.TempDir(), "users.yaml")
		cfg.Create = true
	}
	if cfg.Params == (Params{}) {
		cfg.Params = cheap
	}
	if cfg.BcryptCost == 0 {
		cfg.BcryptCost = 4
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAuthenticate(t *testing.T) {
	for _, alg := range []string{"argon2id", "bcrypt"} {
		t.Run(alg, func(t *testing.T) {
			s := newStore(t, Config{Algorithm: alg})
			must(t, s.Add("alice", "correct horse", []string{"gateway-users", "admins"}))
			must(t, s.Add("dave", "dave-password", nil))
			must(t, s.SetDisabled("dave", true))
			tests := []struct {
				name, user, pw string
				want           error
			}{
				{"ok", "alice", "correct horse", nil},
				{"case-insensitive name", "ALICE", "correct horse", nil},
				{"wrong password", "alice", "correct horsE", ErrInvalidCredentials},
				{"empty password", "alice", "", ErrInvalidCredentials},
				{"unknown user", "mallory", "correct horse", ErrInvalidCredentials},
				{"disabled, right password", "dave", "dave-password", ErrAccountDisabled},
				{"disabled, wrong password", "dave", "nope-nope", ErrInvalidCredentials},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					u, err := s.Authenticate(tc.user, tc.pw)
					if !errors.Is(err, tc.want) {
						t.Fatalf("Authenticate(%q) = %v, want %v", tc.user, err, tc.want)
					}
					if tc.want != nil {
						return
					}
					want := User{Name: "alice", Groups: []string{"gateway-users", "admins"}, Algorithm: alg}
					if d := cmp.Diff(want, u); d != "" {
						t.Errorf("user (-want +got):\n%s", d)
					}
				})
			}
		})
	}
}

func TestHostileNames(t *testing.T) {
	s := newStore(t, Config{})
	must(t, s.Add("alice", "correct horse", nil))
	for _, name := range []string{"", "alice\x00", "*", "alice ", strings.Repeat("a", 100000), "../alice", "ALİCE"} {
		if u, err := s.Authenticate(name, "correct horse"); !errors.Is(err, ErrInvalidCredentials) {
			t.Errorf("Authenticate(%.20q) = %+v, %v; want ErrInvalidCredentials", name, u, err)
		}
	}
}

func TestErrorsDoNotCarryPasswords(t *testing.T) {
	s := newStore(t, Config{})
	must(t, s.Add("alice", "secret-pass-1", nil))
	_, err := s.Authenticate("alice", "guess-pass-2")
	if err == nil || strings.Contains(err.Error(), "guess-pass-2") {
		t.Fatalf("error %v must exist and not contain the password", err)
	}
}

func TestChanges(t *testing.T) {
	s := newStore(t, Config{})
	must(t, s.Add("alice", "password-1", []string{"g1"}))
	must(t, s.Add("bob", "password-2", nil))
	if err := s.Add("Alice", "password-3", nil); !errors.Is(err, ErrExists) {
		t.Errorf("Add duplicate = %v, want ErrExists", err)
	}
	if err := s.Add("eve", "short", nil); !errors.Is(err, ErrWeakPassword) {
		t.Errorf("Add short password = %v, want ErrWeakPassword", err)
	}
	for _, bad := range []string{"", "a b", "x\x00y", "-lead", "a\\b", strings.Repeat("a", 65), "ü"} {
		if err := s.Add(bad, "password-9", nil); !errors.Is(err, ErrInvalidName) {
			t.Errorf("Add(%q) = %v, want ErrInvalidName", bad, err)
		}
	}
	if err := s.Add("carol", "password-9", []string{"bad group"}); !errors.Is(err, ErrInvalidName) {
		t.Errorf("Add with bad group = %v, want ErrInvalidName", err)
	}
	must(t, s.SetPassword("bob", "password-new"))
	if _, err := s.Authenticate("bob", "password-2"); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("old password still works: %v", err)
	}
	if _, err := s.Authenticate("bob", "password-new"); err != nil {
		t.Errorf("new password: %v", err)
	}
	must(t, s.SetGroups("bob", []string{"helpdesk"}))
	must(t, s.Remove("ALICE"))
	for _, err := range []error{s.Remove("alice"), s.SetPassword("nobody", "password-x"), s.SetGroups("nobody", nil)} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("change of a missing user = %v, want ErrNotFound", err)
		}
	}
	want := []User{{Name: "bob", Groups: []string{"helpdesk"}, Algorithm: "argon2id"}}
	if d := cmp.Diff(want, s.List()); d != "" {
		t.Errorf("List (-want +got):\n%s", d)
	}
	// a second store reads what the first wrote
	s2, err := New(Config{Path: s.cfg.Path, Params: cheap})
	must(t, err)
	if d := cmp.Diff(want, s2.List()); d != "" {
		t.Errorf("reopened List (-want +got):\n%s", d)
	}
	st, err := os.Stat(s.cfg.Path)
	must(t, err)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", st.Mode().Perm())
	}
	ents, _ := os.ReadDir(filepath.Dir(s.cfg.Path))
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temp file left behind: %s", e.Name())
		}
	}
}

// TestConcurrentWriters: two stores (as two `psgate user add` processes)
// on one file lose no update.
func TestConcurrentWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.yaml")
	a := newStore(t, Config{Path: path, Create: true})
	b := newStore(t, Config{Path: path, Create: true})
	var wg sync.WaitGroup
	for i := range 20 {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Add("user"+string(rune('a'+i)), "password-0", nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := len(a.List()); n != 20 {
		t.Errorf("after 20 concurrent adds the file has %d users", n)
	}
}

func TestReloadKeepsLastGood(t *testing.T) {
	s := newStore(t, Config{})
	must(t, s.Add("alice", "password-1", nil))
	other := newStore(t, Config{Path: s.cfg.Path})
	must(t, other.Add("bob", "password-2", nil))
	if _, err := s.Authenticate("bob", "password-2"); err != nil {
		t.Fatalf("change by another writer not picked up: %v", err)
	}
	must(t, os.WriteFile(s.cfg.Path, []byte("users: [{name: x, hash: nope}]\n"), 0o600))
	if _, err := s.Authenticate("alice", "password-1"); err != nil {
		t.Fatalf("a broken file replaced the last good users: %v", err)
	}
	if err := s.Reload(); !errors.Is(err, ErrInvalidFile) {
		t.Fatalf("Reload of a broken file = %v, want ErrInvalidFile", err)
	}
}

func TestMissingFile(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "none.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open of a missing file = %v, want ErrNotExist", err)
	}
}

func TestConfigValidation(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{Path: "x", Algorithm: "md5"},
		{Path: "x", Params: Params{Memory: 1 << 30, Iterations: 1, Parallelism: 1}},
		{Path: "x", Params: Params{Memory: 64, Iterations: 0, Parallelism: 1}},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted a bad config", cfg)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
