package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/psgate/psgate/mfa"
)

// preflight checks what validate cannot without the file system: the files
// the config names exist (the rules file may not exist yet: no rules) and
// secret files have safe modes. `serve` (through
// assemble's callers) and `check-config` both run it, so check-config says
// "ok" only for a config serve would start with (issue 12 #12, issue 14).
func (c *config) preflight() []error {
	var errs []error
	exists := func(what, path string) {
		if path == "" {
			return
		}
		if _, err := os.Stat(path); err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", what, path, err))
		}
	}
	exists("tls.cert", c.TLS.Cert)
	exists("tls.key", c.TLS.Key)
	exists("tls.client_ca", c.TLS.ClientCA)
	if l := c.Identity.Local; l != nil {
		exists("identity.local.users_file", l.UsersFile)
	}
	if l := c.Identity.LDAP; l != nil {
		exists("identity.ldap.ca_file", l.CAFile)
		if l.BindPasswordFile != "" {
			if _, err := readSecretFile("identity.ldap.bind_password_file", l.BindPasswordFile); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if r := c.Store.Redis; r != nil && r.PasswordFile != "" {
		if _, err := readSecretFile("store.redis.password_file", r.PasswordFile); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Admin.TokenFile != "" {
		if _, err := readToken(c.Admin.TokenFile); err != nil {
			errs = append(errs, err)
		}
	}
	if c.MFA.KeyFile != "" {
		if _, err := mfa.ReadKeyFile(c.MFA.KeyFile); err != nil {
			errs = append(errs, fmt.Errorf("mfa.key_file: %w", err))
		}
	}
	if c.MFA.StoreFile != "" {
		if _, err := os.Stat(filepath.Dir(c.MFA.StoreFile)); err != nil {
			errs = append(errs, fmt.Errorf("mfa.store_file %s: its folder: %w", c.MFA.StoreFile, err))
		}
	}
	return errs
}

// warnings are what a config may do but an admin should hear about loudly.
func (c *config) warnings() []string {
	var w []string
	if l := c.Identity.LDAP; l != nil && strings.HasPrefix(l.URL, "ldap://") && !l.StartTLS {
		w = append(w, fmt.Sprintf("identity.ldap.url %q without start_tls: every sign-in password crosses the network in clear text; use ldaps:// or start_tls: true", l.URL))
	}
	return w
}
