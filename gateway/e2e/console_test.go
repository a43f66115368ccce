package e2e

import (
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/psgate/psgate/gateway/console"
	"github.com/psgate/psgate/session"
	"github.com/psgate/psgate/web"
)

var screenshot = flag.Bool("screenshot", false, "write docs/screenshots/console.png")

const prompt = `PS C:\Users\alice> `

// fakePS stands in for PowerShell: Write-Output echoes its argument,
// Write-Error writes stderr, Start-Sleep runs until interrupted.
type fakePS struct {
	mu         sync.Mutex
	emit       func(session.Event)
	sent       []string
	interrupts int
	reading    bool // Read-Host waits for a line
}

func (s *fakePS) Send(input string) error {
	s.mu.Lock()
	s.sent = append(s.sent, input)
	reading := s.reading
	s.reading = strings.HasPrefix(input, "Read-Host")
	s.mu.Unlock()
	switch {
	case reading:
		s.emit(session.Event{Kind: session.EventOutput, Stream: "stdout", Text: "Hello, " + input + "\r\n"})
	case strings.HasPrefix(input, "Read-Host"):
		s.emit(session.Event{Kind: session.EventOutput, Stream: "stdout", Text: "Name: "})
		return nil
	case strings.HasPrefix(input, "Start-Sleep"):
		return nil
	case strings.HasPrefix(input, "Write-Output "):
		s.emit(session.Event{Kind: session.EventOutput, Stream: "stdout", Text: strings.TrimPrefix(input, "Write-Output ") + "\r\n"})
	case strings.HasPrefix(input, "Write-Error "):
		s.emit(session.Event{Kind: session.EventOutput, Stream: "stderr", Text: strings.TrimPrefix(input, "Write-Error ") + "\r\n"})
		s.emit(session.Event{Kind: session.EventPrompt, Prompt: prompt})
		return nil
	}
	s.emit(session.Event{Kind: session.EventPrompt, Prompt: prompt, Success: true})
	return nil
}

func (s *fakePS) Interrupt(context.Context) error {
	s.mu.Lock()
	s.interrupts++
	s.mu.Unlock()
	s.emit(session.Event{Kind: session.EventPrompt, Prompt: prompt})
	return nil
}

func (s *fakePS) Close() error { return nil }

func (s *fakePS) inputs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.sent...)
}

// consolePage mirrors gateway.ConsolePage (the data console.html renders).
type consolePage struct {
	User, SessionID, SessionName, Target, WebSocketURL, CSRF string
}

func chromium(t *testing.T) string {
	p := os.Getenv("PSGATE_TEST_CHROMIUM")
	if p == "" {
		if os.Getenv("PSGATE_TEST_REQUIRE") == "1" {
			t.Fatal("PSGATE_TEST_CHROMIUM is not set")
		}
		t.Skip("PSGATE_TEST_CHROMIUM is not set")
	}
	return p
}

// TestConsoleInBrowser drives console.js in Chromium against the real
// websocket bridge and session manager, with a fake shell behind them. The
// page is served with the gateway's CSP (no inline script or style).
func TestConsoleInBrowser(t *testing.T) {
	exe := chromium(t)
	m, err := session.NewManager(session.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = m.Shutdown(ctx)
	}()
	var sh *fakePS
	s, err := m.Open(context.Background(), session.OpenRequest{User: "alice", Target: "srv01.corp.example"},
		func(_ context.Context, emit func(session.Event)) (session.Shell, error) {
			sh = &fakePS{emit: emit}
			emit(session.Event{Kind: session.EventPrompt, Prompt: prompt, Success: true})
			return sh, nil
		})
	if err != nil {
		t.Fatal(err)
	}

	pages, err := web.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	const csrf = "csrf-token-1"
	ws, err := console.NewHandler(console.Config{
		Sessions:  m,
		User:      func(*http.Request) (string, bool) { return "alice", true },
		CheckCSRF: func(_ *http.Request, tok string) bool { return tok == csrf },
		SessionID: func(r *http.Request) string { return r.PathValue("id") },
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /static/", web.Static())
	mux.Handle("GET /console/{id}/ws", ws)
	mux.HandleFunc("GET /console/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		id := r.PathValue("id")
		err := pages.Render(w, "console", consolePage{
			CSRF: csrf, User: "alice", SessionID: id, SessionName: s.Info().Name,
			Target: "srv01.corp.example", WebSocketURL: "/console/" + id + "/ws",
		})
		if err != nil {
			t.Errorf("render: %v", err)
		}
	})
	csp := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; font-src 'self'")
			h.ServeHTTP(w, r)
		})
	}
	srv := httptest.NewServer(csp(mux))
	defer srv.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU,
		chromedp.WindowSize(1100, 700))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancelC := chromedp.NewContext(actx)
	defer cancelC()
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()

	run := func(step string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	// waitJS polls a boolean expression.
	waitJS := func(step, expr string) {
		t.Helper()
		if err := chromedp.Run(ctx, chromedp.Poll(expr, nil, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			var dump string
			_ = chromedp.Run(ctx, chromedp.Evaluate(`JSON.stringify({t: document.getElementById('transcript').textContent, s: psgateConsole.state})`, &dump))
			t.Fatalf("%s: %v\npage: %s\nshell inputs: %q", step, err, dump, sh.inputs())
		}
	}
	transcript := func() string {
		t.Helper()
		var s string
		run("read transcript", chromedp.Evaluate(`document.getElementById('transcript').textContent`, &s))
		return s
	}
	// typeText inserts text as typed characters, press sends special keys.
	typeText := func(step, text string) {
		t.Helper()
		run(step, chromedp.Evaluate(`psgateConsole.term.focus()`, nil), input.InsertText(text))
	}
	press := func(step string, keys ...key) {
		t.Helper()
		var acts []chromedp.Action
		for _, k := range keys {
			acts = append(acts,
				input.DispatchKeyEvent(input.KeyDown).WithKey(k.key).WithCode(k.code).WithWindowsVirtualKeyCode(k.vk).WithNativeVirtualKeyCode(k.vk).WithModifiers(k.mods),
				input.DispatchKeyEvent(input.KeyUp).WithKey(k.key).WithCode(k.code).WithWindowsVirtualKeyCode(k.vk).WithNativeVirtualKeyCode(k.vk).WithModifiers(k.mods))
		}
		run(step, acts...)
	}
	typeLine := func(step, text string) {
		t.Helper()
		typeText(step, text)
		press(step, enter)
	}

	run("open console", chromedp.Navigate(srv.URL+"/console/"+s.ID()))
	waitJS("first prompt", `window.psgateConsole && psgateConsole.state.editing`)
	var title string
	run("title", chromedp.Title(&title))
	if title != "srv01.corp.example - psgate" {
		t.Errorf("title %q", title)
	}

	typeLine("type command", "Write-Output hello")
	waitJS("output", `document.getElementById('transcript').textContent.includes('hello\n'+`+jsString(prompt)+`)`)

	// Line editing: Left, Home, End, Ctrl+Left and history.
	typeText("edit", "Write-Output bc")
	press("left", left, left)
	typeText("a", "a")
	press("end", end)
	typeText("d", "d")
	press("home, delete", home, del)
	typeText("W", "W")
	press("ctrl+left", end, key{"ArrowLeft", "ArrowLeft", 37, 2})
	typeText("x", "x")
	press("enter", enter)
	waitJS("edited output", `document.getElementById('transcript').textContent.includes('\nxabcd\n')`)
	waitJS("idle", `psgateConsole.state.editing && !psgateConsole.state.busy`)
	press("history", up, enter)
	waitJS("history output", `document.getElementById('transcript').textContent.split('xabcd\n').length === 5`)

	// A multi-line paste is one input block.
	run("paste", chromedp.Evaluate(`psgateConsole.term.paste("Write-Output p1\nWrite-Output p2\n"); true`, nil))
	waitJS("paste output", `document.getElementById('transcript').textContent.includes('p1\nWrite-Output p2\n'+`+jsString(prompt)+`)`)
	waitJS("idle after paste", `psgateConsole.state.editing && !psgateConsole.state.busy`)

	// Read-Host: while the command runs, Enter sends the typed line.
	typeLine("read-host", "Read-Host Name")
	waitJS("read-host prompt", `document.getElementById('transcript').textContent.endsWith('Name: ')`)
	typeLine("answer", "Bob")
	waitJS("read-host answer", `document.getElementById('transcript').textContent.includes('Name: Bob\nHello, Bob\n')`)
	waitJS("idle after read-host", `psgateConsole.state.editing && !psgateConsole.state.busy`)

	// A running command: Cancel via Ctrl+C.
	typeLine("start sleep", "Start-Sleep 60")
	waitJS("busy", `psgateConsole.state.busy && !document.getElementById('btn-cancel').disabled`)
	press("ctrl+c", key{"c", "KeyC", 67, 2})
	waitJS("interrupted", `!psgateConsole.state.busy && psgateConsole.state.editing`)

	// stderr, then a socket drop: output produced while away is replayed.
	typeLine("stderr", "Write-Error boom")
	waitJS("stderr", `document.getElementById('transcript').textContent.includes('\nboom\n')`)
	waitJS("idle after stderr", `psgateConsole.state.editing && !psgateConsole.state.busy`)
	run("drop socket", chromedp.Evaluate(`psgateConsole.socket().close(); true`, nil))
	waitJS("reconnect banner", `!!document.querySelector('.banner-warning button')`)
	waitForState(t, s, session.State("disconnected"))
	sh.emit(session.Event{Kind: session.EventOutput, Stream: "stdout", Text: "while away\r\n"})
	run("reconnect", chromedp.Click(`.banner-warning button`, chromedp.ByQuery))
	waitJS("replayed", `document.getElementById('transcript').textContent.includes('while away\n')`)

	// An admin message: OK acknowledges it.
	got := make(chan []session.Delivery, 1)
	go func() {
		mctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		d, _ := m.Message(mctx, session.MessageRequest{To: s.ID(), From: "admin", Text: "Maintenance at 18:00", Wait: true})
		got <- d
	}()
	waitJS("message banner", `!!document.querySelector('.banner-info button')`)
	if *screenshot {
		var png []byte
		run("screenshot", chromedp.Screenshot("#console", &png, chromedp.ByID))
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "screenshots", "console.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run("ack", chromedp.Click(`.banner-info button`, chromedp.ByQuery))
	if d := <-got; len(d) != 1 || d[0].Status != session.Acked {
		t.Errorf("message deliveries %+v, want one acked", d)
	}

	want := []string{"Write-Output hello", "Write-Output xabcd", "Write-Output xabcd", "Write-Output p1\nWrite-Output p2", "Read-Host Name", "Bob", "Start-Sleep 60", "Write-Error boom"}
	if d := cmp.Diff(want, sh.inputs()); d != "" {
		t.Errorf("shell inputs (-want +got):\n%s", d)
	}
	if !strings.Contains(transcript(), prompt) {
		t.Error("transcript has no prompt")
	}

	// The idle warning counts down; Stay signed in sends keepalive.
	run("spy on send", chromedp.Evaluate(`(function () { var s = psgateConsole.socket(); var o = s.send.bind(s); window.__sent = []; s.send = function (d) { window.__sent.push(d); o(d); }; return true; })()`, nil))
	run("idle warning", chromedp.Evaluate(`psgateConsole.frame({type: 'idle_warning', seconds: 90}); true`, nil))
	waitJS("idle banner", `(document.querySelector('.banner-warning .banner-text') || {}).textContent === 'Your session will end in 1 min 30 s because of inactivity.'`)
	run("stay signed in", chromedp.Click(`.banner-warning button`, chromedp.ByQuery))
	waitJS("keepalive sent", `window.__sent.indexOf('{"type":"keepalive"}') >= 0 && !document.querySelector('.banner-warning')`)

	run("exit", chromedp.Click(`#btn-exit`, chromedp.ByID))
	select {
	case <-s.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("Exit did not end the session")
	}
	waitJS("closed banner", `psgateConsole.state.closed && !!document.querySelector('.banner a[href="/portal"]')`)
}

// key is a special key for Input.dispatchKeyEvent; mods 2 is Ctrl.
type key struct {
	key, code string
	vk        int64
	mods      input.Modifier
}

var (
	enter = key{"Enter", "Enter", 13, 0}
	left  = key{"ArrowLeft", "ArrowLeft", 37, 0}
	up    = key{"ArrowUp", "ArrowUp", 38, 0}
	home  = key{"Home", "Home", 36, 0}
	end   = key{"End", "End", 35, 0}
	del   = key{"Delete", "Delete", 46, 0}
)

func waitForState(t *testing.T, s *session.Session, want session.State) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.Info().State != want {
		if time.Now().After(deadline) {
			t.Fatalf("state %q, want %q", s.Info().State, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
