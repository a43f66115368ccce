package main

import (
	"log"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/psgate/psgate/internal/testenv"
	"github.com/psgate/psgate/internal/testenv/browser"
)

// unavailablePage is the condition of the styled "sign-in is unavailable"
// page (gateway.MessageStoreUnavailable) in a tab.
const unavailablePage = `document.readyState === 'complete' && (document.querySelector('h1') || {}).textContent === 'Sign-in is unavailable' && document.body.innerText.includes('Try again shortly.') && !!document.querySelector('link[href="/static/app.css"]')`

// TestBrowserRedisOutage: with the sign-in store's Redis frozen (SIGSTOP)
// and then stopped, a signed-in browser gets the styled 503 page, not a
// 500 with a page under it; a sign-in attempt is answered 503 and is not
// audited as a sign-in (4099); the gateway recovers when Redis answers
// again, and a Redis restarted empty sends the browser to the sign-in form.
func TestBrowserRedisOutage(t *testing.T) {
	testenv.Chromium(t)
	// scs's default error handler wrote "commit sign-in session: dial tcp …"
	// on the standard logger: nothing may go there any more (all is slog).
	var stdlog testenv.Buffer
	log.SetOutput(&stdlog)
	t.Cleanup(func() { log.SetOutput(os.Stderr) })
	r := startPrivateRedis(t)
	base, auditFile := serveOnRedis(t, r)
	o := browser.Options{Base: base, Timeout: 2 * time.Minute, Wait: 20 * time.Second}
	if *updateScreenshots {
		o.ScreenshotDirs = []string{filepath.Join("..", "..", "docs", "screenshots")}
	}
	b := browser.New(t, o)
	a := b.Tab("carol")
	a.Navigate("/")
	a.WaitJS("sign-in form", `!!document.querySelector('form[action="/login"] #password')`)
	tabSignIn(a, "carol", "carol-password")
	a.WaitJS("portal", `document.readyState === 'complete' && location.pathname === '/portal' && document.body.innerText.includes('Signed in as carol')`)

	// Frozen: connections stay open and nothing answers; the store's
	// deadline turns that into the page (the wait is only a test timeout).
	r.signal(syscall.SIGSTOP)
	a.Navigate("/portal")
	a.WaitJS("unavailable page, Redis frozen", unavailablePage)
	a.Shot("signin-unavailable")
	wantSignInUnavailable(t, base, "frozen")
	r.signal(syscall.SIGCONT)
	a.ReloadUntil("portal after Redis thawed", `location.pathname === '/portal' && document.body.innerText.includes('Signed in as carol')`)

	// Stopped: refused connections, the same page.
	r.stop()
	a.Navigate("/portal")
	a.WaitJS("unavailable page, Redis stopped", unavailablePage)
	wantSignInUnavailable(t, base, "stopped")

	if stdlog.String() != "" {
		t.Errorf("lines on the standard logger (not slog) during the outage:\n%s", stdlog.String())
	}
	audit, err := os.ReadFile(auditFile)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(audit), `"event":4099`); n != 1 {
		t.Errorf("%d sign-in records (4099), want 1 (the browser's, before the outage):\n%s", n, audit)
	}

	// Restarted empty: the sign-in is gone, the browser signs in again.
	r.start()
	a.ReloadUntil("sign-in form after Redis restarted empty", `location.pathname === '/' && !!document.querySelector('form[action="/login"] #password')`)
	tabSignIn(a, "carol", "carol-password")
	a.WaitJS("portal after signing in again", `document.readyState === 'complete' && location.pathname === '/portal' && document.body.innerText.includes('Signed in as carol')`)
}

// wantSignInUnavailable signs in with the right password from a new client
// while the store is down: 503 and the unavailable page.
func wantSignInUnavailable(t *testing.T, base, state string) {
	t.Helper()
	c := demoClient(t)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	code, login := getPage(t, c, base+"/")
	if code != http.StatusOK {
		t.Fatalf("Redis %s: the sign-in form (it stores nothing) = %d", state, code)
	}
	resp, body := postForm(t, c, base, "/login", url.Values{"csrf": {csrfOf(t, login)}, "username": {"carol"}, "password": {"carol-password"}})
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "Sign-in is unavailable right now. Try again shortly.") ||
		strings.Contains(body, "Internal Server Error") || strings.Count(body, "<html") != 1 {
		t.Errorf("Redis %s: sign-in = %d %q, want 503 and only the unavailable page", state, resp.StatusCode, body)
	}
}
