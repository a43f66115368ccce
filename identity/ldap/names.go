package ldap

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	goldap "github.com/go-ldap/ldap/v3"
)

// maxNameLen bounds every name taken from a user or a rule.
const maxNameLen = 512

// checkInput rejects names no directory object can have: empty, too long,
// or with control characters (NUL included).
func checkInput(name string) error {
	if name == "" || len(name) > maxNameLen {
		return fmt.Errorf("name of %d bytes: %w", len(name), ErrNotFound)
	}
	if strings.ContainsFunc(name, unicode.IsControl) {
		return fmt.Errorf("name %q with a control character: %w", name, ErrNotFound)
	}
	return nil
}

// isDN reports whether name is a DN (has an attr=value RDN).
func isDN(name string) bool {
	if !strings.Contains(name, "=") {
		return false
	}
	dn, err := goldap.ParseDN(name)
	if err != nil || len(dn.RDNs) == 0 {
		return false
	}
	for _, rdn := range dn.RDNs {
		for _, a := range rdn.Attributes {
			if !attrTypeRE.MatchString(a.Type) {
				return false
			}
		}
	}
	return true
}

// attrTypeRE is an attribute descriptor or OID (RFC 4512).
var attrTypeRE = regexp.MustCompile(`^(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)*)$`)

// splitDomain splits DOMAIN\name; ok is false without a backslash.
func splitDomain(name string) (domain, rest string, ok bool) {
	domain, rest, ok = strings.Cut(name, `\`)
	return domain, rest, ok && domain != "" && rest != ""
}

func (d *Directory) classFilter(kind Kind) string {
	switch kind {
	case KindUser:
		return d.cfg.UserFilter
	case KindGroup:
		return d.cfg.GroupFilter
	case KindComputer:
		return d.cfg.ComputerFilter
	}
	return "(objectClass=*)"
}

// nameFilter is the search filter for name as an object of kind. Every
// value from outside is escaped.
func (d *Directory) nameFilter(kind Kind, name string) (string, error) {
	if err := checkInput(name); err != nil {
		return "", err
	}
	match, err := d.nameMatch(kind, name)
	if err != nil {
		return "", err
	}
	return "(&" + d.classFilter(kind) + match + ")", nil
}

func (d *Directory) nameMatch(kind Kind, name string) (string, error) {
	if IsSID(name) {
		v, err := sidFilterValue(name)
		return "(objectSid=" + v + ")", err
	}
	if kind == "" {
		return "", fmt.Errorf("%q is not a SID: %w", name, ErrNotFound)
	}
	if isDN(name) {
		return "(distinguishedName=" + goldap.EscapeFilter(name) + ")", nil
	}
	esc := goldap.EscapeFilter
	if !d.cfg.AD {
		if kind == KindUser {
			return "(" + d.cfg.UserAttribute + "=" + esc(name) + ")", nil
		}
		return "(cn=" + esc(name) + ")", nil
	}
	if dom, rest, ok := splitDomain(name); ok {
		if !strings.EqualFold(dom, d.cfg.Domain) && !(kind == KindGroup && strings.EqualFold(dom, "BUILTIN")) {
			return "", fmt.Errorf("%s %q: domain %q is not %q: %w", kind, name, dom, d.cfg.Domain, ErrNotFound)
		}
		name = rest
	}
	switch {
	case kind == KindUser && strings.Contains(name, "@"):
		// AD also accepts the implicit UPN sam@dnsdomain of a user whose
		// userPrincipalName is empty
		local, realm, _ := strings.Cut(name, "@")
		if strings.EqualFold(realm, d.cfg.Realm) && local != "" {
			return "(|(userPrincipalName=" + esc(name) + ")(sAMAccountName=" + esc(local) + "))", nil
		}
		return "(userPrincipalName=" + esc(name) + ")", nil
	case kind == KindComputer && strings.Contains(name, "."):
		return "(dNSHostName=" + esc(name) + ")", nil
	case kind == KindComputer:
		return "(sAMAccountName=" + esc(strings.TrimSuffix(name, "$")+"$") + ")", nil
	}
	return "(sAMAccountName=" + esc(name) + ")", nil
}

// bindName is the identity an AD sign-in binds with: DOMAIN\user (the
// configured domain for a bare name) or user@realm, as typed. A DN is
// refused: Windows takes none at a logon, so an AD admin expects none here.
func (d *Directory) adBindName(name string) (string, error) {
	if isDN(name) {
		return "", fmt.Errorf("user %q: a DN is not a sign-in name with Active Directory (DOMAIN\\user, user@realm or user): %w",
			name, ErrInvalidCredentials)
	}
	if dom, _, ok := splitDomain(name); ok && !strings.EqualFold(dom, d.cfg.Domain) {
		return "", fmt.Errorf("user %q: domain %q is not %q: %w", name, dom, d.cfg.Domain, ErrInvalidCredentials)
	}
	if !strings.ContainsAny(name, `\@=`) {
		return d.cfg.Domain + `\` + name, nil
	}
	return name, nil
}
