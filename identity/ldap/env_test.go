package ldap

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
)

// server is a running test component (deploy/testenv/slapd.sh or samba-ad.sh).
type server struct {
	name string
	url  string
	dir  string
	env  map[string]string // fixture.env
	ca   []byte
	ad   bool
}

// component returns the server named by urlVar/dirVar, or skips (fails
// with PSGATE_TEST_REQUIRE=1) when it is not configured.
func component(t testing.TB, name, urlVar, dirVar string, ad bool) *server {
	t.Helper()
	url, dir := os.Getenv(urlVar), os.Getenv(dirVar)
	if url == "" || dir == "" {
		if os.Getenv("PSGATE_TEST_REQUIRE") == "1" {
			t.Fatalf("%s and %s must be set (PSGATE_TEST_REQUIRE=1)", urlVar, dirVar)
		}
		t.Skipf("%s/%s unset: start deploy/testenv/%s.sh and export them (see Makefile)", urlVar, dirVar, name)
	}
	s := &server{name: name, url: url, dir: dir, env: map[string]string{}, ad: ad}
	f, err := os.Open(filepath.Join(dir, "fixture.env"))
	if err != nil {
		if os.Getenv("PSGATE_TEST_REQUIRE") != "1" {
			t.Skipf("%s not started (%v): run deploy/testenv/%s.sh start", name, err, name)
		}
		t.Fatalf("%s fixture: %v", name, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			s.env[k] = v
		}
	}
	if s.ca, err = os.ReadFile(filepath.Join(dir, "ca.pem")); err != nil {
		t.Fatal(err)
	}
	return s
}

func slapd(t testing.TB) *server {
	return component(t, "slapd", "PSGATE_TEST_SLAPD_URL", "PSGATE_TEST_SLAPD_DIR", false)
}

func samba(t testing.TB) *server {
	return component(t, "samba-ad", "PSGATE_TEST_SAMBA_URL", "PSGATE_TEST_SAMBA_DIR", true)
}

// config is the adapter config for s: StartTLS with the pinned CA, and a
// service account (slapd: the admin; Samba: svc-psgate).
func (s *server) config() Config {
	cfg := Config{URL: s.url, StartTLS: true, CACertPEM: s.ca, BaseDN: s.env["BASE_DN"], AD: s.ad}
	if s.ad {
		cfg.BindDN, cfg.BindPassword = s.env["SERVICE_DN"], s.env["SERVICE_PASSWORD"]
	} else {
		cfg.BindDN, cfg.BindPassword = s.env["ADMIN_DN"], s.env["ADMIN_PASSWORD"]
	}
	return cfg
}

func (s *server) open(t testing.TB, cfg Config) *Directory {
	t.Helper()
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// admin runs f on an admin connection (to unlock accounts).
func (s *server) admin(t testing.TB, f func(*goldap.Conn) error) {
	t.Helper()
	l, err := goldap.DialURL(s.url, goldap.DialWithDialer(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.SetTimeout(5 * time.Second)
	if err := l.Bind(s.env["ADMIN_DN"], s.env["ADMIN_PASSWORD"]); err != nil {
		t.Fatal(err)
	}
	if err := f(l); err != nil {
		t.Fatal(err)
	}
}

// unlock clears the lockout of the user at dn (slapd: a right password
// then clears the failure count).
func (s *server) unlock(t testing.TB, dn string) {
	s.admin(t, func(l *goldap.Conn) error {
		m := goldap.NewModifyRequest(dn, nil)
		if s.ad {
			m.Replace("lockoutTime", []string{"0"})
		} else {
			m.Replace("pwdAccountLockedTime", nil)
		}
		return l.Modify(m)
	})
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}
