package ldap

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"

	goldap "github.com/go-ldap/ldap/v3"
)

// TestDNSignInMustBeUser: generic LDAP signs in a typed DN only when it
// names a user entry (UserFilter) under BaseDN; a bindable non-user entry
// (here a device with a password) is refused before its bind, while a
// user's DN still signs in.
func TestDNSignInMustBeUser(t *testing.T) {
	s := slapd(t)
	var b [4]byte
	_, _ = rand.Read(b[:])
	dn := "cn=printer-" + hex.EncodeToString(b[:]) + "," + s.env["BASE_DN"]
	pw := s.env["USER_PASSWORD"]
	s.admin(t, func(l *goldap.Conn) error {
		a := goldap.NewAddRequest(dn, nil)
		a.Attribute("objectClass", []string{"device", "simpleSecurityObject"})
		a.Attribute("userPassword", []string{pw})
		return l.Add(a)
	})
	t.Cleanup(func() { s.admin(t, func(l *goldap.Conn) error { return l.Del(goldap.NewDelRequest(dn, nil)) }) })
	d := s.open(t, s.config())
	if u, err := d.Authenticate(ctxT(t), dn, pw); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("device DN %s: user %+v, err %v; want ErrInvalidCredentials", dn, u, err)
	}
	alice := "uid=alice,ou=people," + s.env["BASE_DN"]
	if _, err := d.Authenticate(ctxT(t), alice, pw); err != nil {
		t.Errorf("user DN %s: %v", alice, err)
	}
}
