package mfa

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/psgate/psgate/identity"
)

var ctx = context.Background()

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func testKey() []byte { return []byte("0123456789abcdef0123456789abcdef") }

func openTest(t *testing.T, path string, c *clock) *Store {
	t.Helper()
	s, err := OpenStore(StoreConfig{Path: path, Key: testKey(), Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrol enrols a TOTP factor for key and returns its secret and recovery codes.
func enrol(t *testing.T, s *Store, c *clock, key string) (string, []string) {
	t.Helper()
	k, err := NewTOTP("alice")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := s.EnrolTOTP(ctx, Enrolment{Key: key, Name: "alice", Secret: k.Secret(), Code: code(t, k.Secret(), c.now())})
	if err != nil {
		t.Fatal(err)
	}
	return k.Secret(), rec
}

func TestTOTPUsedOnceAndWithinOneStep(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	s := openTest(t, filepath.Join(t.TempDir(), "mfa.json"), c)
	secret, rec := enrol(t, s, c, "local:alice")
	if len(rec) != RecoveryCodes {
		t.Fatalf("got %d recovery codes", len(rec))
	}
	// The enrolment's code counts as used.
	if _, err := s.Verify(ctx, "local:alice", code(t, secret, c.now())); !errors.Is(err, ErrBadCode) {
		t.Fatalf("the enrolment code again: %v, want ErrBadCode", err)
	}
	c.add(30 * time.Second)
	now := code(t, secret, c.now())
	if _, err := s.Verify(ctx, "local:alice", now); err != nil {
		t.Fatalf("a fresh code: %v", err)
	}
	if _, err := s.Verify(ctx, "local:alice", now); !errors.Is(err, ErrBadCode) {
		t.Fatalf("a reused code: %v, want ErrBadCode", err)
	}
	if _, err := s.Verify(ctx, "local:alice", code(t, secret, c.now().Add(2*Period*time.Second))); !errors.Is(err, ErrBadCode) {
		t.Fatalf("a code two steps ahead: %v, want ErrBadCode", err)
	}
	if _, err := s.Verify(ctx, "local:alice", code(t, secret, c.now().Add(Period*time.Second))); err != nil {
		t.Fatalf("a code one step ahead: %v", err)
	}
	// An older step than the last one used is refused too.
	if _, err := s.Verify(ctx, "local:alice", now); !errors.Is(err, ErrBadCode) {
		t.Fatalf("an older code after a newer one: %v", err)
	}
	if _, err := s.Verify(ctx, "local:bob", "123456"); !errors.Is(err, ErrBadCode) {
		t.Fatalf("a user without factors: %v", err)
	}
}

func TestRecoveryCodeWorksOnce(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	s := openTest(t, filepath.Join(t.TempDir(), "mfa.json"), c)
	_, rec := enrol(t, s, c, "local:alice")
	used, err := s.Verify(ctx, "local:alice", " "+rec[3]+" ")
	if err != nil || !used {
		t.Fatalf("recovery code: used=%v err=%v", used, err)
	}
	if _, err := s.Verify(ctx, "local:alice", rec[3]); !errors.Is(err, ErrBadCode) {
		t.Fatalf("recovery code again: %v, want ErrBadCode", err)
	}
	u, _ := s.Lookup("local:alice")
	if len(u.Recovery) != RecoveryCodes-1 {
		t.Errorf("%d recovery codes left, want %d", len(u.Recovery), RecoveryCodes-1)
	}
}

func TestEnrolmentCode(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	s := openTest(t, filepath.Join(t.TempDir(), "mfa.json"), c)
	k, _ := NewTOTP("alice")
	e := Enrolment{Key: "local:alice", Name: "alice", Secret: k.Secret(), Code: code(t, k.Secret(), c.now()), NeedAdminCode: true}
	if _, err := s.EnrolTOTP(ctx, e); !errors.Is(err, ErrNoEnrolmentCode) {
		t.Fatalf("without the admin's code: %v", err)
	}
	admin, err := s.IssueEnrolmentCode(ctx, "local:alice", "alice", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	e.AdminCode = "AAAA-BBBB-CCCC-DDDD"
	if _, err := s.EnrolTOTP(ctx, e); !errors.Is(err, ErrNoEnrolmentCode) {
		t.Fatalf("with a wrong admin code: %v", err)
	}
	e.AdminCode = admin
	if _, err := s.EnrolTOTP(ctx, e); err != nil {
		t.Fatalf("with the admin's code: %v", err)
	}
	c.add(time.Minute)
	e.Code = code(t, k.Secret(), c.now())
	if _, err := s.EnrolTOTP(ctx, e); !errors.Is(err, ErrNoEnrolmentCode) {
		t.Fatalf("the admin's code twice: %v", err)
	}
	// An expired code is refused.
	admin, _ = s.IssueEnrolmentCode(ctx, "local:bob", "bob", time.Minute)
	c.add(2 * time.Minute)
	e = Enrolment{Key: "local:bob", Secret: k.Secret(), Code: code(t, k.Secret(), c.now()), NeedAdminCode: true, AdminCode: admin}
	if _, err := s.EnrolTOTP(ctx, e); !errors.Is(err, ErrNoEnrolmentCode) {
		t.Fatalf("an expired admin code: %v", err)
	}
	// A wrong TOTP code does not enrol.
	e = Enrolment{Key: "local:carol", Secret: k.Secret(), Code: "000000"}
	if code(t, k.Secret(), c.now()) != "000000" {
		if _, err := s.EnrolTOTP(ctx, e); !errors.Is(err, ErrBadCode) {
			t.Fatalf("enrolment with a wrong code: %v", err)
		}
	}
}

func TestSecretsSealedAtRest(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	path := filepath.Join(t.TempDir(), "mfa.json")
	s := openTest(t, path, c)
	secret, rec := enrol(t, s, c, "local:alice")
	data, _ := os.ReadFile(path)
	for _, plain := range append([]string{secret, base64.StdEncoding.EncodeToString([]byte(secret))}, rec...) {
		if strings.Contains(string(data), plain) || strings.Contains(string(data), normalizeCode(plain)) {
			t.Fatalf("the file holds a secret or code in clear")
		}
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	// Another key opens nothing.
	other, _ := OpenStore(StoreConfig{Path: path, Key: []byte("ffffffffffffffffffffffffffffffff"), Now: c.now})
	c.add(time.Minute)
	if _, err := other.Verify(ctx, "local:alice", code(t, secret, c.now())); !errors.Is(err, ErrBadCode) {
		t.Fatalf("verify with another key: %v", err)
	}
}

func TestConcurrentWritersKeepEveryChange(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	path := filepath.Join(t.TempDir(), "mfa.json")
	a, b := openTest(t, path, c), openTest(t, path, c) // two gateways
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := a
			if i%2 == 1 {
				s = b
			}
			if _, err := s.IssueEnrolmentCode(ctx, "local:u"+string(rune('a'+i)), "u", time.Hour); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := len(a.List()); n != 20 {
		t.Errorf("gateway a sees %d users, want 20", n)
	}
	if n := len(b.List()); n != 20 {
		t.Errorf("gateway b sees %d users, want 20", n)
	}
}

func TestReloadAndCorruptFileKeepsLastGood(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	path := filepath.Join(t.TempDir(), "mfa.json")
	a, b := openTest(t, path, c), openTest(t, path, c)
	enrol(t, a, c, "local:alice")
	if !b.Enrolled("local:alice") {
		t.Fatal("the other gateway did not reload the file")
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if !b.Enrolled("local:alice") {
		t.Fatal("a corrupt file emptied the store")
	}
	if b.Err() == nil {
		t.Error("Err is nil for a corrupt file")
	}
	if _, err := b.Reset(ctx, "local:alice"); err == nil {
		t.Error("a write replaced a file that does not load")
	}
	if data, _ := os.ReadFile(path); string(data) != "{not json" {
		t.Error("the corrupt file was overwritten")
	}
}

func TestDeletedFileKeepsLastGood(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	path := filepath.Join(t.TempDir(), "mfa.json")
	s := openTest(t, path, c)
	enrol(t, s, c, "local:alice")
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if !s.Enrolled("local:alice") {
		t.Fatal("a deleted file dropped every factor")
	}
	if err := s.Err(); !errors.Is(err, ErrStoreFileGone) {
		t.Errorf("Err = %v, want ErrStoreFileGone", err)
	}
	if _, err := s.IssueEnrolmentCode(ctx, "local:bob", "bob", time.Hour); !errors.Is(err, ErrStoreFileGone) {
		t.Errorf("a write over a deleted file: %v, want refused", err)
	}
	if _, err := OpenStore(StoreConfig{Path: path, Key: testKey()}); !errors.Is(err, ErrStoreFileGone) {
		t.Errorf("open of a deleted file: %v, want ErrStoreFileGone", err)
	}
}

func TestEnrolFirstOnly(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	s := openTest(t, filepath.Join(t.TempDir(), "mfa.json"), c)
	enrol(t, s, c, "local:alice")
	k, _ := NewTOTP("alice")
	c.add(time.Minute)
	if _, err := s.EnrolTOTP(ctx, Enrolment{Key: "local:alice", Secret: k.Secret(), Code: code(t, k.Secret(), c.now()), FirstOnly: true}); !errors.Is(err, ErrBadCode) {
		t.Fatalf("a second factor through the first-only enrolment: %v", err)
	}
	if _, err := s.EnrolTOTP(ctx, Enrolment{Key: "local:alice", Secret: k.Secret(), Code: code(t, k.Secret(), c.now())}); err != nil {
		t.Fatalf("a second factor: %v", err)
	}
	if u, _ := s.Lookup("local:alice"); len(u.Factors) != 2 || len(u.Recovery) != RecoveryCodes {
		t.Errorf("factors %d, recovery %d: want 2 and the first enrolment's %d", len(u.Factors), len(u.Recovery), RecoveryCodes)
	}
}

func TestReadKeyFile(t *testing.T) {
	dir := t.TempDir()
	good := base64.StdEncoding.EncodeToString(testKey()) + "\n"
	for _, tc := range []struct {
		name, content string
		mode          os.FileMode
		ok            bool
	}{
		{"0600", good, 0o600, true},
		{"0640", good, 0o640, true},
		{"0644 refused", good, 0o644, false},
		{"0604 refused", good, 0o604, false},
		{"short key", base64.StdEncoding.EncodeToString([]byte("short")), 0o600, false},
		{"not base64", "!!!", 0o600, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name)
			os.WriteFile(p, []byte(tc.content), 0o600)
			os.Chmod(p, tc.mode)
			_, err := ReadKeyFile(p)
			if (err == nil) != tc.ok {
				t.Fatalf("ReadKeyFile: %v, want ok=%v", err, tc.ok)
			}
			if tc.mode&0o007 != 0 && !errors.Is(err, ErrKeyFileMode) {
				t.Errorf("error %v does not wrap ErrKeyFileMode", err)
			}
		})
	}
}

func TestPolicy(t *testing.T) {
	admins := identity.Identity{Name: `CORP\alice`, SID: "S-1-5-21-1", Groups: []identity.Group{{Name: `CORP\Domain Admins`, SID: "S-1-5-21-512"}}}
	user := identity.Identity{Name: "bob", Provider: identity.ProviderLocal}
	for _, tc := range []struct {
		p         Policy
		id        identity.Identity
		want, bad bool
	}{
		{p: Policy{Mode: ModeRequired}, id: user, want: true},
		{p: Policy{Mode: ModeOptional}, id: admins, want: false},
		{p: Policy{Mode: ModeGroups, Groups: []string{`corp\domain admins`}}, id: admins, want: true},
		{p: Policy{Mode: ModeGroups, Groups: []string{"S-1-5-21-512"}}, id: admins, want: true},
		{p: Policy{Mode: ModeGroups, Groups: []string{"S-1-5-21-512"}}, id: user, want: false},
		{p: Policy{Mode: ModeGroups}, bad: true},
		{p: Policy{Mode: "sometimes"}, bad: true},
		{p: Policy{Mode: ModeRequired, Groups: []string{"x"}}, bad: true},
	} {
		if err := tc.p.Validate(); (err != nil) != tc.bad {
			t.Errorf("%+v: Validate = %v", tc.p, err)
		}
		if !tc.bad && tc.p.Required(tc.id) != tc.want {
			t.Errorf("%+v Required(%s) = %v", tc.p, tc.id.Name, !tc.want)
		}
	}
	if KeyOf(admins) != "sid:S-1-5-21-1" || KeyOf(user) != "local:bob" ||
		KeyOf(identity.Identity{Name: "x", DN: "UID=x,DC=Example"}) != "dn:uid=x,dc=example" {
		t.Error("KeyOf")
	}
}
