package main

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/psgate/psgate/identity/local"
	"github.com/psgate/psgate/internal/testenv"
	"github.com/psgate/psgate/mfa"
)

var totpSecretRe = regexp.MustCompile(`class="totp-secret">([A-Z2-7]+)<`)

// TestClusterMFA: two gateways on one Redis and one factor file, behind a
// non-sticky load balancer. The password on A starts the second step; B
// shows the same enrolment (the half state is in the shared sign-in store)
// and enrols; the sign-in is valid on A. The next sign-in: the code used at
// enrolment (on B) is refused on A, the next step's code passes.
func TestClusterMFA(t *testing.T) {
	addr := testenv.Redis(t)
	dir := t.TempDir()
	users, err := local.New(local.Config{Path: filepath.Join(dir, "users.yaml"), Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := users.Add("erin", "erin-password", nil); err != nil {
		t.Fatal(err)
	}
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, mfa.KeySize))
	if err := os.WriteFile(filepath.Join(dir, "mfa.key"), []byte(key), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "psgate.yaml")
	yaml := "listen: 127.0.0.1:0\nrules_file: rules.xml\nidentity:\n  local:\n    users_file: users.yaml\nstore:\n  redis:\n    addr: " + addr +
		"\naudit:\n  file: audit.jsonl\nmfa:\n  mode: required\n  store_file: mfa.json\n  key_file: mfa.key\n"
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	a, b := startServe(t, cfgPath), startServe(t, cfgPath)
	c := demoClient(t)
	password := func(on string) string {
		t.Helper()
		_, login := getPage(t, c, on+"/")
		resp, body := postForm(t, c, on, "/login", url.Values{"csrf": {csrfOf(t, login)}, "username": {"erin"}, "password": {"erin-password"}})
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/login/second" {
			t.Fatalf("password on %s: %d %s\n%s", on, resp.StatusCode, resp.Request.URL.Path, body)
		}
		return body
	}
	second := func(on, code string) (*http.Response, string) {
		t.Helper()
		_, page := getPage(t, c, on+"/login/second")
		return postForm(t, c, on, "/login/second", url.Values{"csrf": {csrfOf(t, page)}, "code": {code}})
	}

	first := password(a)
	m := totpSecretRe.FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("no enrolment on A:\n%s", first)
	}
	if _, onB := getPage(t, c, b+"/login/second"); !strings.Contains(onB, m[1]) {
		t.Fatalf("B does not show A's enrolment:\n%s", onB)
	}
	used, _ := totp.GenerateCode(m[1], time.Now())
	if resp, body := second(b, used); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Recovery codes") {
		t.Fatalf("enrolment on B: %d\n%s", resp.StatusCode, body)
	}
	code, portal := getPage(t, c, a+"/portal")
	if code != http.StatusOK || !strings.Contains(portal, "erin") {
		t.Fatalf("portal on A after the second step on B: %d\n%s", code, portal)
	}
	postForm(t, c, a, "/logout", url.Values{"csrf": {csrfOf(t, portal)}})

	password(b)
	if resp, body := second(a, used); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Access denied") {
		t.Fatalf("the enrolment's code again, on A: %d\n%s", resp.StatusCode, body)
	}
	next, _ := totp.GenerateCode(m[1], time.Now().Add(30*time.Second))
	if resp, body := second(a, next); resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/portal" {
		t.Fatalf("the next code on A: %d %s\n%s", resp.StatusCode, resp.Request.URL.Path, body)
	}
	auditLog, _ := os.ReadFile(filepath.Join(dir, "audit.jsonl"))
	for _, ev := range []string{`"event":4101`, `"event":4102`, `"event":4103`} {
		if !strings.Contains(string(auditLog), ev) {
			t.Errorf("audit lacks %s", ev)
		}
	}
	if strings.Contains(string(auditLog), m[1]) { // (a 6-digit code could match a timestamp's digits)
		t.Error("the audit log holds the TOTP secret")
	}
}
