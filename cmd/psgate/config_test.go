package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEveryConfigsFileLoads(t *testing.T) {
	files, err := filepath.Glob("../../configs/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no configs/*.yaml found (err %v)", err)
	}
	deploy, err := filepath.Glob("../../deploy/*/psgate.yaml") // the compose example
	if err != nil || len(deploy) == 0 {
		t.Fatalf("no deploy/*/psgate.yaml found (err %v)", err)
	}
	for _, f := range append(files, deploy...) {
		t.Run(strings.TrimPrefix(f, "../../"), func(t *testing.T) {
			if _, err := loadConfig(f); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestConfigStrictness(t *testing.T) {
	base := "rules_file: r.xml\nidentity:\n  local:\n    users_file: u.yaml\n"
	tests := []struct {
		name string
		yaml string
		want []string // every substring must appear in the error
	}{
		{"unknown top key", base + "lisen: x\n", []string{"lisen"}},
		{"unknown nested key", base + "sessions:\n  max_per_usr: 2\n", []string{"max_per_usr"}},
		{"every problem at once", "listen: nope\ndefaults:\n  port: 70000\n  authentication: ntlm\n",
			[]string{"listen", "rules_file", "identity", "defaults.port", "defaults.authentication"}},
		{"idle warning not below timeout", base + "sessions:\n  idle_timeout: 1m\n  idle_warning: 2m\n", []string{"idle_warning"}},
		{"client cert without CA", base + "tls:\n  require_client_cert: true\n", []string{"client_ca"}},
		{"admin without token", base + "admin:\n  listen: 127.0.0.1:9000\n", []string{"token_file"}},
		{"bad proxy", base + "trusted_proxies: [10.0.0.0/99]\n", []string{"trusted_proxies"}},
		{"ldap bind without secret", "rules_file: r\nidentity:\n  ldap:\n    url: ldap://x\n    base_dn: dc=x\n    bind_dn: cn=a\n", []string{"bind_password"}},
		{"both identities", "rules_file: r\nidentity:\n  local:\n    users_file: u\n  ldap:\n    url: ldap://x\n    base_dn: dc=x\n", []string{"exclusive"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConfig("/etc/psgate/psgate.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

func TestConfigDefaultsAndPaths(t *testing.T) {
	c, err := parseConfig("/etc/psgate/psgate.yaml", []byte("rules_file: r.xml\nidentity:\n  local:\n    users_file: u.yaml\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Sessions.MaxPerUser != 3 || c.Defaults.Port != 5985 || c.Defaults.Configuration != "Microsoft.PowerShell" || !*c.Portal.AllowFreeTarget {
		t.Errorf("defaults not applied: %+v", c)
	}
	if c.Rules != "/etc/psgate/r.xml" || c.Identity.Local.UsersFile != "/etc/psgate/u.yaml" {
		t.Errorf("relative paths not resolved: %q %q", c.Rules, c.Identity.Local.UsersFile)
	}
}

func TestCheckConfigCommand(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(p, []byte("bogus: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb strings.Builder
	err := run(t.Context(), []string{"--config", p, "check-config"}, strings.NewReader(""), &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Fatalf("check-config error %v, want it to name bogus", err)
	}
}
