package winrmsim

import (
	"fmt"
	"strings"
)

// account is a key of Config.Users: a local account ("bob": any domain a
// client sends is accepted, as Windows does for a local account) or a
// domain account ("EXAMPLE\bob": accepted as bob, EXAMPLE\bob and
// bob@<realm whose first label is EXAMPLE>, the forms a Windows target
// takes for a domain account; another domain is refused).
type account struct{ domain, name string }

// parseAccount parses a Config.Users key.
func parseAccount(key string) (account, error) {
	dom, name, qualified := strings.Cut(key, `\`)
	if !qualified {
		dom, name = "", key
	}
	switch {
	case strings.Contains(key, "@"):
		return account{}, fmt.Errorf("user %q: give the account as NAME or DOMAIN\\NAME (a UPN NAME@REALM is accepted at sign-in for DOMAIN\\NAME)", key)
	case name == "" || (qualified && dom == "") || strings.ContainsAny(name, `\/:`):
		return account{}, fmt.Errorf("user %q: want NAME or DOMAIN\\NAME", key)
	}
	return account{domain: dom, name: name}, nil
}

// accepts reports whether a name as a client sent it names a: sent is
// NAME, DOMAIN\NAME or NAME@REALM; domain is NTLM's separate domain field
// ("" for Basic and Kerberos).
func (a account) accepts(domain, sent string) bool {
	var realm string
	if d, n, ok := strings.Cut(sent, `\`); ok {
		domain, sent = d, n
	}
	if n, r, ok := strings.Cut(sent, "@"); ok {
		sent, realm = n, r
	}
	if !strings.EqualFold(sent, a.name) {
		return false
	}
	if a.domain == "" {
		return true // a local account: any domain, or none
	}
	firstLabel, _, _ := strings.Cut(realm, ".")
	switch {
	case realm != "":
		return strings.EqualFold(firstLabel, a.domain)
	case domain != "":
		return strings.EqualFold(domain, a.domain) || strings.EqualFold(strings.SplitN(domain, ".", 2)[0], a.domain)
	}
	return true // a bare name: the target's own domain
}

// checkUsers refuses keys that are no account and two keys for one account.
func checkUsers(users map[string]string) error {
	seen := map[string]string{}
	for k := range users {
		a, err := parseAccount(k)
		if err != nil {
			return err
		}
		if prev, dup := seen[strings.ToLower(a.name)]; dup {
			return fmt.Errorf("users %q and %q: one account name twice", prev, k)
		}
		seen[strings.ToLower(a.name)] = k
	}
	return nil
}

// lookupUser maps a name as a client sent it (domain: NTLM's domain field,
// or "") to the Users key (lower case) and password.
func (s *Server) lookupUser(domain, name string) (string, string, bool) {
	for k, v := range s.cfg.Users {
		if a, err := parseAccount(k); err == nil && a.accepts(domain, name) {
			return strings.ToLower(k), v, true
		}
	}
	return "", "", false
}
