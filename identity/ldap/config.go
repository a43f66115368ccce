package ldap

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
)

// Config configures a Directory.
type Config struct {
	// URL of the server: ldap://host:389 or ldaps://host:636. Required.
	URL string
	// StartTLS upgrades an ldap:// connection before any bind. Default false.
	StartTLS bool
	// CACertPEM (or CAFile) is the CA that signs the server certificate. Default:
	// the system roots.
	CACertPEM []byte
	CAFile    string
	// ServerName checked in the server certificate. Default: the URL's host.
	ServerName string
	// InsecureSkipVerify disables certificate checks: tests only.
	InsecureSkipVerify bool
	// BindDN and BindPassword are the service account for searches. Default:
	// anonymous searches (AD refuses them; generic LDAP often allows them).
	BindDN       string
	BindPassword string
	// BaseDN under which users, groups and computers are searched. Required.
	BaseDN string
	// AD selects Active Directory semantics (sAMAccountName, SIDs,
	// tokenGroups, AD error data codes). Default false: generic LDAP.
	AD bool
	// Domain is the NetBIOS domain (EXAMPLE) of DOMAIN\user names. Default
	// (AD): the first DC= label of BaseDN, upper-cased.
	Domain string
	// Realm is the UPN suffix (example.test). Default (AD): BaseDN's DC= labels.
	Realm string
	// UserFilter, GroupFilter and ComputerFilter select the object classes;
	// they are ANDed with the name match. Defaults per AD / generic LDAP (see
	// setDefaults).
	UserFilter, GroupFilter, ComputerFilter string
	// UserAttribute holds the sign-in name in generic LDAP. Default "uid".
	UserAttribute string
	// Timeout bounds each operation (dial, bind, search). Default 5s.
	Timeout time.Duration
	// PoolSize is the number of idle service connections kept. Default 4.
	PoolSize int
	// MaxGroups bounds the transitive groups collected per object. Default 1000.
	MaxGroups int
	// Logger receives connection problems. Default: discard.
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Timeout == 0 {
		c.Timeout = 5 * time.Second
	}
	if c.PoolSize == 0 {
		c.PoolSize = 4
	}
	if c.MaxGroups == 0 {
		c.MaxGroups = 1000
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.UserAttribute == "" {
		c.UserAttribute = "uid"
	}
	dcs := dcLabels(c.BaseDN)
	if c.AD {
		if c.Domain == "" && len(dcs) > 0 {
			c.Domain = strings.ToUpper(dcs[0])
		}
		if c.Realm == "" {
			c.Realm = strings.Join(dcs, ".")
		}
		setDefault(&c.UserFilter, "(&(objectCategory=person)(objectClass=user))")
		setDefault(&c.GroupFilter, "(objectClass=group)")
		setDefault(&c.ComputerFilter, "(objectClass=computer)")
		return
	}
	setDefault(&c.UserFilter, "(|(objectClass=inetOrgPerson)(objectClass=posixAccount)(objectClass=person))")
	setDefault(&c.GroupFilter, "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))")
	setDefault(&c.ComputerFilter, "(|(objectClass=device)(objectClass=ipHost)(objectClass=computer))")
}

func setDefault(s *string, v string) {
	if *s == "" {
		*s = v
	}
}

// dcLabels returns the DC= values of dn in order.
func dcLabels(dn string) []string {
	parsed, err := goldap.ParseDN(dn)
	if err != nil {
		return nil
	}
	var out []string
	for _, rdn := range parsed.RDNs {
		for _, a := range rdn.Attributes {
			if strings.EqualFold(a.Type, "dc") {
				out = append(out, strings.ToLower(a.Value))
			}
		}
	}
	return out
}

func (c *Config) validate() error {
	var errs []error
	u, err := url.Parse(c.URL)
	switch {
	case c.URL == "":
		errs = append(errs, errors.New("url is empty"))
	case err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "":
		errs = append(errs, fmt.Errorf("url %q: want ldap://host[:port] or ldaps://host[:port]", c.URL))
	case c.StartTLS && u.Scheme == "ldaps":
		errs = append(errs, fmt.Errorf("url %q: start_tls needs ldap://, not ldaps://", c.URL))
	}
	if _, err := goldap.ParseDN(c.BaseDN); c.BaseDN == "" || err != nil {
		errs = append(errs, fmt.Errorf("base_dn %q is not a DN", c.BaseDN))
	}
	if (c.BindDN == "") != (c.BindPassword == "") {
		errs = append(errs, errors.New("bind_dn and bind_password go together"))
	}
	if c.AD && c.Domain == "" {
		errs = append(errs, errors.New("ad: domain is empty and base_dn has no DC= labels"))
	}
	if len(c.CACertPEM) > 0 && c.CAFile != "" {
		errs = append(errs, errors.New("give the CA as PEM or as a file, not both"))
	}
	if c.Timeout < 0 || c.PoolSize < 0 || c.MaxGroups < 0 {
		errs = append(errs, errors.New("negative timeout, pool size or max groups"))
	}
	return errors.Join(errs...)
}

// tlsConfig builds the client TLS config for ldaps:// and StartTLS.
func (c *Config) tlsConfig() (*tls.Config, error) {
	u, _ := url.Parse(c.URL)
	tc := &tls.Config{ServerName: c.ServerName, MinVersion: tls.VersionTLS12, InsecureSkipVerify: c.InsecureSkipVerify}
	if tc.ServerName == "" {
		tc.ServerName = u.Hostname()
	}
	pem := c.CACertPEM
	if c.CAFile != "" {
		var err error
		if pem, err = os.ReadFile(c.CAFile); err != nil {
			return nil, fmt.Errorf("reading ca file: %w", err)
		}
	}
	if len(pem) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca %q: no PEM certificate in it", c.CAFile)
		}
		tc.RootCAs = pool
	}
	return tc, nil
}
