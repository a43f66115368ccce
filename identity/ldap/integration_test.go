package ldap

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const pw = "Passw0rd!"

func groupNames(gs []Group) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.Name)
	}
	return out
}

type authCase struct {
	name, user, password string
	want                 error
	wantName             string
	wantGroups           []string // must be present
	notGroups            []string // must be absent
}

func runAuth(t *testing.T, d *Directory, tests []authCase) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := d.Authenticate(ctxT(t), tc.user, tc.password)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Authenticate(%q) = %v, want %v", tc.user, err, tc.want)
			}
			if err != nil {
				if tc.password != "" && strings.Contains(err.Error(), tc.password) {
					t.Errorf("error %q contains the password", err)
				}
				return
			}
			if u.Name != tc.wantName {
				t.Errorf("Name = %q, want %q", u.Name, tc.wantName)
			}
			got := map[string]bool{}
			for _, g := range groupNames(u.Groups) {
				got[strings.ToLower(g)] = true
			}
			for _, g := range tc.wantGroups {
				if !got[strings.ToLower(g)] {
					t.Errorf("groups %q lack %q", groupNames(u.Groups), g)
				}
			}
			for _, g := range tc.notGroups {
				if got[strings.ToLower(g)] {
					t.Errorf("groups %q must not hold %q", groupNames(u.Groups), g)
				}
			}
		})
	}
}

func TestAuthenticateSamba(t *testing.T) {
	s := samba(t)
	d := s.open(t, s.config())
	base := s.env["BASE_DN"]
	runAuth(t, d, []authCase{
		{"DOMAIN\\user", `EXAMPLE\bob`, pw, nil, `EXAMPLE\bob`, []string{`EXAMPLE\helpdesk`, `EXAMPLE\gateway-users`, `EXAMPLE\Domain Users`}, []string{`EXAMPLE\gateway-admins`}},
		{"lower-case domain", `example\bob`, pw, nil, `EXAMPLE\bob`, nil, nil},
		{"UPN", "bob@example.test", pw, nil, `EXAMPLE\bob`, []string{`EXAMPLE\gateway-users`}, nil},
		{"bare name", "carol", pw, nil, `EXAMPLE\carol`, []string{`EXAMPLE\Domain Users`}, []string{`EXAMPLE\newsletter`, `EXAMPLE\gateway-users`}},
		{"bare name, nested groups", "alice", pw, nil, `EXAMPLE\alice`, []string{`EXAMPLE\gateway-admins`, `EXAMPLE\gateway-users`, `EXAMPLE\loop-a`, `EXAMPLE\loop-b`}, nil},
		// Windows takes no DN at a logon, and neither does psgate with AD
		{"DN refused", "CN=alice,CN=Users," + base, pw, ErrInvalidCredentials, "", nil, nil},
		{"wrong password", `EXAMPLE\bob`, "Wr0ng-guess", ErrInvalidCredentials, "", nil, nil},
		{"empty password", `EXAMPLE\bob`, "", ErrInvalidCredentials, "", nil, nil},
		{"unknown user", `EXAMPLE\nobody`, pw, ErrInvalidCredentials, "", nil, nil},
		{"other domain", `OTHER\bob`, pw, ErrInvalidCredentials, "", nil, nil},
		{"disabled", `EXAMPLE\dave`, pw, ErrAccountDisabled, "", nil, nil},
		{"must change", `EXAMPLE\frank`, pw, ErrMustChangePassword, "", nil, nil},
		{"account expired", "henry@example.test", pw, ErrAccountExpired, "", nil, nil},
	})
}

func TestAuthenticateSlapd(t *testing.T) {
	s := slapd(t)
	d := s.open(t, s.config())
	base := s.env["BASE_DN"]
	runAuth(t, d, []authCase{
		{"uid", "bob", pw, nil, "bob", []string{"helpdesk", "gateway-users"}, []string{"gateway-admins"}},
		{"DN", "uid=bob,ou=people," + base, pw, nil, "bob", []string{"gateway-users"}, nil},
		{"cycle", "alice", pw, nil, "alice", []string{"gateway-users", "gateway-admins", "loop-a", "loop-b"}, []string{"helpdesk"}},
		{"no groups", "carol", pw, nil, "carol", nil, []string{"gateway-users"}},
		{"wrong password", "bob", "Wr0ng-guess", ErrInvalidCredentials, "", nil, nil},
		{"empty password", "bob", "", ErrInvalidCredentials, "", nil, nil},
		{"unknown user", "nobody", pw, ErrInvalidCredentials, "", nil, nil},
		{"disabled", "dave", pw, ErrAccountDisabled, "", nil, nil},
		{"must change", "frank", pw, ErrMustChangePassword, "", nil, nil},
		{"password expired", "gina", pw, ErrPasswordExpired, "", nil, nil},
		// mallory's entry carries zoe's uid first: the name comes from
		// the DN's RDN, never from the first value of a multi-valued uid
		{"multi-valued uid", "mallory", pw, nil, "mallory", nil, nil},
		{"RDN name via DN", "uid=mallory,ou=people," + base, pw, nil, "mallory", nil, nil},
	})
}

// TestHostileNames: filter metacharacters, NUL and huge names never sign
// anybody in and never match an object.
func TestHostileNames(t *testing.T) {
	for _, s := range []*server{slapdOrNil(t), sambaOrNil(t)} {
		if s == nil {
			continue
		}
		t.Run(s.name, func(t *testing.T) {
			d := s.open(t, s.config())
			for _, name := range []string{"*", "*)(uid=*", "*)(|(objectClass=*)", `EXAMPLE\*`, "bob\x00", "b*", "(cn=*)",
				strings.Repeat("a", 10000), "*@example.test", "cn=*", `\2a`} {
				if u, err := d.Authenticate(ctxT(t), name, pw); !errors.Is(err, ErrInvalidCredentials) {
					t.Errorf("Authenticate(%.40q) = %v, %v; want ErrInvalidCredentials", name, u, err)
				}
				if o, err := d.LookupUser(ctxT(t), name); !errors.Is(err, ErrNotFound) {
					t.Errorf("LookupUser(%.40q) = %+v, %v; want ErrNotFound", name, o, err)
				}
			}
		})
	}
}

func slapdOrNil(t *testing.T) *server {
	var s *server
	t.Run("slapd-available", func(t *testing.T) { s = slapd(t) })
	return s
}

func sambaOrNil(t *testing.T) *server {
	var s *server
	t.Run("samba-available", func(t *testing.T) { s = samba(t) })
	return s
}

func TestLockout(t *testing.T) {
	for _, s := range []*server{slapdOrNil(t), sambaOrNil(t)} {
		if s == nil {
			continue
		}
		t.Run(s.name, func(t *testing.T) {
			d := s.open(t, s.config())
			user := "erin"
			if s.ad {
				user = `EXAMPLE\erin`
			}
			o, err := d.LookupUser(ctxT(t), user)
			if err != nil {
				t.Fatal(err)
			}
			s.unlock(t, o.DN)
			t.Cleanup(func() { s.unlock(t, o.DN) })
			if _, err := d.Authenticate(ctxT(t), user, pw); err != nil {
				t.Fatalf("erin before the lockout: %v", err)
			}
			for range 3 {
				if _, err := d.Authenticate(ctxT(t), user, "Wr0ng-guess"); !errors.Is(err, ErrInvalidCredentials) {
					t.Fatalf("bad password: %v", err)
				}
			}
			if _, err := d.Authenticate(ctxT(t), user, pw); !errors.Is(err, ErrAccountLocked) {
				t.Fatalf("right password after 3 bad ones = %v, want ErrAccountLocked", err)
			}
		})
	}
}

func TestLookupsSamba(t *testing.T) {
	s := samba(t)
	d := s.open(t, s.config())
	ctx := ctxT(t)
	bob, err := d.LookupUser(ctx, `EXAMPLE\bob`)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(bob.SID, "S-1-5-21-") || bob.Kind != KindUser || bob.Name != `EXAMPLE\bob` {
		t.Errorf("bob = %+v", bob)
	}
	bySID, err := d.LookupSID(ctx, bob.SID)
	if err != nil || bySID.DN != bob.DN || bySID.Name != `EXAMPLE\bob` {
		t.Errorf("LookupSID(%s) = %+v, %v", bob.SID, bySID, err)
	}
	srv, err := d.LookupComputer(ctx, "srv1")
	if err != nil {
		t.Fatal(err)
	}
	if srv.Kind != KindComputer || srv.DNSHostName != "srv1.example.test" || srv.Name != `EXAMPLE\srv1` || !strings.HasPrefix(srv.SID, "S-1-5-21-") {
		t.Errorf("srv1 = %+v", srv)
	}
	want := []string{`EXAMPLE\all-servers`, `EXAMPLE\Domain Computers`, `EXAMPLE\web-servers`}
	if d := cmp.Diff(want, groupNames(srv.Groups)); d != "" {
		t.Errorf("srv1 groups (-want +got):\n%s", d)
	}
	for _, name := range []string{"srv1.example.test", `EXAMPLE\srv1$`, srv.SID, srv.DN} {
		o, err := d.LookupComputer(ctx, name)
		if err != nil || o.SID != srv.SID {
			t.Errorf("LookupComputer(%q) = %+v, %v", name, o, err)
		}
	}
	hd, err := d.LookupGroup(ctx, "helpdesk")
	if err != nil || !hd.IsSecurityGroup || hd.Name != `EXAMPLE\helpdesk` || hd.SID == "" {
		t.Errorf("helpdesk = %+v, %v", hd, err)
	}
	nl, err := d.LookupGroup(ctx, `EXAMPLE\newsletter`)
	if err != nil || nl.IsSecurityGroup {
		t.Errorf("newsletter = %+v, %v (want a distribution group)", nl, err)
	}
	if _, err := d.LookupGroup(ctx, `EXAMPLE\bob`); !errors.Is(err, ErrNotFound) {
		t.Errorf("LookupGroup(bob) = %v, want ErrNotFound", err)
	}
	if _, err := d.LookupComputer(ctx, "nosuch"); !errors.Is(err, ErrNotFound) {
		t.Errorf("LookupComputer(nosuch) = %v, want ErrNotFound", err)
	}
	if _, err := d.LookupSID(ctx, "S-1-5-21-1-2-3-99999"); !errors.Is(err, ErrNotFound) {
		t.Errorf("LookupSID(unknown) = %v, want ErrNotFound", err)
	}
}

func TestLookupsSlapd(t *testing.T) {
	s := slapd(t)
	d := s.open(t, s.config())
	ctx := ctxT(t)
	srv, err := d.LookupComputer(ctx, "srv1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"all-servers", "web-servers"}, groupNames(srv.Groups)); diff != "" || srv.Kind != KindComputer {
		t.Errorf("srv1 = %+v; groups (-want +got):\n%s", srv, diff)
	}
	g, err := d.LookupGroup(ctx, "loop-a")
	if err != nil || g.DN != "cn=loop-a,ou=groups,"+s.env["BASE_DN"] {
		t.Errorf("loop-a = %+v, %v", g, err)
	}
	if _, err := d.LookupUser(ctx, "helpdesk"); !errors.Is(err, ErrNotFound) {
		t.Errorf("LookupUser(helpdesk) = %v, want ErrNotFound", err)
	}
}
