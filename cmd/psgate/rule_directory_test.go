package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/psgate/psgate/internal/testenv"
)

// dirRuleRig is a gateway config with a directory and a rules file, for
// `psgate --config CFG rule …`.
type dirRuleRig struct {
	dir, cfg, rules string
}

// newDirRuleRig writes a config for the directory l (StartTLS, pinned CA,
// the service account) into a temporary directory.
func newDirRuleRig(t *testing.T, l testenv.LDAP, ad bool) *dirRuleRig {
	t.Helper()
	dir := t.TempDir()
	r := &dirRuleRig{dir: dir, cfg: filepath.Join(dir, "psgate.yaml"), rules: filepath.Join(dir, "rules.xml")}
	bindDN, pw := l.Fixture["ADMIN_DN"], l.Fixture["ADMIN_PASSWORD"]
	extra := ""
	if ad {
		bindDN, pw = l.Fixture["SERVICE_DN"], l.Fixture["SERVICE_PASSWORD"]
		extra = "    ad: true\n    domain: " + l.Fixture["DOMAIN"] + "\n    realm: " + l.Fixture["REALM"] + "\n"
	}
	for name, body := range map[string]string{"ca.pem": string(l.CA), "bind.pw": pw + "\n",
		"psgate.yaml": "rules_file: rules.xml\nidentity:\n  ldap:\n    url: " + l.URL + "\n    start_tls: true\n    ca_file: ca.pem\n" +
			"    base_dn: " + l.Fixture["BASE_DN"] + "\n    bind_dn: " + bindDN + "\n    bind_password_file: bind.pw\n" + extra} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// domainSID hides the per-provision part of Samba's SIDs.
var domainSID = regexp.MustCompile(`S-1-5-21-[0-9]+-[0-9]+-[0-9]+-[0-9]+`)

// run runs `psgate --config CFG rule ARGS…`, with SIDs and paths made stable.
func (r *dirRuleRig) run(t *testing.T, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), append([]string{"--config", r.cfg, "rule"}, args...), strings.NewReader(""), &out, &errb)
	code := 0
	if err != nil {
		code = exitCode(err, &errb)
	}
	clean := func(s string) string {
		s = strings.ReplaceAll(s, r.dir, "DIR")
		return domainSID.ReplaceAllString(s, "S-1-5-21-…")
	}
	return cliResult{clean(out.String()), clean(errb.String()), code}
}

// TestRuleTestDirectory: `rule test` resolves users and computers in the
// directory as a sign-in and a connect do, and explains with names and the
// nested path: a direct member, a nested member, a non-member, a disabled
// user, a computer reached through a nested computer group, a rule naming a
// SID nobody has, and --member-of by name. Golden files
// testdata/rule/dir-<server>-*.golden.
func TestRuleTestDirectory(t *testing.T) {
	type step struct {
		golden string
		code   int
		args   []string
	}
	for _, srv := range []struct {
		name                    string
		l                       testenv.LDAP
		ad                      bool
		users, servers          string
		alice, bob, carol, dave string
	}{
		{name: "samba", l: testenv.Samba(t), ad: true, users: `EXAMPLE\gateway-users`, servers: `EXAMPLE\all-servers`,
			alice: `EXAMPLE\alice`, bob: "bob@example.test", carol: `EXAMPLE\carol`, dave: `EXAMPLE\dave`},
		{name: "slapd", l: testenv.Slapd(t), users: "gateway-users", servers: "all-servers",
			alice: "alice", bob: "bob", carol: "carol", dave: "dave"},
	} {
		t.Run(srv.name, func(t *testing.T) {
			r := newDirRuleRig(t, srv.l, srv.ad)
			// a well-formed SID that no object carries
			missing := "S-1-5-21-1-2-3-424242"
			setup := [][]string{
				{"add", "--user-group", srv.users, "--computer-group", srv.servers, "--configuration", "*", "--name", "users-servers", "--create"},
				{"add", "--user", srv.alice, "--computer", "srv1", "--configuration", "Microsoft.PowerShell", "--name", "alice-srv1"},
				{"add", "--user-group", missing, "--computer", "*", "--configuration", "*", "--name", "gone-group"},
			}
			for _, a := range setup {
				if res := r.run(t, a...); res.code != 0 {
					t.Fatalf("%v: %s", a, res)
				}
			}
			steps := []step{
				{"direct", 0, []string{"test", "--user", srv.alice, "--computer", "srv1", "--explain"}},
				{"nested", 0, []string{"test", "--user", srv.bob, "--computer", "srv1", "--explain"}},
				{"non-member", 1, []string{"test", "--user", srv.carol, "--computer", "srv1", "--explain"}},
				{"disabled", 1, []string{"test", "--user", srv.dave, "--computer", "srv1", "--explain"}},
				{"unknown-computer", 1, []string{"test", "--user", srv.bob, "--computer", "srv9", "--explain"}},
				{"member-of-name", 0, []string{"test", "--user", srv.carol, "--member-of", srv.users, "--computer", "srv1"}},
				{"unknown-user", 2, []string{"test", "--user", "nosuchuser", "--computer", "srv1"}},
				{"unknown-sid", 2, []string{"test", "--user", missing, "--computer", "srv1"}},
			}
			for _, st := range steps {
				got := r.run(t, st.args...)
				if got.code != st.code {
					t.Errorf("%s: exit %d, want %d\n%s", st.golden, got.code, st.code, got)
				}
				checkGolden(t, "dir-"+srv.name+"-"+st.golden, got.String())
			}
		})
	}
}
