package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/psgate/psgate/identity/local"
)

// xffTransport adds an X-Forwarded-For header, as a reverse proxy does.
type xffTransport struct {
	next http.RoundTripper
	xff  string
}

func (x xffTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", x.xff)
	return x.next.RoundTrip(r)
}

// TestServeTrustedProxies: `psgate serve` believes X-Forwarded-For from the
// config's trusted_proxies, so the audit (and the address back-off) sees the
// client behind the proxy, not the proxy.
func TestServeTrustedProxies(t *testing.T) {
	dir := t.TempDir()
	users, err := local.New(local.Config{Path: filepath.Join(dir, "users.yaml"), Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := users.Add("alice", "alice-password", nil); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "psgate.yaml")
	yaml := "listen: 127.0.0.1:0\nrules_file: rules.xml\ntrusted_proxies: [127.0.0.1/32]\nidentity:\n  local:\n    users_file: users.yaml\naudit:\n  file: audit.jsonl\n"
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	base := startServe(t, cfgPath)
	c := demoClient(t)
	c.Transport = xffTransport{next: c.Transport, xff: "198.51.100.7"}
	if code, body := signIn(t, c, base, "alice", "alice-password"); code != http.StatusOK {
		t.Fatalf("sign-in: %d\n%s", code, body)
	}
	audit, err := os.ReadFile(filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(audit), `"client_addr":"198.51.100.7"`) {
		t.Errorf("audit does not name the client behind the trusted proxy:\n%s", audit)
	}
}
