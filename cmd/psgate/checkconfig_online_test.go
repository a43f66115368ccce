package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/psgate/psgate/internal/testenv"
)

// TestCheckConfigOnline: --online tries the directory as serve will: a
// good config passes, a wrong service password and a CA that did not sign
// the server's certificate are reported; without --online neither is.
func TestCheckConfigOnline(t *testing.T) {
	s := testenv.Slapd(t)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("ca.pem", string(s.CA))
	write("good.pw", s.Fixture["ADMIN_PASSWORD"]+"\n")
	write("bad.pw", "not-the-password\n")
	write("other-ca.pem", string(testenv.OtherCA(t)))
	cfg := func(pwFile, caFile string) string {
		return write("psgate.yaml", "rules_file: rules.xml\nidentity:\n  ldap:\n    url: "+s.URL+"\n    start_tls: true\n    ca_file: "+caFile+
			"\n    base_dn: "+s.Fixture["BASE_DN"]+"\n    bind_dn: "+s.Fixture["ADMIN_DN"]+"\n    bind_password_file: "+pwFile+"\n")
	}
	check := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := run(t.Context(), append([]string{"--config", filepath.Join(dir, "psgate.yaml"), "check-config"}, args...), strings.NewReader(""), &out, &errb)
		return out.String(), err
	}
	cfg("good.pw", "ca.pem")
	if out, err := check("--online"); err != nil || !strings.Contains(out, "TLS handshake and service bind ok") {
		t.Errorf("good config: %q, %v", out, err)
	}
	cfg("bad.pw", "ca.pem")
	if _, err := check(); err != nil {
		t.Errorf("offline with a wrong password: %v, want ok (not tried)", err)
	}
	if _, err := check("--online"); err == nil || !strings.Contains(err.Error(), "service account") {
		t.Errorf("wrong service password: %v, want refused naming the service account", err)
	}
	cfg("good.pw", "other-ca.pem")
	if _, err := check("--online"); err == nil || !strings.Contains(err.Error(), "tls") && !strings.Contains(err.Error(), "certificate") {
		t.Errorf("wrong CA: %v, want a TLS failure", err)
	}
}
