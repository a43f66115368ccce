package ldap

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/psgate/psgate/identity"
	"github.com/psgate/psgate/internal/testenv"
)

// TestOutageIsUnavailable: a frozen directory and a refused service
// account are identity.ErrUnavailable (no verdict on the user's password),
// for AD and generic LDAP.
func TestOutageIsUnavailable(t *testing.T) {
	for _, s := range []*server{slapd(t), samba(t)} {
		t.Run(s.name, func(t *testing.T) {
			user := "bob"
			u, _ := url.Parse(s.url)
			fr := testenv.NewFreezer(t, u.Host)
			cfg := s.config()
			cfg.URL, cfg.ServerName, cfg.Timeout = "ldap://"+fr.Addr(), "localhost", 500*time.Millisecond
			d := s.open(t, cfg)
			if _, err := d.Authenticator().Authenticate(ctxT(t), user, pw); err != nil {
				t.Fatalf("through the proxy: %v", err)
			}
			fr.Freeze()
			d.Close() // no pooled connection survives the freeze
			start := time.Now()
			id, err := d.Authenticator().Authenticate(ctxT(t), user, pw)
			if !errors.Is(err, identity.ErrUnavailable) || time.Since(start) > 3*time.Second {
				t.Errorf("frozen directory: %v after %v; want ErrUnavailable within the timeout", err, time.Since(start))
			}
			if id.Typed != user || id.Name != "" {
				t.Errorf("frozen directory: identity %+v, want the typed name only", id)
			}
			bad := s.config()
			bad.BindPassword = "not-the-service-password"
			bd := s.open(t, bad)
			if _, err := bd.LookupUser(ctxT(t), user); !errors.Is(err, identity.ErrUnavailable) {
				t.Errorf("service account refused, lookup: %v; want ErrUnavailable", err)
			}
			if !s.ad { // AD binds as the user; generic LDAP searches first
				if _, err := bd.Authenticator().Authenticate(ctxT(t), user, pw); !errors.Is(err, identity.ErrUnavailable) {
					t.Errorf("service account refused, sign-in: %v; want ErrUnavailable", err)
				}
			}
		})
	}
}

// TestFailedSignInNamesAccount: a refused sign-in by another spelling of
// the name reports the account (for the audit), and the typed name.
func TestFailedSignInNamesAccount(t *testing.T) {
	cases := map[*server][2]string{slapd(t): {"uid=bob,ou=people,", "bob"}, samba(t): {"bob@example.test", `EXAMPLE\bob`}}
	for s, c := range cases {
		typed := c[0]
		if strings.HasSuffix(typed, ",") {
			typed += s.env["BASE_DN"]
		}
		id, err := s.open(t, s.config()).Authenticator().Authenticate(context.Background(), typed, "Wr0ng-guess")
		if !errors.Is(err, ErrInvalidCredentials) || id.Typed != typed || id.Name != c[1] {
			t.Errorf("%s: %+v, %v; want %s typed as %s", s.name, id, err, c[1], typed)
		}
	}
}
