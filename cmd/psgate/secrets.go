package main

import (
	"fmt"
	"os"

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
