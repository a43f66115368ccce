package main

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/psgate/psgate/identity/local"
)

// TestServeFromConfig runs `psgate serve` on a config with a local users
// file, a published tile, an audit file and an admin API; signs in and is
// refused the tile (no rule), with both events in the audit file.
func TestServeFromConfig(t *testing.T) {
	dir := t.TempDir()
	users, err := local.New(local.Config{Path: filepath.Join(dir, "users.yaml"), Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := users.Add("alice", "alice-password", []string{"ops"}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "admin.token"), []byte("tok-123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "psgate.yaml")
	yaml := `listen: 127.0.0.1:0
rules_file: rules.xml
identity:
  local:
    users_file: users.yaml
portal:
  published:
    - name: Build server
      computer: BUILD01
audit:
  file: audit.jsonl
admin:
  listen: 127.0.0.1:0
  token_file: admin.token
`
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	base := startServe(t, cfgPath)

	c := demoClient(t)
	code, portal := signIn(t, c, base, "alice", "alice-password")
	if code != http.StatusOK || !strings.Contains(portal, "alice") {
		t.Fatalf("sign-in: %d\n%s", code, portal)
	}
	if strings.Contains(portal, "Build server") {
		t.Errorf("no rule allows alice on BUILD01, yet the portal shows its tile")
	}
	// No rule yet: posting the (hidden) tile is denied, with the reason audited.
	resp, body := postForm(t, c, base, "/sessions", map[string][]string{"csrf": {csrfOf(t, portal)}, "target": {"0"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Access denied") {
		t.Errorf("connect without a rule: %d, want 403 Access denied", resp.StatusCode)
	}
	audit, err := os.ReadFile(filepath.Join(dir, "audit.jsonl"))
	if err != nil || !strings.Contains(string(audit), `"event":4099`) || !strings.Contains(string(audit), `"event":259`) &&
		!strings.Contains(string(audit), `"event":267`) {
		t.Errorf("audit file lacks sign-in and denial: %v\n%s", err, audit)
	}
}

// TestRuleCommandsUseConfigRulesFile: without --rules-file or
// $PSGATE_RULES_FILE the rule commands use the config's rules_file, and a
// missing config file falls back to the default.
func TestRuleCommandsUseConfigRulesFile(t *testing.T) {
	t.Setenv("PSGATE_RULES_FILE", "")
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "psgate.yaml")
	if err := os.WriteFile(cfgPath, []byte("rules_file: my-rules.xml\nidentity:\n  local:\n    users_file: users.yaml\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, want := rulesFilePath(&env{configPath: cfgPath, stderr: &bytes.Buffer{}}, ""), filepath.Join(dir, "my-rules.xml"); got != want {
		t.Errorf("rules file with config: %q, want %q", got, want)
	}
	if got := rulesFilePath(&env{configPath: filepath.Join(dir, "missing.yaml")}, ""); got != defaultRulesFile {
		t.Errorf("rules file with a missing config: %q, want the default", got)
	}
	if out, err := cli(t, "--config", cfgPath, "rule", "add", "--user", "alice", "--computer", "srv1", "--configuration", "Microsoft.PowerShell"); err != nil {
		t.Fatalf("rule add: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "my-rules.xml")); err != nil {
		t.Errorf("rule add did not write the config's rules file: %v", err)
	}
}
