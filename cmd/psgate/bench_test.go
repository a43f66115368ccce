package main

// Gateway benchmarks behind docs/PERFORMANCE.md "Gateway":
//
//	go test -run '^$' -bench 'SignIn|KeystrokeRoundTrip|ConsoleThroughput' -benchtime=3s -count=3 ./cmd/psgate/
//	go test -run '^$' -bench ConsoleSessionMemory -benchtime=1x -count=3 ./cmd/psgate/
//
// BenchmarkSignIn drives POST /login of the production handler (assemble,
// as psgate serve and psgate demo build it) over TLS with a real CSRF token;
// BenchmarkConsoleSessionMemory opens console sessions through the same
// handler to the WinRM simulator, which runs in a child process (psgate
// winrm-sim) so the heap measured is the gateway's only; with
// PSGATE_BENCH_HEAPPROFILE=DIR it also writes heap profiles (every
// allocation sampled) at each of its sample points into DIR, for
// `go tool pprof -base`. BenchmarkKeystrokeRoundTrip and
// BenchmarkConsoleThroughput run a command typed in the browser through the
// gateway against the WinRS backend used directly.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"gopkg.in/yaml.v3"

	"github.com/psgate/psgate/authz"
	"github.com/psgate/psgate/backend/winrs"
	"github.com/psgate/psgate/backend/wsman"
	"github.com/psgate/psgate/identity/local"
	"github.com/psgate/psgate/internal/testenv"
	"github.com/psgate/psgate/session"
)

const (
	benchUser     = "bench"
	benchPassword = "bench-Passw0rd"
	benchMachine  = "PSGATE"
	benchSimHost  = "SIMHOST"
)

// benchGateway is a gateway as psgate serve builds it (assemble), from a
// config with identity id, the rules file rules (empty when "") and the
// portal's published tiles, served over TLS on loopback; the audit log is
// discarded.
func benchGateway(tb testing.TB, id identityConfig, rules string, tiles []published, h hooks) (*httptest.Server, *assembled) {
	tb.Helper()
	dir := tb.TempDir()
	if rules == "" {
		rules = filepath.Join(dir, "AuthorizationRules.xml")
		if err := writeEmptyRules(rules); err != nil {
			tb.Fatal(err)
		}
	}
	b, err := yaml.Marshal(config{Rules: rules, Identity: id, Portal: portalConfig{Published: tiles}, Audit: auditConfig{File: "-"}})
	if err != nil {
		tb.Fatal(err)
	}
	cfg, err := parseConfig(filepath.Join(dir, "psgate.yaml"), b) // defaults and validation, as loadConfig
	if err != nil {
		tb.Fatal(err)
	}
	if h.options == nil {
		h.options = &authz.Options{GatewayHost: "localhost", MachineName: benchMachine}
	}
	h.auditOut = io.Discard
	gw, err := assemble(cfg, h, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = gw.Close() })
	ts := httptest.NewTLSServer(gw.app)
	tb.Cleanup(ts.Close)
	return ts, gw
}

// localIdentities is the local users file (argon2id, the package
// defaults) with the bench user.
func localIdentities(tb testing.TB) identityConfig {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "users.yaml")
	users, err := local.New(local.Config{Path: path, Create: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	if err := users.Add(benchUser, benchPassword, []string{"gateway-users"}); err != nil {
		tb.Fatal(err)
	}
	return identityConfig{Local: &localIdentity{UsersFile: path}}
}

// sambaIdentities is the Samba AD DC of deploy/testenv/samba-ad.sh as
// psgate serve is configured for it, and a fixture user.
func sambaIdentities(tb testing.TB) (id identityConfig, user, password string) {
	tb.Helper()
	s := testenv.Samba(tb)
	fx := s.Fixture
	pwFile := filepath.Join(tb.TempDir(), "bind.pw")
	if err := os.WriteFile(pwFile, []byte(fx["SERVICE_PASSWORD"]+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	return identityConfig{LDAP: &ldapIdentity{URL: s.URL, StartTLS: true, CAFile: filepath.Join(s.Dir, "ca.pem"), AD: true,
		BaseDN: fx["BASE_DN"], BindDN: fx["SERVICE_DN"], BindPasswordFile: pwFile, Domain: fx["DOMAIN"],
		Realm: fx["REALM"]}}, `EXAMPLE\bob`, fx["USER_PASSWORD"]
}

// benchClient is a browser: its own cookie jar over a shared transport,
// redirects not followed.
func benchClient(tr http.RoundTripper) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// benchGet returns the body of GET base+path.
func benchGet(c *http.Client, base, path string) (string, error) {
	resp, err := c.Get(base + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %d", path, resp.StatusCode)
	}
	return string(b), err
}

// benchPost posts form (with the csrf token of page) and returns the redirect target.
func benchPost(c *http.Client, base, path, page string, form url.Values) (string, error) {
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		return "", errors.New("no csrf token on the page")
	}
	form.Set("csrf", m[1])
	req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("POST %s: %d %.300s", path, resp.StatusCode, body)
	}
	return resp.Header.Get("Location"), nil
}

// benchSignIn is one browser sign-in: GET / (form and CSRF token in a fresh
// cookie session), POST /login, which must redirect to the portal.
func benchSignIn(tr http.RoundTripper, base, user, password string) (*http.Client, error) {
	c := benchClient(tr)
	page, err := benchGet(c, base, "/")
	if err != nil {
		return nil, err
	}
	loc, err := benchPost(c, base, "/login", page, url.Values{"username": {user}, "password": {password}})
	if err == nil && loc != "/portal" {
		err = fmt.Errorf("sign-in redirected to %q", loc)
	}
	return c, err
}

// BenchmarkSignIn: sign-ins per second through the gateway's sign-in
// handler (GET the form, POST /login; throttle on, never triggered).
func BenchmarkSignIn(b *testing.B) {
	for _, tc := range []struct {
		name string
		ids  func(testing.TB) (identityConfig, string, string)
	}{
		{"local-argon2id", func(tb testing.TB) (identityConfig, string, string) {
			return localIdentities(tb), benchUser, benchPassword
		}},
		{"samba-ad", sambaIdentities},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ids, user, pw := tc.ids(b)
			ts, _ := benchGateway(b, ids, "", nil, hooks{}) // no rules: the sign-in benchmark opens nothing
			tr := ts.Client().Transport.(*http.Transport).Clone()
			tr.MaxIdleConnsPerHost = 64 // browsers keep their connections
			b.Run("serial", func(b *testing.B) {
				for b.Loop() {
					if _, err := benchSignIn(tr, ts.URL, user, pw); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signins/s")
			})
			for _, par := range []int{1, 4} { // GOMAXPROCS×1 and ×4 browsers at once
				b.Run(fmt.Sprintf("parallel-%dx", par), func(b *testing.B) {
					b.SetParallelism(par)
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if _, err := benchSignIn(tr, ts.URL, user, pw); err != nil {
								b.Error(err)
								return
							}
						}
					})
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signins/s")
				})
			}
		})
	}
}

// TestHelperBenchProcess is not a test: it is the child process of the
// benchmarks below (PSGATE_BENCH_HELPER names its role).
func TestHelperBenchProcess(t *testing.T) {
	switch os.Getenv("PSGATE_BENCH_HELPER") {
	case "winrm-sim":
		helperSim()
	case "ws-clients":
		helperWSClients()
	default:
		t.Skip("child process of the gateway benchmarks")
	}
	os.Exit(0)
}

// lockedWriter serializes writes to the child's stdout.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// helperSim runs `psgate winrm-sim --tls` until stdin closes; a "mem" line
// on stdin is answered with the child's heap and goroutines.
func helperSim() {
	out := &lockedWriter{w: os.Stdout}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			if sc.Text() == "mem" {
				heap, _, g := heapNow()
				fmt.Fprintf(out, "mem %d %d\n", heap, g)
			}
		}
		cancel()
	}()
	args := []string{"winrm-sim", "--listen", "127.0.0.1:0", "--tls", "--user", benchUser + ":" + benchPassword}
	args = append(args, strings.Fields(os.Getenv("PSGATE_BENCH_SIM_FLAGS"))...) // BenchmarkScale's quotas
	if err := run(ctx, args, strings.NewReader(""), out, io.Discard); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// helperWSClients holds the console websockets of the memory benchmark so
// that their client side is not in the gateway's heap. Stdin lines:
// "cookie HEADER" (answered "ok"), "dial URL" (answered "ok" or "err ..."), "close" (close
// all, answered "closed").
func helperWSClients() {
	var cookie string
	var conns []*websocket.Conn
	d := websocket.Dialer{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, Subprotocols: []string{"psgate.v1"}}
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		cmd, arg, _ := strings.Cut(sc.Text(), " ")
		switch cmd {
		case "cookie":
			cookie = arg
			fmt.Println("ok")
		case "dial":
			u, err := url.Parse(arg)
			if err != nil {
				fmt.Printf("err %v\n", err)
				continue
			}
			c, _, err := d.Dial(arg, http.Header{"Cookie": {cookie}, "Origin": {"https://" + u.Host}})
			if err != nil {
				fmt.Printf("err %v\n", err)
				continue
			}
			conns = append(conns, c)
			go func() {
				for {
					if _, _, err := c.NextReader(); err != nil {
						return
					}
				}
			}()
			fmt.Println("ok")
		case "close":
			for _, c := range conns {
				_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
				_ = c.Close()
			}
			conns = nil
			fmt.Println("closed")
		}
	}
}

// child is a helper process driven line by line.
type child struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func startChild(tb testing.TB, role string) *child {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperBenchProcess$")
	cmd.Env = append(os.Environ(), "PSGATE_BENCH_HELPER="+role)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = in.Close(); _ = cmd.Wait() })
	return &child{cmd: cmd, in: in, out: bufio.NewScanner(out)}
}

// ask sends a line and returns the answer line.
func (c *child) ask(tb testing.TB, line string) string {
	tb.Helper()
	if _, err := fmt.Fprintln(c.in, line); err != nil {
		tb.Fatal(err)
	}
	return c.line(tb)
}

func (c *child) line(tb testing.TB) string {
	tb.Helper()
	if !c.out.Scan() {
		tb.Fatalf("child process ended: %v", c.out.Err())
	}
	return c.out.Text()
}

// heapNow is the live heap after a collection, the goroutine stacks and
// the goroutine count.
func heapNow() (heap, stack uint64, goroutines int) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, ms.StackInuse, runtime.NumGoroutine()
}

// waitStats waits until the manager counts want (the websocket attach and
// detach finish after the handshake returns).
func waitStats(tb testing.TB, mgr *session.Manager, want session.Stats) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for mgr.Stats() != want {
		if time.Now().After(deadline) {
			tb.Fatalf("sessions %+v, want %+v", mgr.Stats(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// simGateway is the production-built gateway with one published tile on
// the simulator child, a rule allowing the bench user on it, and the
// session cap lifted.
func simGateway(b *testing.B) (*httptest.Server, *session.Manager, *child) {
	ts, mgr, sim, _ := simGatewayPort(b)
	return ts, mgr, sim
}

// simGatewayPort is simGateway that also returns the simulator's port.
func simGatewayPort(b *testing.B) (*httptest.Server, *session.Manager, *child, int) {
	sim := startChild(b, "winrm-sim")
	addr, ok := strings.CutPrefix(sim.line(b), "winrm-sim listening on https://")
	if !ok {
		b.Fatal("unexpected simulator banner")
	}
	addr = strings.TrimSuffix(addr, "/wsman")
	_, portStr, _ := strings.Cut(addr, ":")
	port, _ := strconv.Atoi(portStr)

	logger := slog.New(slog.DiscardHandler)
	rulesPath := filepath.Join(b.TempDir(), "AuthorizationRules.xml")
	if err := writeEmptyRules(rulesPath); err != nil {
		b.Fatal(err)
	}
	rules, err := authz.OpenStore(authz.StoreConfig{Path: rulesPath, Logger: logger,
		Options: authz.Options{GatewayHost: "localhost", MachineName: benchMachine}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	spec := authz.RuleSpec{Name: "bench", Users: []string{benchUser}, Computer: benchSimHost, Configuration: demoConfName}
	built, err := spec.Build(ctx, authz.TypedResolver{MachineName: benchMachine})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := rules.Add(ctx, built); err != nil {
		b.Fatal(err)
	}
	// The sign-in password goes on to the target, as with psgate serve.
	ts, gw := benchGateway(b, localIdentities(b), rulesPath,
		[]published{{Name: benchSimHost, Computer: benchSimHost, Configuration: demoConfName, UseSSL: true, Port: port}},
		hooks{
			sessions: func(c *session.Config) { c.MaxPerUser = 1 << 20 },
			route: func(c *winrs.Config) {
				if strings.EqualFold(c.Host, benchSimHost) {
					c.Host, c.Insecure = "127.0.0.1", true
				}
			},
		})
	return ts, gw.mgr, sim, port
}

// consoleIdleAfter is how long after its last input a console is sampled
// as idle: past the backend's IdleConnTimeout (30 s, gateway/winrs), which
// closes its control connection.
const consoleIdleAfter = 31 * time.Second

// BenchmarkConsoleSessionMemory: gateway heap and goroutines per console
// session to the simulator (in a child process), opened through POST
// /sessions with the sign-in password passed on (no alternate credentials):
// disconnected (never attached, and again after its websocket closed) and
// connected (a browser websocket attached; the websocket clients run in a
// second child process), 200 ms after each step; then attached again and
// sampled once the consoles have been idle for consoleIdleAfter (so an
// iteration takes over 31 s). Each iteration opens n sessions.
func BenchmarkConsoleSessionMemory(b *testing.B) {
	const n = 25 // the simulator allows 30 shells per user, as WinRM's MaxShellsPerUser
	ts, mgr, sim := simGateway(b)
	ws := startChild(b, "ws-clients")
	c, err := benchSignIn(ts.Client().Transport, ts.URL, benchUser, benchPassword)
	if err != nil {
		b.Fatal(err)
	}
	base, _ := url.Parse(ts.URL)
	var cookies []string
	for _, ck := range c.Jar.Cookies(base) {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}
	if a := ws.ask(b, "cookie "+strings.Join(cookies, "; ")); a != "ok" {
		b.Fatal(a)
	}
	simHeap := func() (uint64, int) {
		var h uint64
		var g int
		if _, err := fmt.Sscanf(sim.ask(b, "mem"), "mem %d %d", &h, &g); err != nil {
			b.Fatal(err)
		}
		return h, g
	}
	profDir := os.Getenv("PSGATE_BENCH_HEAPPROFILE")
	if profDir != "" {
		runtime.MemProfileRate = 1
	}
	prof := func(name string) {
		if profDir == "" {
			return
		}
		f, err := os.Create(filepath.Join(profDir, name+".pprof"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
			b.Fatal(err)
		}
	}
	var fresh, conn, disc, simPer float64
	var stFresh, stConn, stDisc float64
	var idle, stIdle, gIdle float64
	var gFresh, gConn, gDisc, gSim float64
	for b.Loop() {
		page, err := benchGet(c, ts.URL, "/portal")
		if err != nil {
			b.Fatal(err)
		}
		h0, st0, g0 := heapNow()
		prof("baseline")
		s0, sg0 := simHeap()
		ids := make([]string, n)
		for i := range ids {
			loc, err := benchPost(c, ts.URL, "/sessions", page, url.Values{"target": {"0"}})
			if err != nil {
				b.Fatal(err)
			}
			ids[i] = strings.TrimPrefix(loc, "/console/")
		}
		opened := time.Now() // the last input (the init script) was sent before this
		waitStats(b, mgr, session.Stats{Disconnected: n})
		time.Sleep(200 * time.Millisecond) // receive loops settle into their long polls
		h1, st1, g1 := heapNow()
		prof("opened")
		s1, sg1 := simHeap()

		tok := csrfRe.FindStringSubmatch(page)[1]
		wsBase := "wss://" + base.Host
		attach := func() {
			for _, id := range ids {
				if a := ws.ask(b, "dial "+wsBase+"/console/"+id+"/ws?csrf="+url.QueryEscape(tok)); a != "ok" {
					b.Fatalf("websocket %s: %s", id, a)
				}
			}
			waitStats(b, mgr, session.Stats{Active: n})
			time.Sleep(200 * time.Millisecond)
		}
		detach := func() {
			if a := ws.ask(b, "close"); a != "closed" {
				b.Fatalf("close websockets: %s", a)
			}
			waitStats(b, mgr, session.Stats{Disconnected: n})
			time.Sleep(200 * time.Millisecond)
		}
		attach()
		h2, st2, g2 := heapNow()
		prof("connected")
		detach()
		h3, st3, g3 := heapNow()
		prof("disconnected")

		// Reconnected and idle for longer than the backend's IdleConnTimeout
		// (30 s): the control connection of every console has been closed
		// (a keystroke would open it again).
		attach()
		time.Sleep(time.Until(opened.Add(consoleIdleAfter)))
		h4, st4, g4 := heapNow()
		prof("connected-idle")
		detach()

		per := func(a, z uint64) float64 { return (float64(z) - float64(a)) / n }
		fresh, conn, disc, simPer = per(h0, h1), per(h0, h2), per(h0, h3), per(s0, s1)
		stFresh, stConn, stDisc = per(st0, st1), per(st0, st2), per(st0, st3)
		idle, stIdle, gIdle = per(h0, h4), per(st0, st4), float64(g4-g0)/n
		gFresh, gConn, gDisc, gSim = float64(g1-g0)/n, float64(g2-g0)/n, float64(g3-g0)/n, float64(sg1-sg0)/n

		for _, id := range ids {
			if err := mgr.Logoff(context.Background(), id); err != nil {
				b.Fatal(err)
			}
		}
		waitStats(b, mgr, session.Stats{})
	}
	b.ReportMetric(fresh, "B/session-opened")
	b.ReportMetric(conn, "B/session-connected")
	b.ReportMetric(disc, "B/session-disconnected")
	b.ReportMetric(idle, "B/session-connected-idle31s")
	b.ReportMetric(stIdle, "stack-B/session-connected-idle31s")
	b.ReportMetric(gIdle, "goroutines/session-connected-idle31s")
	b.ReportMetric(stFresh, "stack-B/session-opened")
	b.ReportMetric(stConn, "stack-B/session-connected")
	b.ReportMetric(stDisc, "stack-B/session-disconnected")
	b.ReportMetric(gFresh, "goroutines/session-opened")
	b.ReportMetric(gConn, "goroutines/session-connected")
	b.ReportMetric(gDisc, "goroutines/session-disconnected")
	b.ReportMetric(simPer, "sim-B/session")
	b.ReportMetric(gSim, "sim-goroutines/session")
}

// consolePaths are two ways to run a command on the simulator (in a child
// process): through the whole gateway (a signed-in websocket client
// speaking psgate.v1, as the browser, to the production handler over TLS →
// session → WinRS backend) and through the WinRS backend used directly
// (winrs.Start, Basic over HTTPS as the tile). Each runs one command and
// returns its stdout once the next prompt has come.
type consolePaths struct {
	direct, gateway func(cmd string) (string, error)
}

func newConsolePaths(b *testing.B) consolePaths {
	ts, _, _, port := simGatewayPort(b)

	events := make(chan winrs.Event, 1024)
	direct, err := winrs.Start(context.Background(), winrs.Config{Endpoint: wsman.Endpoint{Host: "127.0.0.1", Port: port, HTTPS: true, Insecure: true,
		Auth: "basic", Username: benchUser, Password: benchPassword}}, func(ev winrs.Event) { events <- ev })
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = direct.Close() })
	if ev := <-events; ev.Kind != winrs.Prompt {
		b.Fatalf("direct: first event %v, want the prompt", ev.Kind)
	}
	// out collects one command's stdout on either path; a bytes.Buffer keeps
	// its capacity across Reset (a strings.Builder regrown to 1 MiB for every
	// command was ~5 MiB of the harness's own garbage per path and command).
	var out bytes.Buffer
	directRun := func(cmd string) (string, error) {
		if err := direct.Send(cmd); err != nil {
			return "", err
		}
		out.Reset()
		for ev := range events {
			switch ev.Kind {
			case winrs.Output:
				if ev.Stream == winrs.StreamStdout {
					out.WriteString(ev.Text)
				}
			case winrs.Prompt:
				return out.String(), nil
			case winrs.Exited:
				return "", fmt.Errorf("direct: console exited: %v", ev.Err)
			}
		}
		return "", errors.New("direct: events closed")
	}

	c, err := benchSignIn(ts.Client().Transport, ts.URL, benchUser, benchPassword)
	if err != nil {
		b.Fatal(err)
	}
	page, err := benchGet(c, ts.URL, "/portal")
	if err != nil {
		b.Fatal(err)
	}
	loc, err := benchPost(c, ts.URL, "/sessions", page, url.Values{"target": {"0"}})
	if err != nil {
		b.Fatal(err)
	}
	base, _ := url.Parse(ts.URL)
	var cookies []string
	for _, ck := range c.Jar.Cookies(base) {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}
	d := websocket.Dialer{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, Subprotocols: []string{"psgate.v1"}}
	wsURL := "wss://" + base.Host + loc + "/ws?csrf=" + url.QueryEscape(csrfRe.FindStringSubmatch(page)[1])
	ws, _, err := d.Dial(wsURL, http.Header{"Cookie": {strings.Join(cookies, "; ")}, "Origin": {ts.URL}})
	if err != nil {
		b.Fatalf("websocket %s: %v", wsURL, err)
	}
	b.Cleanup(func() { _ = ws.Close() })
	type frame struct {
		Type   string `json:"type"`
		Stream string `json:"stream"`
		Data   string `json:"data"`
		Prompt string `json:"prompt"`
	}
	// Each message is read whole into one reused buffer and then decoded
	// (and so validated) by encoding/json, as a browser hands each message to
	// JSON.parse; ws.ReadJSON would allocate a json.Decoder whose buffer
	// grows by doubling for every message (~4× a large message in garbage).
	var msg bytes.Buffer
	readFrame := func(f *frame) error {
		kind, r, err := ws.NextReader()
		if err != nil {
			return err
		}
		if kind != websocket.TextMessage {
			return fmt.Errorf("message type %d, want text", kind)
		}
		msg.Reset()
		if _, err := msg.ReadFrom(r); err != nil {
			return err
		}
		return json.Unmarshal(msg.Bytes(), f)
	}
	var hello frame
	if err := readFrame(&hello); err != nil || hello.Type != "hello" || hello.Prompt == "" {
		b.Fatalf("websocket: first frame %+v (%v), want hello with a prompt", hello, err)
	}
	attached := true // a prompt may follow hello before any output
	gatewayRun := func(cmd string) (string, error) {
		input, _ := json.Marshal(map[string]string{"type": "input", "data": cmd})
		if err := ws.WriteMessage(websocket.TextMessage, input); err != nil {
			return "", err
		}
		out.Reset()
		for {
			var f frame
			if err := readFrame(&f); err != nil {
				return "", fmt.Errorf("gateway: %w", err)
			}
			switch f.Type {
			case "output":
				if f.Stream == "stdout" {
					out.WriteString(f.Data)
				}
			case "prompt":
				if attached && out.Len() == 0 {
					attached = false
					continue
				}
				attached = false
				return out.String(), nil
			case "closed", "error":
				return "", fmt.Errorf("gateway: %+v", f)
			}
		}
	}
	if got, err := gatewayRun("Write-Output warm"); err != nil || got != "warm\r\n" {
		b.Fatalf("gateway warm-up: %q, %v", got, err)
	}
	return consolePaths{direct: directRun, gateway: gatewayRun}
}

// BenchmarkKeystrokeRoundTrip: one command line typed in the browser
// (`Write-Output x`) until its output and the next prompt are back, through
// the whole gateway, against the same command through the WinRS backend used
// directly on the same simulator (consolePaths; `gateway/winrs`
// BenchmarkRoundTrip compares the backend with masterzen). Each iteration
// does one of each, interleaved, so both see the same load; every round trip
// is timed and the p50/p99 of each path reported, with the gateway's added
// p50 (gateway p50 − direct p50).
func BenchmarkKeystrokeRoundTrip(b *testing.B) {
	const line, want = "Write-Output x", "x\r\n"
	p := newConsolePaths(b)
	var directT, gatewayT []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if got, err := p.direct(line); err != nil || got != want {
			b.Fatalf("direct: %q, %v", got, err)
		}
		t1 := time.Now()
		if got, err := p.gateway(line); err != nil || got != want {
			b.Fatalf("gateway: %q, %v", got, err)
		}
		directT, gatewayT = append(directT, t1.Sub(t0)), append(gatewayT, time.Since(t1))
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	dp50, dp99 := percentiles(directT)
	gp50, gp99 := percentiles(gatewayT)
	b.ReportMetric(ms(dp50), "direct-p50-ms")
	b.ReportMetric(ms(dp99), "direct-p99-ms")
	b.ReportMetric(ms(gp50), "p50-ms")
	b.ReportMetric(ms(gp99), "p99-ms")
	b.ReportMetric(ms(gp50-dp50), "added-p50-ms")
}

// BenchmarkConsoleThroughput: 1 MiB of output (the simulator's Get-Flood,
// numbered lines) through the whole gateway to the websocket client, against
// the WinRS backend used directly, interleaved as above; MB/s of each (bytes
// as the simulator wrote them, LF) and the ratio gateway/direct.
func BenchmarkConsoleThroughput(b *testing.B) {
	const n = 1 << 20
	cmd := fmt.Sprintf("Get-Flood -Bytes %d", n)
	p := newConsolePaths(b)
	var directD, gatewayD time.Duration
	for b.Loop() {
		t0 := time.Now()
		got, err := p.direct(cmd)
		if err != nil || len(got)-strings.Count(got, "\r\n") != n {
			b.Fatalf("direct: %d bytes, %v", len(got), err)
		}
		t1 := time.Now()
		got, err = p.gateway(cmd)
		if err != nil || len(got)-strings.Count(got, "\r\n") != n {
			b.Fatalf("gateway: %d bytes, %v", len(got), err)
		}
		directD, gatewayD = directD+t1.Sub(t0), gatewayD+time.Since(t1)
	}
	mbs := func(d time.Duration) float64 { return float64(b.N) * n / 1e6 / d.Seconds() }
	b.ReportMetric(mbs(directD), "direct-MB/s")
	b.ReportMetric(mbs(gatewayD), "MB/s")
	b.ReportMetric(mbs(gatewayD)/mbs(directD), "gateway/direct")
}

// percentiles returns the p50 and p99 of ds (sorted in place).
func percentiles(ds []time.Duration) (p50, p99 time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	slices.Sort(ds)
	return ds[len(ds)/2], ds[min(len(ds)-1, len(ds)*99/100)]
}
