package e2e

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/psgate/psgate/gateway/console"
	"github.com/psgate/psgate/internal/testenv"
	"github.com/psgate/psgate/internal/testenv/browser"
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

// TestConsoleInBrowser drives console.js in Chromium against the real
// websocket bridge and session manager, with a fake shell behind them. The
// page is served with the gateway's CSP (no inline script or style).
func TestConsoleInBrowser(t *testing.T) {
	testenv.Chromium(t) // skip before building the server
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
	// Each socket's sign-in "ends" when the test closes its channel; it
	// then counts as expired (gone from the store), not signed out here.
	var endMu sync.Mutex
	var ends []chan struct{}
	ws, err := console.NewHandler(console.Config{
		SignInEnded: func(*http.Request) (<-chan struct{}, func() bool, func()) {
			c := make(chan struct{})
			endMu.Lock()
			ends = append(ends, c)
			endMu.Unlock()
			return c, func() bool { return true }, func() {}
		},
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

	o := browser.Options{Base: srv.URL, Timeout: 60 * time.Second, Wait: 10 * time.Second,
		Describe: func() string { return fmt.Sprintf("shell inputs: %q", sh.inputs()) }}
	if *screenshot {
		o.ScreenshotDirs = []string{filepath.Join("..", "..", "docs", "screenshots")}
	}
	b := browser.New(t, o)
	tab := b.Tab("console")

	tab.Navigate("/console/" + s.ID())
	tab.WaitJS("first prompt", `window.psgateConsole && psgateConsole.state.editing`)
	if title := tab.EvalString(`document.title`); title != "srv01.corp.example - psgate" {
		t.Errorf("title %q", title)
	}

	tab.TypeLine("Write-Output hello")
	tab.WaitJS("output", `document.getElementById('transcript').textContent.includes('hello\n'+`+browser.JSString(prompt)+`)`)

	// Line editing: Left, Home, End, Ctrl+Left and history.
	tab.Type("Write-Output bc")
	tab.Press(browser.Left, browser.Left)
	tab.Type("a")
	tab.Press(browser.End)
	tab.Type("d")
	tab.Press(browser.Home, browser.Delete)
	tab.Type("W")
	tab.Press(browser.End, browser.CtrlLeft)
	tab.Type("x")
	tab.Press(browser.Enter)
	tab.WaitJS("edited output", `document.getElementById('transcript').textContent.includes('\nxabcd\n')`)
	tab.WaitJS("idle", `psgateConsole.state.editing && !psgateConsole.state.busy`)
	tab.Press(browser.Up, browser.Enter)
	tab.WaitJS("history output", `document.getElementById('transcript').textContent.split('xabcd\n').length === 5`)

	// A multi-line paste is one input block.
	tab.Run("paste", chromedp.Evaluate(`psgateConsole.term.paste("Write-Output p1\nWrite-Output p2\n"); true`, nil))
	tab.WaitJS("paste output", `document.getElementById('transcript').textContent.includes('p1\nWrite-Output p2\n'+`+browser.JSString(prompt)+`)`)
	tab.WaitJS("idle after paste", `psgateConsole.state.editing && !psgateConsole.state.busy`)

	// Read-Host: while the command runs, Enter sends the typed line.
	tab.TypeLine("Read-Host Name")
	tab.WaitJS("read-host prompt", `document.getElementById('transcript').textContent.endsWith('Name: ')`)
	tab.TypeLine("Bob")
	tab.WaitJS("read-host answer", `document.getElementById('transcript').textContent.includes('Name: Bob\nHello, Bob\n')`)
	tab.WaitJS("idle after read-host", `psgateConsole.state.editing && !psgateConsole.state.busy`)

	// A running command: Cancel via Ctrl+C.
	tab.TypeLine("Start-Sleep 60")
	tab.WaitJS("busy", `psgateConsole.state.busy && !document.getElementById('btn-cancel').disabled`)
	tab.Press(browser.CtrlC)
	tab.WaitJS("interrupted", `!psgateConsole.state.busy && psgateConsole.state.editing`)

	// stderr, then a socket drop: output produced while away is replayed.
	tab.TypeLine("Write-Error boom")
	tab.WaitJS("stderr", `document.getElementById('transcript').textContent.includes('\nboom\n')`)
	tab.WaitJS("idle after stderr", `psgateConsole.state.editing && !psgateConsole.state.busy`)
	tab.Run("drop socket", chromedp.Evaluate(`psgateConsole.socket().close(); true`, nil))
	tab.WaitJS("reconnect banner", `!!document.querySelector('.banner-warning button')`)
	waitForState(t, s, session.State("disconnected"))
	sh.emit(session.Event{Kind: session.EventOutput, Stream: "stdout", Text: "while away\r\n"})
	tab.Run("reconnect", chromedp.Click(`.banner-warning button`, chromedp.ByQuery))
	tab.WaitJS("replayed", `document.getElementById('transcript').textContent.includes('while away\n')`)

	// An admin message: OK acknowledges it.
	got := make(chan []session.Delivery, 1)
	go func() {
		mctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		d, _ := m.Message(mctx, session.MessageRequest{To: s.ID(), From: "admin", Text: "Maintenance at 18:00", Wait: true})
		got <- d
	}()
	tab.WaitJS("message banner", `!!document.querySelector('.banner-info button')`)
	if *screenshot {
		tab.Shot("console", "#console")
	}
	tab.Run("ack", chromedp.Click(`.banner-info button`, chromedp.ByQuery))
	if d := <-got; len(d) != 1 || d[0].Status != session.Acked {
		t.Errorf("message deliveries %+v, want one acked", d)
	}

	want := []string{"Write-Output hello", "Write-Output xabcd", "Write-Output xabcd", "Write-Output p1\nWrite-Output p2", "Read-Host Name", "Bob", "Start-Sleep 60", "Write-Error boom"}
	if d := cmp.Diff(want, sh.inputs()); d != "" {
		t.Errorf("shell inputs (-want +got):\n%s", d)
	}
	if !strings.Contains(tab.EvalString(`document.getElementById('transcript').textContent`), prompt) {
		t.Error("transcript has no prompt")
	}

	// The idle warning counts down; Stay signed in sends keepalive.
	tab.Run("spy on send", chromedp.Evaluate(`(function () { var s = psgateConsole.socket(); var o = s.send.bind(s); window.__sent = []; s.send = function (d) { window.__sent.push(d); o(d); }; return true; })()`, nil))
	tab.Run("idle warning", chromedp.Evaluate(`psgateConsole.frame({type: 'idle_warning', seconds: 90}); true`, nil))
	tab.WaitJS("idle banner", `(document.querySelector('.banner-warning .banner-text') || {}).textContent === 'Your session will end in 1 min 30 s because of inactivity.'`)
	tab.Run("stay signed in", chromedp.Click(`.banner-warning button`, chromedp.ByQuery))
	tab.WaitJS("keepalive sent", `window.__sent.indexOf('{"type":"keepalive"}') >= 0 && !document.querySelector('.banner-warning')`)

	// A second tab whose sign-in expired (Redis restarted empty): close
	// 4402, and the page says the session still runs.
	tab2 := b.Tab("console 2")
	tab2.Navigate("/console/" + s.ID())
	tab2.WaitJS("second tab", `window.psgateConsole && psgateConsole.state.connected && psgateConsole.state.editing`)
	endMu.Lock()
	close(ends[len(ends)-1])
	endMu.Unlock()
	tab2.WaitJS("sign-in expired banner", `psgateConsole.state.closed && document.getElementById('console-status').textContent === 'Sign-in expired' && (document.querySelector('.banner-warning .banner-text') || {}).textContent === 'Your sign-in expired. Sign in again to reconnect — your session is still running.' && !!document.querySelector('.banner-warning a[href="/"]')`)
	tab2.Close()

	tab.Run("exit", chromedp.Click(`#btn-exit`, chromedp.ByID))
	select {
	case <-s.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("Exit did not end the session")
	}
	tab.WaitJS("closed banner", `psgateConsole.state.closed && !!document.querySelector('.banner a[href="/portal"]')`)
}

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
