package ldap

import (
	"context"
	"testing"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/psgate/psgate/internal/testenv"
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

func newServer(name string, l testenv.LDAP, ad bool) *server {
	return &server{name: name, url: l.URL, dir: l.Dir, env: l.Fixture, ca: l.CA, ad: ad}
}

// slapd and samba return their server, or skip (fail with
// PSGATE_TEST_REQUIRE=1) when it is not configured or not started.
func slapd(t testing.TB) *server {
	t.Helper()
	return newServer("slapd", testenv.Slapd(t), false)
}

func samba(t testing.TB) *server {
	t.Helper()
	return newServer("samba-ad", testenv.Samba(t), true)
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
