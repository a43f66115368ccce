package access

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/psgate/psgate/authz"
	"github.com/psgate/psgate/identity/ldap"
	"github.com/psgate/psgate/internal/testenv"
)

// sambaDirectory connects to the Samba AD DC of deploy/testenv/samba-ad.sh
// with its service account; it skips (fails with PSGATE_TEST_REQUIRE=1)
// without it. The fixture comes back for its users' password.
func sambaDirectory(t testing.TB) (*ldap.Directory, testenv.LDAP) {
	t.Helper()
	s := testenv.Samba(t)
	fx := s.Fixture
	d, err := ldap.New(ldap.Config{URL: s.URL, StartTLS: true, CACertPEM: s.CA, AD: true,
		BaseDN: fx["BASE_DN"], BindDN: fx["SERVICE_DN"], BindPassword: fx["SERVICE_PASSWORD"],
		Domain: fx["DOMAIN"], Realm: fx["REALM"]})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, s
}

// TestDirectoryResolverAD: rule add through AD stores SIDs, refuses names of
// the wrong type, and the stored rule matches the signed-in user's SID.
func TestDirectoryResolverAD(t *testing.T) {
	d, _ := sambaDirectory(t)
	res := NewResolver(d, "GW1")
	ctx := context.Background()

	alice, err := res.Resolve(ctx, authz.KindUser, `EXAMPLE\alice`)
	if err != nil || !strings.HasPrefix(alice.SID, "S-1-5-21-") {
		t.Fatalf("Resolve(alice) = %+v, %v; want a domain SID", alice, err)
	}
	if name, err := res.NameOf(ctx, alice.SID); err != nil || !strings.EqualFold(name, `EXAMPLE\alice`) {
		t.Errorf("NameOf(%s) = %q, %v; want EXAMPLE\\alice", alice.SID, name, err)
	}
	srv, err := res.Resolve(ctx, authz.KindComputer, "srv1")
	if err != nil || srv.SID == "" || !strings.Contains(srv.Name, ".") {
		t.Errorf("Resolve(computer srv1) = %+v, %v; want FQDN and SID", srv, err)
	}
	if _, err := res.Resolve(ctx, authz.KindUserGroup, `EXAMPLE\newsletter`); err == nil {
		t.Error("a distribution group was accepted as --user-group")
	}
	if _, err := res.Resolve(ctx, authz.KindUser, `EXAMPLE\nosuchuser`); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("unknown user: err = %v, want ErrNotFound", err)
	}
	if a, err := res.Resolve(ctx, authz.KindUser, `.\localadmin`); err != nil || a.Name != `GW1\localadmin` || !a.Local {
		t.Errorf(`Resolve(.\localadmin) = %+v, %v; want GW1\localadmin, local`, a, err)
	}

	rules, err := authz.RuleSpec{UserGroups: []string{`EXAMPLE\gateway-users`}, Computer: "srv1",
		Configuration: "Microsoft.PowerShell"}.Build(ctx, res)
	if err != nil || len(rules) != 1 {
		t.Fatalf("Build = %v, %v", rules, err)
	}
	for i := range rules {
		rules[i].ID = i
	}
	u, err := d.Authenticate(ctx, `EXAMPLE\bob`, "Passw0rd!") // bob is in helpdesk ⊂ gateway-users
	if err != nil {
		t.Fatal(err)
	}
	caller := authz.Caller{Principal: authz.Principal{Name: u.Name, SID: u.SID, DN: u.DN}, Resolved: true}
	for _, g := range u.Groups {
		caller.Groups = append(caller.Groups, authz.Principal{Name: g.Name, SID: g.SID, DN: g.DN})
	}
	target := authz.Target{Name: "srv1", SID: srv.SID, Resolved: true}
	dec := authz.NewPolicy(rules, authz.Options{}).Decide(authz.Request{Caller: caller, Target: target, Configuration: ""})
	if !dec.Allowed {
		t.Errorf("bob (nested member of gateway-users) denied on srv1: %+v", dec)
	}
}
