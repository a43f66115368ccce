package ldap

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLookupIdentityAsSignIn: the Identity looked up without a password is
// the one a sign-in returns (nested groups included); a disabled account
// is refused with its Identity; an AD DN is refused as at sign-in.
func TestLookupIdentityAsSignIn(t *testing.T) {
	for _, s := range []*server{slapd(t), samba(t)} {
		t.Run(s.name, func(t *testing.T) {
			d := s.open(t, s.config())
			names := []string{"bob", "alice"}
			if s.ad {
				names = append(names, `EXAMPLE\bob`, "bob@example.test")
			}
			for _, n := range names {
				signIn, err := d.Authenticator().Authenticate(ctxT(t), n, pw)
				if err != nil {
					t.Fatal(err)
				}
				looked, err := d.LookupIdentity(ctxT(t), n)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(signIn, looked); diff != "" {
					t.Errorf("%s: lookup differs from sign-in (-sign-in +lookup):\n%s", n, diff)
				}
			}
			id, err := d.LookupIdentity(ctxT(t), "dave")
			if !errors.Is(err, ErrAccountDisabled) || id.Name == "" {
				t.Errorf("dave: %+v, %v; want ErrAccountDisabled with the identity", id, err)
			}
			if _, err := d.LookupIdentity(ctxT(t), "nosuchuser"); !errors.Is(err, ErrNotFound) {
				t.Errorf("unknown user: %v, want ErrNotFound", err)
			}
		})
	}
}
