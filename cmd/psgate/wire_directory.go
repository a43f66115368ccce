package main

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/psgate/psgate/authz"
	"github.com/psgate/psgate/gateway"
	"github.com/psgate/psgate/identity/ldap"
)

// openDirectory connects the configured LDAP/AD directory.
func openDirectory(l *ldapIdentity) (*ldap.Directory, error) {
	pw := ""
	switch {
	case l.BindPasswordFile != "":
		var err error
		if pw, err = readSecretFile("ldap bind password file", l.BindPasswordFile); err != nil {
			return nil, err
		}
	case l.BindPasswordEnv != "":
		pw = os.Getenv(l.BindPasswordEnv)
	}
	d, err := ldap.New(ldap.Config{
		URL: l.URL, StartTLS: l.StartTLS, CAFile: l.CAFile, BindDN: l.BindDN, BindPassword: pw, BaseDN: l.BaseDN,
		AD: l.AD, Domain: l.Domain, Realm: l.Realm, UserFilter: l.UserFilter, GroupFilter: l.GroupFilter,
		ComputerFilter: l.ComputerFilter, Timeout: l.Timeout,
	})
	if err != nil {
		return nil, fmt.Errorf("open directory %s: %w", l.URL, err)
	}
	return d, nil
}

// readSecretFile reads a password file (what names it in errors): others
// must have no access to it (group read stays allowed, for a root:psgate
// 0640 file); the trailing newline is dropped.
func readSecretFile(what, path string) (string, error) {
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o007 != 0 {
		return "", fmt.Errorf("%s %s has mode %04o: others must have no access (chmod 600 or 640)", what, path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", what, err)
	}
	return trimNewline(string(b)), nil
}

func trimNewline(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}

// dirCallers authenticates against the directory and remembers each
// signed-in user's authz.Caller (SID, DN, UPN, transitive groups).
type dirCallers struct {
	dir *ldap.Directory
	mu  sync.Mutex
	m   map[string]authz.Caller
}

func (d *dirCallers) Authenticate(ctx context.Context, user, password string) (gateway.Identity, error) {
	u, err := d.dir.Authenticate(ctx, user, password)
	if err != nil {
		return gateway.Identity{}, fmt.Errorf("directory: authenticate %q: %w", user, err)
	}
	id, _ := directoryAuth{}.identity(u)
	c := authz.Caller{Principal: authz.Principal{Name: u.Name, SID: u.SID, DN: u.DN}, Resolved: true}
	if u.UPN != "" {
		c.Aliases = []string{u.UPN}
	}
	for _, g := range u.Groups {
		c.Groups = append(c.Groups, authz.Principal{Name: g.Name, SID: g.SID, DN: g.DN})
	}
	d.mu.Lock()
	if d.m == nil {
		d.m = map[string]authz.Caller{}
	}
	d.m[id.Name] = c
	d.mu.Unlock()
	return id, nil
}

func (d *dirCallers) callerOf(id gateway.Identity) (authz.Caller, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, ok := d.m[id.Name]
	return c, ok
}

// targetOf resolves a computer through the directory; unknown computers
// are "resolved, not a directory computer".
func (d *dirCallers) targetOf(ctx context.Context, name string) authz.Target {
	t := authz.Target{Name: name, Resolved: true}
	o, err := d.dir.LookupComputer(ctx, name)
	if err != nil {
		return t
	}
	t.SID, t.DN = o.SID, o.DN
	if o.DNSHostName != "" {
		t.Aliases = append(t.Aliases, o.DNSHostName)
	}
	for _, g := range o.Groups {
		t.Groups = append(t.Groups, authz.Principal{Name: g.Name, SID: g.SID, DN: g.DN})
	}
	return t
}
