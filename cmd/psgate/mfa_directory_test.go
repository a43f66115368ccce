package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/psgate/psgate/internal/testenv"
	"github.com/psgate/psgate/mfa"
)

// TestMFADirectoryKeys: with a directory, the factor key of a sign-in
// (identity/ldap's Identity: the SID on Samba AD, the DN on slapd) is the
// key `psgate mfa` finds for the same user by name, so an admin's
// enrolment code and reset reach the factors of the account that signs in.
func TestMFADirectoryKeys(t *testing.T) {
	for _, srv := range []struct {
		name        string
		l           testenv.LDAP
		ad          bool
		user, typed string
		prefix      string
	}{
		{name: "samba", l: testenv.Samba(t), ad: true, user: `EXAMPLE\alice`, typed: "alice", prefix: "sid:S-1-5-21-"},
		{name: "slapd", l: testenv.Slapd(t), user: "alice", typed: "alice", prefix: "dn:uid=alice,"},
	} {
		t.Run(srv.name, func(t *testing.T) {
			r := newDirRuleRig(t, srv.l, srv.ad)
			key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, mfa.KeySize))
			if err := os.WriteFile(filepath.Join(r.dir, "mfa.key"), []byte(key), 0o600); err != nil {
				t.Fatal(err)
			}
			cfgText, _ := os.ReadFile(r.cfg)
			cfgText = append(cfgText, []byte("audit:\n  file: audit.log\nmfa:\n  mode: required\n  store_file: mfa.json\n  key_file: mfa.key\n")...)
			if err := os.WriteFile(r.cfg, cfgText, 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := loadConfig(r.cfg)
			if err != nil {
				t.Fatal(err)
			}
			d, err := openDirectory(cfg.Identity.LDAP)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			id, err := d.Authenticator().Authenticate(context.Background(), srv.typed, srv.l.Fixture["USER_PASSWORD"])
			if err != nil {
				t.Fatalf("sign-in of %s: %v", srv.typed, err)
			}
			want := mfa.KeyOf(id)
			if !strings.HasPrefix(want, srv.prefix) {
				t.Fatalf("key of the sign-in %q, want it to start with %q", want, srv.prefix)
			}
			if _, errs, err := runMFA(t, r.cfg, "issue-enrolment-code", srv.user); err != nil {
				t.Fatalf("issue-enrolment-code %s: %v %s", srv.user, err, errs)
			}
			out, _, err := runMFA(t, r.cfg, "list", "-o", "json")
			if err != nil {
				t.Fatal(err)
			}
			var rows []mfaRow
			if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 1 {
				t.Fatalf("list: %v %s", err, out)
			}
			if rows[0].Key != want || !rows[0].EnrolmentOpen {
				t.Errorf("the CLI keyed %s as %q, the sign-in as %q", srv.user, rows[0].Key, want)
			}
		})
	}
}
