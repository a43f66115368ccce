package main

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/psgate/psgate/internal/testenv"
)

// TestServeDirectoryFrozen: `serve` in front of slapd behind a proxy that
// stops forwarding (a frozen DC). Sign-ins during the freeze get the
// generic page with a request ID and are audited as 4100, never 257; more
// of them than the user's free failures leave no back-off once the
// directory answers again; /readyz answers within a second throughout.
func TestServeDirectoryFrozen(t *testing.T) {
	l := testenv.Slapd(t)
	u, err := url.Parse(l.URL)
	if err != nil {
		t.Fatal(err)
	}
	fr := testenv.NewFreezer(t, u.Host)
	dir := t.TempDir()
	for name, body := range map[string]string{"ca.pem": string(l.CA), "bind.pw": l.Fixture["ADMIN_PASSWORD"] + "\n",
		"psgate.yaml": "listen: 127.0.0.1:0\nrules_file: rules.xml\naudit:\n  file: audit.jsonl\nidentity:\n  ldap:\n    url: ldap://" + fr.Addr() +
			"\n    start_tls: true\n    ca_file: ca.pem\n    timeout: 1s\n    base_dn: " + l.Fixture["BASE_DN"] +
			"\n    bind_dn: " + l.Fixture["ADMIN_DN"] + "\n    bind_password_file: bind.pw\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	base := startServe(t, filepath.Join(dir, "psgate.yaml"))
	pw := l.Fixture["USER_PASSWORD"]
	readyz := func() time.Duration {
		start := time.Now()
		getPage(t, demoClient(t), base+"/readyz")
		return time.Since(start)
	}
	fr.Freeze()
	const tries = 5 // more than the 3 free failures of a user name
	for i := 0; i < tries; i++ {
		code, body := signIn(t, demoClient(t), base, "bob", pw)
		if code != http.StatusUnauthorized || !strings.Contains(body, "Access denied") || !strings.Contains(body, "Request ID") {
			t.Fatalf("sign-in %d during the freeze: %d\n%s", i, code, body)
		}
		if took := readyz(); took > time.Second {
			t.Errorf("/readyz took %v during the freeze, want under a second", took)
		}
	}
	fr.Thaw()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := signIn(t, demoClient(t), base, "bob", pw)
		if code == http.StatusOK && strings.Contains(body, "bob") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bob after the freeze: %d; the outage counted against his back-off\n%s", code, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	audit, err := os.ReadFile(filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(audit), `"event":4100`); n < tries || strings.Contains(string(audit), `"event":257`) ||
		strings.Contains(string(audit), `"event":4097`) {
		t.Errorf("audit: %d × 4100 (want ≥ %d), and no 257 or 4097:\n%s", n, tries, audit)
	}
}
