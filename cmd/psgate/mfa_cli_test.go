package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/psgate/psgate/mfa"
)

// mfaDir writes a config with an mfa section, its key file (mode keyMode)
// and users file into a temp folder; it returns the config path.
func mfaDir(t *testing.T, keyMode os.FileMode, section string) (dir, cfg string) {
	t.Helper()
	dir = t.TempDir()
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, mfa.KeySize))
	if err := os.WriteFile(filepath.Join(dir, "mfa.key"), []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(dir, "mfa.key"), keyMode)
	os.WriteFile(filepath.Join(dir, "users.yaml"), []byte("users: []\n"), 0o600)
	cfg = filepath.Join(dir, "psgate.yaml")
	y := "rules_file: rules.xml\naudit:\n  file: audit.log\nidentity:\n  local:\n    users_file: users.yaml\n" + section
	if err := os.WriteFile(cfg, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, cfg
}

const mfaSection = "mfa:\n  mode: required\n  store_file: mfa.json\n  key_file: mfa.key\n  enrolment_code_required: true\n"

func runMFA(t *testing.T, cfg string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), append([]string{"--config", cfg, "mfa"}, args...), strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), err
}

func TestMFAConfig(t *testing.T) {
	base := "rules_file: r.xml\nidentity:\n  local:\n    users_file: u.yaml\n"
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"unknown mode", base + "mfa:\n  mode: sometimes\n", []string{"sometimes"}},
		{"no files", base + "mfa:\n  mode: optional\n", []string{"mfa.store_file", "mfa.key_file"}},
		{"groups without the mode", base + "mfa:\n  mode: required\n  store_file: f\n  key_file: k\n  required_for_groups: [admins]\n", []string{"required_for_groups"}},
		{"groups mode without groups", base + "mfa:\n  mode: required_for_groups\n  store_file: f\n  key_file: k\n", []string{"at least one group"}},
		{"unknown key", base + "mfa:\n  mode: optional\n  totp_digits: 8\n", []string{"totp_digits"}},
		{"timeout", base + "mfa:\n  mode: optional\n  store_file: f\n  key_file: k\n  second_step_timeout: 2h\n", []string{"second_step_timeout"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseConfig("/etc/psgate/psgate.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
	c, err := parseConfig("/etc/psgate/psgate.yaml", []byte(base+"mfa:\n  mode: required_for_groups\n  required_for_groups: [admins]\n  store_file: mfa.json\n  key_file: mfa.key\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.MFA.StoreFile != "/etc/psgate/mfa.json" || c.MFA.KeyFile != "/etc/psgate/mfa.key" || c.MFA.SecondStepTimeout != 5*time.Minute {
		t.Errorf("mfa paths or defaults: %+v", c.MFA)
	}
	if c, _ := parseConfig("/etc/psgate/psgate.yaml", []byte(base)); c.MFA.Mode != "off" {
		t.Errorf("default mode %q, want off", c.MFA.Mode)
	}
}

func TestMFAKeyFileModeRefused(t *testing.T) {
	_, cfg := mfaDir(t, 0o644, mfaSection)
	var out, errb bytes.Buffer
	err := run(t.Context(), []string{"--config", cfg, "check-config"}, strings.NewReader(""), &out, &errb)
	if err == nil || !strings.Contains(err.Error()+errb.String(), "mfa.key_file") {
		t.Fatalf("check-config with a key file others can read: %v %s", err, errb.String())
	}
	if _, _, err := runMFA(t, cfg, "list"); err == nil {
		t.Fatal("mfa list with a key file others can read: accepted")
	}
	_, cfg = mfaDir(t, 0o640, mfaSection)
	if err := run(t.Context(), []string{"--config", cfg, "check-config"}, strings.NewReader(""), &out, &errb); err != nil {
		t.Fatalf("check-config with a 0640 key: %v %s", err, errb.String())
	}
}

func TestMFACLI(t *testing.T) {
	dir, cfg := mfaDir(t, 0o600, mfaSection)
	out, _, err := runMFA(t, cfg, "issue-enrolment-code", "alice", "--ttl", "1h")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`once\): (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no code in %q", out)
	}
	// The code enrols alice (the gateway's path, through the store).
	key, _ := mfa.ReadKeyFile(filepath.Join(dir, "mfa.key"))
	st, err := mfa.OpenStore(mfa.StoreConfig{Path: filepath.Join(dir, "mfa.json"), Key: key})
	if err != nil {
		t.Fatal(err)
	}
	k, _ := mfa.NewTOTP("alice")
	c, _ := totp.GenerateCode(k.Secret(), time.Now())
	if _, err := st.EnrolTOTP(t.Context(), mfa.Enrolment{Key: "local:alice", Name: "alice", Secret: k.Secret(), Code: c,
		NeedAdminCode: true, AdminCode: m[1]}); err != nil {
		t.Fatalf("enrol with the issued code: %v", err)
	}
	out, _, err = runMFA(t, cfg, "list")
	if err != nil || !strings.Contains(out, "local:alice") || !strings.Contains(out, "10") {
		t.Fatalf("list: %v %q", err, out)
	}
	if strings.Contains(out, k.Secret()) || strings.Contains(out, m[1]) {
		t.Fatal("list shows a secret or code")
	}
	if out, _, err = runMFA(t, cfg, "list", "-o", "json"); err != nil || !strings.Contains(out, `"recovery_left": 10`) {
		t.Fatalf("list -o json: %v %q", err, out)
	}
	if out, _, err = runMFA(t, cfg, "reset", "alice"); err != nil || !strings.Contains(out, "removed") {
		t.Fatalf("reset: %v %q", err, out)
	}
	if st.Enrolled("local:alice") {
		t.Error("still enrolled after reset")
	}
	if _, _, err = runMFA(t, cfg, "reset", "alice"); !isNo(err) {
		t.Errorf("reset again: %v, want the silent exit 1", err)
	}
	auditLog, _ := os.ReadFile(filepath.Join(dir, "audit.log"))
	if n := strings.Count(string(auditLog), `"event":4104`); n != 2 {
		t.Errorf("%d audit events 4104, want 2:\n%s", n, auditLog)
	}
	if strings.Contains(string(auditLog), m[1]) {
		t.Error("the audit log holds the enrolment code")
	}
}
