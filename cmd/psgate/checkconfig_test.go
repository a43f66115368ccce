package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkConfig runs `psgate check-config` on yaml (written to dir) and
// returns its stderr and error.
func checkConfig(t *testing.T, dir, yaml string) (string, error) {
	t.Helper()
	p := filepath.Join(dir, "psgate.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	err := run(t.Context(), []string{"--config", p, "check-config"}, strings.NewReader(""), &out, &errb)
	return errb.String(), err
}

// TestCheckConfigAsServe: check-config refuses what serve refuses (issue 12
// #12: it said "ok" for admin.listen on all interfaces or a non-loopback
// address, which serve then refused), checks the files serve reads, and
// warns loudly about an LDAP URL that sends passwords in clear text.
func TestCheckConfigAsServe(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"users.yaml", "token"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("users: []\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	base := "rules_file: rules.xml\nidentity:\n  local:\n    users_file: users.yaml\n"
	if _, err := checkConfig(t, dir, base); err != nil {
		t.Fatalf("a good config: %v", err)
	}
	for _, addr := range []string{"0.0.0.0:9443", ":9443", "[::]:9443", "10.0.0.1:9443", "127.1:9443"} {
		_, err := checkConfig(t, dir, base+"admin:\n  listen: \""+addr+"\"\n  token_file: token\n")
		if err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("admin.listen %s: %v, want refused (loopback only)", addr, err)
		}
	}
	if _, err := checkConfig(t, dir, base+"admin:\n  listen: 127.0.0.1:9443\n  token_file: token\n"); err != nil {
		t.Errorf("admin.listen on loopback: %v", err)
	}
	if err := os.Chmod(filepath.Join(dir, "token"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := checkConfig(t, dir, base+"admin:\n  listen: 127.0.0.1:9443\n  token_file: token\n"); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a token file others can read: %v, want refused", err)
	}
	if _, err := checkConfig(t, dir, "rules_file: rules.xml\nidentity:\n  local:\n    users_file: missing.yaml\n"); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("a missing users file: %v, want refused naming it", err)
	}
	pw := filepath.Join(dir, "bind.pw")
	if err := os.WriteFile(pw, []byte("secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ldap := "rules_file: rules.xml\nidentity:\n  ldap:\n    url: ldap://127.0.0.1:3389\n    base_dn: dc=example,dc=test\n    bind_dn: cn=svc,dc=example,dc=test\n    bind_password_file: bind.pw\n"
	if _, err := checkConfig(t, dir, ldap); err == nil || !strings.Contains(err.Error(), "others must have no access") {
		t.Errorf("a bind password file others can read: %v, want refused", err)
	}
	if err := os.Chmod(pw, 0o600); err != nil {
		t.Fatal(err)
	}
	stderr, err := checkConfig(t, dir, ldap)
	if err != nil || !strings.Contains(stderr, "WARNING") || !strings.Contains(stderr, "clear text") {
		t.Errorf("ldap:// without start_tls: err %v, stderr %q; want ok with a loud warning", err, stderr)
	}
	if stderr, _ := checkConfig(t, dir, strings.Replace(ldap, "    base_dn:", "    start_tls: true\n    base_dn:", 1)); stderr != "" {
		t.Errorf("start_tls: unexpected warning %q", stderr)
	}
}
