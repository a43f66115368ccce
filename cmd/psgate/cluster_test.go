package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/psgate/psgate/authz"
	"github.com/psgate/psgate/gateway/console"
	"github.com/psgate/psgate/identity/local"
	"github.com/psgate/psgate/internal/testenv"
	"github.com/psgate/psgate/winrmsim"
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
	// A non-sticky load balancer: the form comes from B, the POST goes to A
	// (its CSRF token is signed with the key the gateways share in Redis).
	_, login := getPage(t, c, b+"/")
	if resp, body := postForm(t, c, a, "/login", url.Values{"csrf": {csrfOf(t, login)}, "username": {"carol"},
		"password": {"carol-password"}}); resp.StatusCode != http.StatusOK || !strings.Contains(body, "carol") {
		t.Fatalf("sign-in on A with B's form: %d\n%s", resp.StatusCode, body)
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
	r := startPrivateRedis(t)
	base, _ := serveOnRedis(t, r)
	c := demoClient(t)
	if code, body := getPage(t, c, base+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz with Redis up = %d %q, want 200", code, body)
	}
	r.stop()
	// /readyz answers from the last finished probe (it never waits on a
	// hanging one), so the outage shows once a probe has seen it.
	deadline := time.Now().Add(10 * time.Second)
	for {
		start := time.Now()
		code, body := getPage(t, c, base+"/readyz")
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("/readyz took %v with Redis gone; it answers from the last probe", took)
		}
		if code == http.StatusServiceUnavailable && strings.Contains(body, "session store") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz with Redis gone = %d %q, want 503 naming the session store", code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// privateRedis is a redis-server of one test on a free 127.0.0.1 port, so
// that the test may stop, freeze and restart it (the shared one of
// deploy/testenv must stay up for the others). It runs without
// persistence: a restart comes back empty.
type privateRedis struct {
	t         *testing.T
	bin, addr string
	dir       string
	cmd       *exec.Cmd
}

func startPrivateRedis(t *testing.T) *privateRedis {
	t.Helper()
	testenv.Redis(t) // the skip rules: a Redis test environment
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &privateRedis{t: t, bin: bin, addr: l.Addr().String(), dir: t.TempDir()}
	l.Close()
	r.start()
	t.Cleanup(r.stop)
	return r
}

// start starts the server (again, empty) and waits until it accepts.
func (r *privateRedis) start() {
	r.t.Helper()
	_, port, _ := net.SplitHostPort(r.addr)
	r.cmd = exec.Command(r.bin, "--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no", "--dir", r.dir)
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.Dial("tcp", r.addr)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("private redis-server on %s did not start", r.addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop kills the server (idempotent).
func (r *privateRedis) stop() {
	if r.cmd != nil {
		_ = r.cmd.Process.Signal(syscall.SIGCONT) // a frozen server cannot die of SIGKILL's wait otherwise
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
		r.cmd = nil
	}
}

// signal sends sig (SIGSTOP freezes it: connections open, no answers).
func (r *privateRedis) signal(sig syscall.Signal) {
	r.t.Helper()
	if err := r.cmd.Process.Signal(sig); err != nil {
		r.t.Fatal(err)
	}
}

// serveOnRedis runs `psgate serve` with its sign-in store and registry on
// r, the repository's rules and a local user carol (password
// "carol-password", allowed on 127.0.0.1 too); it returns the gateway's URL and its audit file.
func serveOnRedis(t *testing.T, r *privateRedis) (base, auditFile string) {
	t.Helper()
	dir := t.TempDir()
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
	// carol may also open Microsoft.PowerShell on 127.0.0.1 (a simulator).
	host, _ := os.Hostname()
	opts := authz.Options{GatewayHost: host}
	store, err := authz.OpenStore(authz.StoreConfig{Path: filepath.Join(dir, "rules.xml"), Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	built, err := authz.RuleSpec{Users: []string{"carol"}, Computer: "127.0.0.1", Configuration: demoConfName}.Build(t.Context(), authz.TypedResolver{MachineName: machineName(opts)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Add(t.Context(), built); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "psgate.yaml")
	yaml := "listen: 127.0.0.1:0\nrules_file: rules.xml\nidentity:\n  local:\n    users_file: users.yaml\nstore:\n  redis:\n    addr: " + r.addr + "\naudit:\n  file: audit.jsonl\n"
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return startServe(t, cfgPath), filepath.Join(dir, "audit.jsonl")
}

// TestClusterAuthorizesWithoutSecondBind: a user signed in on gateway A
// opens a console through gateway B, which shares A's Redis sign-in store
// and rules file but cannot authenticate the user at all (its users file
// does not know her): B authorizes with the identity A stored in the
// sign-in session (name and groups; the rule names her group), never binds,
// and opens the console (alternate credentials: the sign-in password stays
// on A).
func TestClusterAuthorizesWithoutSecondBind(t *testing.T) {
	addr := testenv.Redis(t)
	sim, err := winrmsim.NewServer(winrmsim.Config{Users: map[string]string{"simuser": "sim-password"}, Auth: []string{"negotiate"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	dir := t.TempDir()
	usersA, err := local.New(local.Config{Path: filepath.Join(dir, "users-a.yaml"), Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := usersA.Add("dana", "dana-password", []string{"gateway-users"}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "users-b.yaml"), []byte("users: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rulesPath := filepath.Join(dir, "rules.xml")
	if err := writeEmptyRules(rulesPath); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	opts := authz.Options{GatewayHost: host}
	rules, err := authz.OpenStore(authz.StoreConfig{Path: rulesPath, Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	spec := authz.RuleSpec{UserGroups: []string{"gateway-users"}, Computer: "127.0.0.1", Configuration: demoConfName}
	built, err := spec.Build(t.Context(), authz.TypedResolver{MachineName: machineName(opts)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rules.Add(t.Context(), built); err != nil {
		t.Fatal(err)
	}
	cfg := func(name, users string) string {
		p := filepath.Join(dir, name+".yaml")
		y := "listen: 127.0.0.1:0\nrules_file: rules.xml\nidentity:\n  local:\n    users_file: " + users +
			"\nstore:\n  redis:\n    addr: " + addr + "\naudit:\n  file: audit-" + name + ".jsonl\n"
		if err := os.WriteFile(p, []byte(y), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b := startServe(t, cfg("a", "users-a.yaml")), startServe(t, cfg("b", "users-b.yaml"))

	c := demoClient(t) // one cookie jar: the load balancer's browser
	if code, _ := signIn(t, c, a, "dana", "dana-password"); code != http.StatusOK {
		t.Fatalf("sign-in on A: %d", code)
	}
	if code, _ := signIn(t, demoClient(t), b, "dana", "dana-password"); code != http.StatusUnauthorized {
		t.Fatalf("B can authenticate dana itself (%d): the test would not show that B needs no bind", code)
	}
	_, portal := getPage(t, c, b+"/portal")
	// Without alternate credentials B has no password to pass on (it stays
	// on A): the portal asks for them, not a bare "Access denied".
	resp, body := postForm(t, c, b, "/sessions", url.Values{"csrf": {csrfOf(t, portal)}, "computer": {"127.0.0.1"},
		"port": {strconv.Itoa(sim.Port())}, "authentication": {"negotiate"}, "configuration": {demoConfName}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "This gateway does not hold your sign-in password") ||
		!strings.Contains(body, `name="alt_username"`) {
		t.Fatalf("open on B without credentials: %d\n%s", resp.StatusCode, body)
	}
	resp, body = postForm(t, c, b, "/sessions", url.Values{"csrf": {csrfOf(t, portal)}, "computer": {"127.0.0.1"},
		"port": {strconv.Itoa(sim.Port())}, "authentication": {"negotiate"}, "configuration": {demoConfName},
		"alt_username": {"simuser"}, "alt_password": {"sim-password"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Request.URL.Path, "/console/") {
		t.Fatalf("open on B for a sign-in on A: %d at %s\n%s", resp.StatusCode, resp.Request.URL, body)
	}
	auditB, err := os.ReadFile(filepath.Join(dir, "audit-b.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range []string{`"event":4099,`, `"event":259,`} { // no sign-in on B, no refusal
		if strings.Contains(string(auditB), ev) {
			t.Errorf("B's audit has %s:\n%s", ev, auditB)
		}
	}
	if !strings.Contains(string(auditB), `"event":769,`) || !strings.Contains(string(auditB), `"user":"dana"`) {
		t.Errorf("B's audit has no session start for dana:\n%s", auditB)
	}
}

// TestRedisRestartedEmpty: Redis restarted without persistence forgets
// every sign-in. An open console is then closed with 4402 "sign-in
// expired" (not 4401 "signed out"): the console runs on, and after signing
// in again it is listed and reattaches with its screen restored.
func TestRedisRestartedEmpty(t *testing.T) {
	r := startPrivateRedis(t)
	sim, err := winrmsim.NewServer(winrmsim.Config{Users: map[string]string{"simuser": "sim-password"}, Auth: []string{"negotiate"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	base, auditFile := serveOnRedis(t, r)
	c := demoClient(t)
	_, portal := signIn(t, c, base, "carol", "carol-password")
	resp, page := postForm(t, c, base, "/sessions", url.Values{"csrf": {csrfOf(t, portal)}, "computer": {"127.0.0.1"},
		"port": {strconv.Itoa(sim.Port())}, "authentication": {"negotiate"}, "configuration": {demoConfName},
		"alt_username": {"simuser"}, "alt_password": {"sim-password"}})
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Request.URL.Path, "/console/") {
		audit, _ := os.ReadFile(auditFile)
		t.Fatalf("open console: %d at %s\n%s\naudit:\n%s", resp.StatusCode, resp.Request.URL, page, audit)
	}
	id := strings.TrimPrefix(resp.Request.URL.Path, "/console/")
	ws := dialConsole(t, c, base, id, strings.Replace(page, `data-csrf="`, `name="csrf" value="`, 1))
	readUntil(t, ws, "hello", "")
	if err := ws.WriteJSON(map[string]string{"type": "input", "data": "Write-Output before-restart-3a9c"}); err != nil {
		t.Fatal(err)
	}
	readUntil(t, ws, "output", "before-restart-3a9c")

	r.stop()
	r.start()                                                // empty
	_ = ws.SetReadDeadline(time.Now().Add(60 * time.Second)) // the recheck runs every 30 s
	for err == nil {
		_, _, err = ws.ReadMessage()
	}
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != console.CloseSignInExpired {
		t.Fatalf("after Redis restarted empty the console socket ended with %v, want close %d", err, console.CloseSignInExpired)
	}

	// Signed in again: the console is listed (its gateway records it again
	// at the next lease renewal) and reattaches with its screen.
	_, portal = signIn(t, c, base, "carol", "carol-password")
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(portal, "/console/"+id); {
		if time.Now().After(deadline) {
			t.Fatalf("portal after signing in again does not list console %s:\n%s", id, portal)
		}
		time.Sleep(200 * time.Millisecond)
		_, portal = getPage(t, c, base+"/portal")
	}
	_, page = getPage(t, c, base+"/console/"+id)
	ws2 := dialConsole(t, c, base, id, strings.Replace(page, `data-csrf="`, `name="csrf" value="`, 1))
	readUntil(t, ws2, "scrollback", "before-restart-3a9c")
}
