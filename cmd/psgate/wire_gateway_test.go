package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/psgate/psgate/gateway/localusers"
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
	users, err := localusers.New(localusers.Config{Path: filepath.Join(dir, "users.yaml"), Create: true})
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
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &env{ctx: ctx, stdin: strings.NewReader(""), stdout: &lockedBuffer{b: &bytes.Buffer{}}, stderr: &lockedBuffer{b: &bytes.Buffer{}}, configPath: cfgPath}
	urlc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, e, cfg, func(u string) { urlc <- u }) }()
	var base string
	select {
	case u := <-urlc:
		base = strings.TrimSuffix(u, "/")
	case err := <-done:
		t.Fatalf("serve did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve stopped with %v", err)
		}
	}()
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
