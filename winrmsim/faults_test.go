package winrmsim_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/masterzen/winrm"
	"github.com/masterzen/winrm/soap"

	"github.com/psgate/psgate/internal/testenv"
	"github.com/psgate/psgate/winrmsim"
)

func TestFaultInjection(t *testing.T) {
	before := runtime.NumGoroutine()
	tests := []struct {
		name   string
		faults winrmsim.Faults
		want   string
	}{
		// masterzen surfaces a WS-Man fault as "unsupported action: …/fault",
		// as it does against Windows; the fault bodies are checked below.
		{"quota", winrmsim.Faults{QuotaFault: true}, "wsman/fault"},
		{"reject credentials", winrmsim.Faults{RejectCredentials: true}, "EOF|401"}, // 401 empty body
		{"drop", winrmsim.Faults{DropEvery: 1}, "EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := winrmsim.NewServer(winrmsim.Config{Users: map[string]string{"alice": "pw"}, Faults: tt.faults})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			c := masterzenClient(t, s, "alice", "pw")
			_, err = c.RunWithContext(context.Background(), "cmd /c echo hi", &bytes.Buffer{}, &bytes.Buffer{})
			if err == nil || !regexp.MustCompile(tt.want).MatchString(err.Error()) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if s.OpenShells() != 0 {
				t.Fatalf("shells open: %d", s.OpenShells())
			}
		})
	}
	waitGoroutines(t, before)
}

func TestUnknownShellFault(t *testing.T) {
	s := newSim(t)
	c := masterzenClient(t, s, "alice", "S3cret!")
	sh, err := c.CreateShell()
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = sh.ExecuteWithContext(context.Background(), "cmd /c echo hi")
	if got := faultCodeOf(err); got != "2150858843" {
		t.Fatalf("command on deleted shell: fault %q (%v)", got, err)
	}
}

// TestMaxOperations checks MaxConcurrentOperationsPerUser as Windows counts
// it for a cmd shell: the shell plus every Command started in it, a
// terminate Signal giving nothing back (MS-WSMV <118>), Delete giving all back.
func TestMaxOperations(t *testing.T) {
	done := leakCheck(t)
	s := startSim(t, winrmsim.Config{Users: map[string]string{"alice": "pw", "bob": "pw"}, MaxOperationsPerUser: 3})
	alice, bob := newWSMan(t, s, "alice"), newWSMan(t, s, "bob")
	a := alice.create("")
	c1 := alice.command(a, "cmd /c echo one")
	if st, body := alice.post(winrm.NewSignalRequest(alice.url, a, c1, alice.params)); st != 200 {
		t.Fatalf("terminate: %d %.300s", st, body)
	}
	if n := s.Operations("alice"); n != 2 {
		t.Fatalf("operations after a terminated command = %d, want 2 (terminate gives nothing back)", n)
	}
	alice.command(a, "cmd /c echo two")
	st, body := alice.post(winrm.NewExecuteCommandRequest(alice.url, a, "cmd /c echo three", nil, alice.params))
	checkFault(t, st, body, "2150859174", "s:Receiver", "w:InternalError",
		"This user is allowed a maximum number of 3 concurrent operations, which has been exceeded.")
	st, body = alice.post(winrm.NewOpenShellRequest(alice.url, alice.params))
	checkFault(t, st, body, "2150859174", "s:Receiver", "w:InternalError", "maximum number of 3 concurrent operations")
	if n := s.OpenShells(); n != 1 {
		t.Fatalf("open shells = %d after refused Create", n)
	}
	bob.command(bob.create(""), "cmd /c echo bob") // the quota is per user
	if st, body := alice.post(winrm.NewDeleteShellRequest(alice.url, a, alice.params)); st != 200 {
		t.Fatalf("delete: %d %.300s", st, body)
	}
	if n := s.Operations("alice"); n != 0 {
		t.Fatalf("operations after Delete = %d", n)
	}
	alice.command(alice.create(""), "cmd /c echo again")
	alice.close()
	bob.close()
	s.Close()
	done()
}

func TestMaxShellsBeforeMaxOperations(t *testing.T) {
	done := leakCheck(t)
	s := startSim(t, winrmsim.Config{Users: map[string]string{"alice": "pw"}, MaxShellsPerUser: 1, MaxOperationsPerUser: 1})
	w := newWSMan(t, s, "alice")
	w.create("")
	st, body := w.post(winrm.NewOpenShellRequest(w.url, w.params))
	checkFault(t, st, body, "2150859173", "s:Receiver", "w:InternalError",
		"This user is allowed a maximum number of 1 concurrent shells, which has been exceeded.")
	w.close()
	s.Close()
	done()
}

// TestIdleTimeOut drives idle expiry with a fake clock: the Create's
// rsp:IdleTimeOut (echoed as Windows does, PT60.000S) or the Config
// default, reset by every request, then the shell deleted with its process.
func TestIdleTimeOut(t *testing.T) {
	done := leakCheck(t)
	clock := newFakeClock()
	s := startSim(t, winrmsim.Config{Users: map[string]string{"alice": "pw"}, Clock: clock})
	w := newWSMan(t, s, "alice")
	long := w.create("")
	if !strings.Contains(w.last, "<rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut>") {
		t.Fatalf("default IdleTimeOut not echoed: %.600s", w.last)
	}
	short := w.create("PT60S")
	if !strings.Contains(w.last, "<rsp:IdleTimeOut>PT60.000S</rsp:IdleTimeOut>") {
		t.Fatalf("requested IdleTimeOut not echoed: %.600s", w.last)
	}
	cmd := w.command(short, "powershell.exe -NoLogo -Command -")
	if n := s.RunningProcesses(); n != 1 {
		t.Fatalf("running processes = %d", n)
	}
	clock.Advance(59 * time.Second)
	if st, body := w.post(winrm.NewSendInputRequest(w.url, short, cmd, []byte("$x = 1\r\n"), false, w.params)); st != 200 {
		t.Fatalf("send: %d %.300s", st, body)
	}
	clock.Advance(59 * time.Second) // 118 s since Create, 59 s since the Send
	if n := s.OpenShells(); n != 2 {
		t.Fatalf("open shells = %d: a request did not reset the idle clock", n)
	}
	clock.Advance(2 * time.Second)
	if n := s.OpenShells(); n != 1 {
		t.Fatalf("open shells = %d, want the PT60S shell expired", n)
	}
	waitFor(t, "the expired shell's process to end", func() bool { return s.RunningProcesses() == 0 })
	st, body := w.post(winrm.NewGetOutputRequest(w.url, short, cmd, "stdout stderr", w.params))
	checkFault(t, st, body, "2150858843", "s:Sender", "w:InvalidSelectors",
		"The request for the Windows Remote Shell with ShellId "+short+" failed because the shell was not found on the server.")
	clock.Advance(7200 * time.Second)
	if n := s.OpenShells(); n != 0 {
		t.Fatalf("open shells = %d after the default IdleTimeOut", n)
	}
	st, body = w.post(winrm.NewDeleteShellRequest(w.url, long, w.params))
	checkFault(t, st, body, "2150858843", "s:Sender", "w:InvalidSelectors", long)
	w.close()
	s.Close()
	done()
}

// TestIdleTimeOutSystemClock: the real clock, a short Config.IdleTimeout
// (masterzen sends no rsp:IdleTimeOut), waiting for the event.
func TestIdleTimeOutSystemClock(t *testing.T) {
	done := leakCheck(t)
	s := startSim(t, winrmsim.Config{Users: map[string]string{"alice": "pw"}, IdleTimeout: 50 * time.Millisecond})
	c := masterzenClient(t, s, "alice", "pw")
	sh, err := c.CreateShell()
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the idle shell to expire", func() bool { return s.OpenShells() == 0 })
	_, err = sh.ExecuteWithContext(context.Background(), "cmd /c echo hi")
	if got := faultCodeOf(err); got != "2150858843" {
		t.Fatalf("command on expired shell: fault %q (%v)", got, err)
	}
	s.Close()
	done()
}

// TestExpireShellsOnDemand: a Receive waiting on the shell gets the
// unknown-shell fault, the process is killed, the operations are given back.
func TestExpireShellsOnDemand(t *testing.T) {
	done := leakCheck(t)
	s := startSim(t, winrmsim.Config{Users: map[string]string{"alice": "pw"}})
	w := newWSMan(t, s, "alice")
	id := w.create("")
	cmd := w.command(id, "powershell.exe -NoLogo -Command -")
	type reply struct {
		status int
		body   string
	}
	got := make(chan reply, 1)
	go func() {
		st, body := w.post(winrm.NewGetOutputRequest(w.url, id, cmd, "stdout stderr", w.params)) // PT60S long-poll
		got <- reply{st, body}
	}()
	time.Sleep(50 * time.Millisecond) // let the Receive arrive (either way its answer is the same fault)
	if n := s.ExpireShells(); n != 1 {
		t.Fatalf("ExpireShells = %d", n)
	}
	select {
	case r := <-got:
		checkFault(t, r.status, r.body, "2150858843", "s:Sender", "w:InvalidSelectors", id)
	case <-time.After(20 * time.Second):
		t.Fatal("pending Receive not answered after ExpireShells")
	}
	waitFor(t, "the process to end", func() bool { return s.RunningProcesses() == 0 })
	if n := s.Operations("alice"); n != 0 {
		t.Fatalf("operations = %d after expiry", n)
	}
	w.close()
	s.Close()
	done()
}

func TestExpireShellsAfterRequests(t *testing.T) {
	done := leakCheck(t)
	s := startSim(t, winrmsim.Config{Users: map[string]string{"alice": "pw"}, Faults: winrmsim.Faults{ExpireShells: 3}})
	w := newWSMan(t, s, "alice")
	id := w.create("")
	cmd := w.command(id, "powershell.exe -NoLogo -Command -") // 1
	for i, m := range []*soap.SoapMessage{
		winrm.NewSendInputRequest(w.url, id, cmd, []byte("$a = 1\r\n"), false, w.params), // 2
		winrm.NewSendInputRequest(w.url, id, cmd, []byte("$b = 2\r\n"), false, w.params), // 3: the last one served
	} {
		if st, body := w.post(m); st != 200 {
			t.Fatalf("request %d: %d %.300s", i+2, st, body)
		}
	}
	st, body := w.post(winrm.NewDeleteShellRequest(w.url, id, w.params))
	checkFault(t, st, body, "2150858843", "s:Sender", "w:InvalidSelectors", id)
	waitFor(t, "the process to end", func() bool { return s.RunningProcesses() == 0 && s.OpenShells() == 0 })
	w.close()
	s.Close()
	done()
}

const slowText = "slow: こんにちは ü 😀 0123456789 ÀÉÎÕÜ — end"

// TestSlowOutputPieces: every Receive reply carries at most ChunkBytes of
// output (UTF-8 characters split across replies), and the pieces join up.
func TestSlowOutputPieces(t *testing.T) {
	done := leakCheck(t)
	const chunk = 5
	s := startSim(t, winrmsim.Config{Users: map[string]string{"alice": "pw"},
		Faults: winrmsim.Faults{SlowOutput: winrmsim.SlowOutput{ChunkBytes: chunk, Every: time.Millisecond}}})
	w := newWSMan(t, s, "alice")
	id := w.create("")
	cmd := w.command(id, "cmd /c echo "+slowText)
	var out []byte
	replies := 0
	for end := false; !end; {
		st, body := w.post(winrm.NewGetOutputRequest(w.url, id, cmd, "stdout stderr", w.params))
		if st != 200 {
			t.Fatalf("receive: %d %.300s", st, body)
		}
		replies++
		for _, m := range streamRE.FindAllStringSubmatch(body, -1) {
			b, err := base64.StdEncoding.DecodeString(m[1])
			if err != nil || len(b) > chunk {
				t.Fatalf("stream of %d bytes (max %d), err %v", len(b), chunk, err)
			}
			out = append(out, b...)
		}
		end = strings.Contains(body, "CommandState/Done")
	}
	if want := slowText + "\r\n"; string(out) != want {
		t.Fatalf("output %q, want %q", out, want)
	}
	if least := len(slowText) / chunk; replies < least {
		t.Fatalf("%d replies, want at least %d", replies, least)
	}
	w.close()
	s.Close()
	done()
}

var streamRE = regexp.MustCompile(`<rsp:Stream Name="stdout" CommandId="[^"]*">([^<]+)</rsp:Stream>`)

// TestSlowOutputMasterzen: masterzen reassembles the trickle intact.
func TestSlowOutputMasterzen(t *testing.T) {
	done := leakCheck(t)
	log := &testenv.Buffer{}
	s := startSim(t, winrmsim.Config{Users: map[string]string{"alice": "pw"}, Logger: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Faults: winrmsim.Faults{SlowOutput: winrmsim.SlowOutput{ChunkBytes: 3, Every: time.Millisecond}}})
	c := masterzenClient(t, s, "alice", "pw")
	var out, errb bytes.Buffer
	code, err := c.RunWithContext(context.Background(), "cmd /c echo "+slowText, &out, &errb)
	if err != nil || code != 0 || out.String() != slowText+"\r\n" {
		t.Fatalf("%q %q %d %v", out.String(), errb.String(), code, err)
	}
	if n, least := strings.Count(log.String(), "action=Receive status=200"), len(slowText)/3; n < least {
		t.Fatalf("%d Receive replies, want at least %d", n, least)
	}
	s.Close()
	done()
}

// TestOperationTimeoutRetried: a command quiet for longer than the
// OperationTimeout gets TimedOut faults (2150858793), which masterzen
// retries; the output then arrives.
func TestOperationTimeoutRetried(t *testing.T) {
	done := leakCheck(t)
	log := &testenv.Buffer{}
	s := startSim(t, winrmsim.Config{Users: map[string]string{"alice": "pw"}, Logger: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Faults: winrmsim.Faults{Latency: 5 * time.Millisecond}})
	params := *winrm.DefaultParameters
	params.Timeout = "PT0.3S"
	ep := winrm.NewEndpoint(s.Host(), s.Port(), false, false, nil, nil, nil, 10*time.Second)
	c, err := winrm.NewClientWithParameters(ep, "alice", "pw", &params)
	if err != nil {
		t.Fatal(err)
	}
	out, _, code, err := c.RunWithContextWithString(context.Background(), "powershell.exe -NoLogo -Command -",
		"Start-Sleep -m 1200\r\nWrite-Output 'after the wait'\r\n")
	if err != nil || code != 0 || !strings.Contains(out, "after the wait") {
		t.Fatalf("%q %d %v", out, code, err)
	}
	if !strings.Contains(log.String(), "action=Receive status=500") {
		t.Fatalf("no TimedOut fault was sent:\n%s", log.String())
	}
	s.Close()
	done()
}

func TestTimedOutFaultShape(t *testing.T) {
	done := leakCheck(t)
	s := startSim(t, winrmsim.Config{Users: map[string]string{"alice": "pw"}})
	w := newWSMan(t, s, "alice")
	w.params.Timeout = "PT0.2S"
	id := w.create("")
	cmd := w.command(id, "powershell.exe -NoLogo -Command -")
	st, body := w.post(winrm.NewGetOutputRequest(w.url, id, cmd, "stdout stderr", w.params))
	checkFault(t, st, body, "2150858793", "s:Receiver", "w:TimedOut",
		"The WS-Management service cannot complete the operation within the time specified in OperationTimeout.")
	w.close()
	s.Close()
	done()
}

// --- helpers ---

func startSim(t *testing.T, cfg winrmsim.Config) *winrmsim.Server {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := winrmsim.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// wsman posts masterzen-built envelopes with Basic auth on its own
// transport, so a test sees every status and body and can close its
// idle connections.
type wsman struct {
	t      *testing.T
	url    string
	user   string
	params *winrm.Parameters
	tr     *http.Transport
	last   string // the last reply body
}

func newWSMan(t *testing.T, s *winrmsim.Server, user string) *wsman {
	p := *winrm.DefaultParameters
	return &wsman{t: t, url: s.URL(), user: user, params: &p, tr: &http.Transport{}}
}

func (w *wsman) post(m *soap.SoapMessage) (int, string) { return w.postString(m.String()) }

func (w *wsman) postString(body string) (int, string) {
	req, err := http.NewRequest(http.MethodPost, w.url, strings.NewReader(body))
	if err != nil {
		w.t.Error(err)
		return 0, ""
	}
	req.SetBasicAuth(w.user, "pw")
	req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
	resp, err := (&http.Client{Transport: w.tr, Timeout: time.Minute}).Do(req)
	if err != nil {
		w.t.Error(err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	w.last = string(b)
	return resp.StatusCode, string(b)
}

// create opens a shell, asking for idle (an xs:duration) when not empty.
func (w *wsman) create(idle string) string {
	w.t.Helper()
	body := winrm.NewOpenShellRequest(w.url, w.params).String()
	if idle != "" {
		const tag = "<rsp:OutputStreams>stdout stderr</rsp:OutputStreams>"
		if !strings.Contains(body, tag) {
			w.t.Fatalf("no %s in %s", tag, body)
		}
		body = strings.Replace(body, tag, tag+"<rsp:IdleTimeOut>"+idle+"</rsp:IdleTimeOut>", 1)
	}
	st, reply := w.postString(body)
	id, err := winrm.ParseOpenShellResponse(reply)
	if st != 200 || err != nil || id == "" {
		w.t.Fatalf("create: %d %v %.300s", st, err, reply)
	}
	return id
}

func (w *wsman) command(shellID, cmd string) string {
	w.t.Helper()
	st, reply := w.post(winrm.NewExecuteCommandRequest(w.url, shellID, cmd, nil, w.params))
	id, err := winrm.ParseExecuteCommandResponse(reply)
	if st != 200 || err != nil {
		w.t.Fatalf("command %q: %d %v %.300s", cmd, st, err, reply)
	}
	return id
}

func (w *wsman) close() { w.tr.CloseIdleConnections() }

var faultCodeRE = regexp.MustCompile(`WSManFault[^>]* Code="(\d+)"`)

// checkFault checks a fault reply's status, codes and reason text.
func checkFault(t *testing.T, status int, body, code, value, subcode, text string) {
	t.Helper()
	m := faultCodeRE.FindStringSubmatch(body)
	if status != 500 || m == nil || m[1] != code {
		t.Fatalf("got %d %.400s, want 500 with WSManFault %s", status, body, code)
	}
	for _, want := range []string{"<a:Action>http://schemas.dmtf.org/wbem/wsman/1/wsman/fault</a:Action>",
		"<s:Code><s:Value>" + value + "</s:Value><s:Subcode><s:Value>" + subcode + "</s:Value>", text} {
		if !strings.Contains(body, want) {
			t.Fatalf("fault %s lacks %q:\n%s", code, want, body)
		}
	}
}

// faultCodeOf is the WSManFault code in a masterzen error ("" if none):
// masterzen keeps a fault reply's body in ExecuteCommandError.
func faultCodeOf(err error) string {
	var e *winrm.ExecuteCommandError
	if !errors.As(err, &e) {
		return ""
	}
	if m := faultCodeRE.FindStringSubmatch(e.Body); m != nil {
		return m[1]
	}
	return ""
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// leakCheck counts goroutines now; the returned func waits (settle loop)
// for the count to come back, after the caller closed the server and its
// clients' idle connections, and fails with every stack on a leak.
func leakCheck(t *testing.T) func() {
	t.Helper()
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	base := runtime.NumGoroutine()
	return func() {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for runtime.NumGoroutine() > base {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				t.Fatalf("goroutine leak: %d, was %d\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// fakeClock is a winrmsim.Clock that only moves on Advance, which runs
// the timers that fall due before it returns.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Duration
	next   int
	timers map[int]fakeTimer
}

type fakeTimer struct {
	at time.Duration
	f  func()
}

func newFakeClock() *fakeClock { return &fakeClock{timers: map[int]fakeTimer{}} }

func (c *fakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := c.next
	c.next++
	c.timers[id] = fakeTimer{c.now + d, f}
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		_, ok := c.timers[id]
		delete(c.timers, id)
		return ok
	}
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now += d
	var due []func()
	for id, tm := range c.timers {
		if tm.at <= c.now {
			due = append(due, tm.f)
			delete(c.timers, id)
		}
	}
	c.mu.Unlock()
	for _, f := range due {
		f()
	}
}
