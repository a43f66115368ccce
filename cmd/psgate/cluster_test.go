package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/psgate/psgate/identity/local"
	"github.com/psgate/psgate/internal/testenv"
)

// startServe runs `psgate serve` on cfgPath and returns its base URL.
func startServe(t *testing.T, cfgPath string) string {
	t.Helper()
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &env{ctx: ctx, stdin: strings.NewReader(""), stdout: &testenv.Buffer{}, stderr: &testenv.Buffer{}, configPath: cfgPath}
	urlc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, e, cfg, func(u string) { urlc <- u }) }()
	stopped := false // runServe returned: the cleanup must not wait for it
	t.Cleanup(func() {
		cancel()
		if stopped {
			return
		}
		if err := <-done; err != nil {
			t.Errorf("serve stopped with %v", err)
		}
	})
	select {
	case u := <-urlc:
		return strings.TrimSuffix(u, "/")
	case err := <-done:
		stopped = true
		t.Fatalf("serve did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	return ""
}

// TestClusterSharesSignIns: two gateways on one Redis; a sign-in on the
// first is valid on the second, and signing out on the second ends it on
// the first.
func TestClusterSharesSignIns(t *testing.T) {
	addr := testenv.Redis(t)
	dir := t.TempDir()
	users, err := local.New(local.Config{Path: filepath.Join(dir, "users.yaml"), Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := users.Add("carol", "carol-password", nil); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "psgate.yaml")
	yaml := "listen: 127.0.0.1:0\nrules_file: rules.xml\nidentity:\n  local:\n    users_file: users.yaml\nstore:\n  redis:\n    addr: " + addr + "\naudit:\n  file: audit.jsonl\n"
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	a, b := startServe(t, cfgPath), startServe(t, cfgPath)

	c := demoClient(t) // cookies are not port-specific: one jar serves both
	if code, _ := signIn(t, c, a, "carol", "carol-password"); code != http.StatusOK {
		t.Fatalf("sign-in on A: %d", code)
	}
	code, portal := getPage(t, c, b+"/portal")
	if code != http.StatusOK || !strings.Contains(portal, "carol") {
		t.Fatalf("portal on B after sign-in on A: %d\n%s", code, portal)
	}
	if resp, _ := postForm(t, c, b, "/logout", map[string][]string{"csrf": {csrfOf(t, portal)}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-out on B: %d", resp.StatusCode)
	}
	if _, p := getPage(t, c, a+"/portal"); strings.Contains(p, "carol") || !strings.Contains(p, `name="password"`) {
		t.Errorf("A still knows the sign-in after sign-out on B:\n%s", p)
	}
}

// TestReadyzSessionStore: /readyz checks the Redis session store; when
// the gateway's Redis stops answering, the gateway is not ready (a load
// balancer sends nobody to it) and says which check failed. (A Redis that
// is down at start fails the start instead.)
func TestReadyzSessionStore(t *testing.T) {
	testenv.Redis(t) // the skip rules: a Redis test environment
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	l.Close()
	dir := t.TempDir()
	redis := exec.Command(bin, "--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no", "--dir", dir)
	if err := redis.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = redis.Process.Kill(); _ = redis.Wait() })
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("private redis-server on %s did not start", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}

	users, err := local.New(local.Config{Path: filepath.Join(dir, "users.yaml"), Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := users.Add("carol", "carol-password", nil); err != nil {
		t.Fatal(err)
	}
	rules, err := os.ReadFile("../../configs/AuthorizationRules.xml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rules.xml"), rules, 0o600); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "psgate.yaml")
	yaml := "listen: 127.0.0.1:0\nrules_file: rules.xml\nidentity:\n  local:\n    users_file: users.yaml\nstore:\n  redis:\n    addr: " + addr + "\naudit:\n  file: audit.jsonl\n"
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	base := startServe(t, cfgPath)
	c := demoClient(t)
	if code, body := getPage(t, c, base+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz with Redis up = %d %q, want 200", code, body)
	}
	_ = redis.Process.Kill()
	_ = redis.Wait()
	code, body := getPage(t, c, base+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "session store") {
		t.Errorf("/readyz with Redis gone = %d %q, want 503 naming the session store", code, body)
	}
}
