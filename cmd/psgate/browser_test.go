package main

import (
	"encoding/json"
	"flag"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/psgate/psgate/identity/local"
	"github.com/psgate/psgate/internal/testenv"
	"github.com/psgate/psgate/internal/testenv/browser"
	"github.com/psgate/psgate/session"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "also write the browser test's screenshots to docs/screenshots")

// Timings of the browser test's gateway: the idle warning shows after 4 s
// without input, the session ends after 12 s.
const (
	browserIdleTimeout = 12 * time.Second
	browserIdleWarning = 8 * time.Second
	browserCap         = 3
	browserWait        = 15 * time.Second // default wait for a page condition
)

// TestBrowserEndToEnd drives the assembled gateway (`psgate demo`: local
// users, rules, the WinRM simulator running the simulated PowerShell) with
// headless Chromium, the way a user does: every check reads the page.
func TestBrowserEndToEnd(t *testing.T) {
	testenv.Chromium(t) // skip before starting the demo

	const password = "browser-password-1"
	d := startDemoWith(t, demoOptions{password: password, sessions: func(c *session.Config) {
		c.IdleTimeout, c.IdleWarning, c.MaxPerUser = browserIdleTimeout, browserIdleWarning, browserCap
	}})
	o := browser.Options{Base: d.base, Timeout: 2 * time.Minute, Wait: browserWait}
	if *updateScreenshots {
		o.ScreenshotDirs = []string{filepath.Join("..", "..", "docs", "screenshots")}
	}
	b := browser.New(t, o)
	t.Logf("screenshots in %s", b.Artefacts())

	// 1. Sign-in: a wrong password is "Access denied"; the right one, the portal.
	a := b.Tab("tab A")
	a.Navigate("/")
	a.WaitJS("sign-in form", `!!document.querySelector('form[action="/login"] #password')`)
	if f := a.EvalString(`document.activeElement.id`); f != "username" {
		t.Errorf("sign-in page: focus on %q, want username", f)
	}
	// The legend is one line, inside its fieldset's border (it used to wrap through it).
	if st := a.EvalString(`(function () { var l = document.querySelector('fieldset.connection legend'), f = l.parentElement.getBoundingClientRect(), r = l.getBoundingClientRect();
		return String(r.height < 2.5 * parseFloat(getComputedStyle(l).fontSize) && r.right <= f.right && r.left >= f.left); })()`); st != "true" {
		t.Errorf("sign-in page: the fieldset legend wraps or overflows its border")
	}
	a.Shot("login")
	tabSignIn(a, "demo", "wrong-password")
	a.WaitJS("access denied", `document.readyState === 'complete' && location.pathname === '/login' && document.querySelector('.banner-error') !== null`)
	if txt := a.Text(".banner-error"); txt != "Access denied" {
		t.Errorf("wrong password: banner %q, want Access denied", txt)
	}
	a.WaitJS("focus on the password after a failure", `document.readyState === 'complete' && document.activeElement.id === 'password'`)
	tabSignIn(a, "demo", password)
	a.WaitJS("portal", `location.pathname === '/portal' && document.readyState === 'complete' && document.body.innerText.includes('WINSRV01 (simulator)')`)
	if txt := a.Text("body"); !strings.Contains(txt, "Signed in as demo") || !strings.Contains(txt, "No open sessions.") {
		t.Errorf("portal after sign-in:\n%s", txt)
	}
	if st := a.EvalString(`document.activeElement.tagName + ' ' + window.scrollY`); st != "BODY 0" {
		t.Errorf("portal: focus and scroll %q, want BODY 0 (the sessions list in view)", st)
	}

	// 2. A computer no rule allows: the generic denied page.
	a.Fill("#computer", "FORBIDDEN01")
	a.Click(`form[action="/sessions"][autocomplete="off"] button[type="submit"]`)
	a.WaitJS("denied page", `document.readyState === 'complete' && location.pathname === '/sessions' && !!document.querySelector('h1')`)
	if h := a.Text("h1"); h != "Access denied" {
		t.Errorf("typed computer FORBIDDEN01: heading %q, want Access denied", h)
	}
	if !regexp.MustCompile(`Request ID: \S+`).MatchString(a.Text("body")) {
		t.Errorf("denied page without a request ID:\n%s", a.Text("body"))
	}
	a.Shot("denied")
	a.Click(`a[href="/portal"]`)
	a.WaitJS("back to the portal", `document.readyState === 'complete' && location.pathname === '/portal'`)

	// 3. A console on the published simulator: a command and its output.
	a.Click(`form.tile button[type="submit"]`)
	waitConsole(a, "console of session 1")
	id1 := strings.TrimPrefix(a.EvalString(`location.pathname`), "/console/")
	prompt := a.EvalString(`psgateConsole.state.prompt`)
	if prompt != `PS C:\Users\demo> ` {
		t.Errorf("prompt %q, want the backend's location, PS C:\\Users\\demo> ", prompt)
	}
	if got := a.EvalString(`document.title`); got != "WINSRV01 - psgate" {
		t.Errorf("console title %q", got)
	}
	a.TypeLine("Write-Output hello")
	a.WaitJS("hello output", `document.getElementById('transcript').textContent.includes('Write-Output hello\nhello\n'+`+browser.JSString(prompt)+`)`)
	a.TypeLine("Get-ChildItem")
	a.WaitJS("Get-ChildItem output", `/> Get-ChildItem\n[\s\S]*\nMode +LastWriteTime[\s\S]*\n`+regexp.QuoteMeta(prompt)+`$/.test(document.getElementById('transcript').textContent)`)
	if screen := a.Screen(); !strings.Contains(screen, "hello") || !strings.Contains(screen, "Mode") || !strings.Contains(screen, strings.TrimSpace(prompt)) {
		t.Errorf("terminal screen lacks the output or the prompt:\n%s", screen)
	}
	a.Shot("console")

	// 4. Ctrl+C stops Start-Sleep; the prompt comes back and the next command runs.
	a.TypeLine("Start-Sleep -Seconds 60")
	a.WaitJS("sleep running", `psgateConsole.state.busy && !document.getElementById('btn-cancel').disabled`)
	a.Press(browser.CtrlC)
	a.WaitJS("prompt after Ctrl+C", `!psgateConsole.state.busy && psgateConsole.state.editing && document.getElementById('btn-cancel').disabled`)
	a.TypeLine("Write-Output after-interrupt")
	a.WaitJS("command after Ctrl+C", `document.getElementById('transcript').textContent.includes('\nafter-interrupt\n'+`+browser.JSString(prompt)+`)`)

	// 5. Close the tab while a command runs; its output is replayed on reconnect.
	const marker = "marker-7c1d"
	a.TypeLine("Start-Sleep -Milliseconds 500; Write-Output " + marker)
	a.WaitJS("marker command running", `psgateConsole.state.busy`)
	if strings.Contains(a.EvalString(`document.getElementById('transcript').textContent`), "\n"+marker+"\n") {
		t.Fatal("the marker arrived before the tab was closed; the replay is not tested")
	}
	a.Close()
	bt := b.Tab("tab B")
	var frames framesLog
	chromedp.ListenTarget(bt.Context(), frames.listen)
	bt.Navigate("/portal")
	// Disconnected, and idle (since the input) for at least 1.5 s, so the
	// marker, due 0.5 s after the input, was printed while away.
	row := `document.querySelector('a[href="/console/` + id1 + `"]').closest('tr')`
	bt.ReloadUntil("session 1 disconnected", row+`.querySelector('.state').textContent === 'disconnected' && !/^[01]s$/.test(`+row+`.cells[5].textContent)`)
	bt.Shot("portal")
	bt.Click(`a[href="/console/` + id1 + `"]`)
	waitConsole(bt, "reconnected console")
	bt.WaitJS("marker replayed", `/(^|\n)`+marker+`\n/.test(document.getElementById('transcript').textContent)`)
	if !frames.replayed(marker) {
		t.Errorf("the marker did not come as replayed output; frames:\n%s", frames.String())
	}
	// Another tab restores the whole screen (the commands after their
	// prompts, their output), then the marker line, then what is new.
	restored := `document.getElementById('transcript').textContent`
	bt.WaitJS("screen restored in another tab", `(function (x) {
		var seen = x.indexOf('> Write-Output hello\nhello\n'), mark = x.indexOf('--- screen restored · new output below ---'), late = x.indexOf('\n`+marker+`\n');
		return seen >= 0 && mark > seen && late > mark && x.indexOf('> Get-ChildItem\n') > seen; })(`+restored+`)`)
	if screen := bt.Screen(); !strings.Contains(screen, "screen restored") || !strings.Contains(screen, "Write-Output hello") {
		t.Errorf("restored terminal screen:\n%s", screen)
	}
	bt.Shot("console-restored")

	// Clear-Host clears the screen, and a later restore does not bring back
	// what was cleared.
	bt.TypeLine("Clear-Host")
	bt.WaitJS("screen cleared", `!psgateConsole.state.busy && psgateConsole.state.editing && !`+restored+`.includes('hello')`)
	bt.TypeLine("Write-Output after-clear")
	bt.WaitJS("output after Clear-Host", restored+`.includes('\nafter-clear\n')`)
	if screen := bt.Screen(); strings.Contains(screen, "hello") || strings.Contains(screen, "Mode") || !strings.Contains(screen, "after-clear") {
		t.Errorf("terminal after Clear-Host still shows what was cleared:\n%s", screen)
	}
	bt.Shot("clear-host")
	ct := b.Tab("tab B2")
	ct.Navigate("/console/" + id1)
	waitConsole(ct, "session 1 in a third tab")
	ct.WaitJS("restore after Clear-Host", restored+`.includes('after-clear') && `+restored+`.includes('--- screen restored')`)
	if x := ct.EvalString(restored); strings.Contains(x, "hello") || strings.Contains(x, marker) {
		t.Errorf("the restore after Clear-Host brings back cleared text:\n%s", x)
	}
	ct.Close()

	// 6. The cap: sessions 2 and 3 open, the 4th gets the plain cap message.
	c := b.Tab("tab C")
	openTile(c, "session 2")
	dt := b.Tab("tab D")
	openTile(dt, "session 3")
	e := b.Tab("tab E")
	e.Navigate("/portal")
	if n := e.EvalString(`String(document.querySelectorAll('tbody tr').length)`); n != strconv.Itoa(browserCap) {
		t.Errorf("portal lists %s sessions, want %d", n, browserCap)
	}
	e.Click(`form.tile button[type="submit"]`)
	// The cap page is the portal: the limit, and the sessions to open or end.
	e.WaitJS("cap page", `document.readyState === 'complete' && location.pathname === '/sessions' && !!document.getElementById('cap-reached')`)
	if txt := e.Text("#cap-reached"); !strings.Contains(txt, "Session limit reached.") || !strings.Contains(txt, "You have 3 sessions open; this gateway allows 3 per user.") {
		t.Errorf("cap page says %q", txt)
	}
	if n := e.EvalString(`String(document.querySelectorAll('#sessions tbody tr a[href^="/console/"]').length) + ' ' + document.querySelectorAll('#sessions tbody tr form[action$="/end"]').length`); n != "3 3" {
		t.Errorf("cap page: Open and End links %s, want 3 3", n)
	}
	// Open and End side by side, the product header above.
	if st := e.EvalString(`(function () { var r = document.querySelector('#sessions tbody tr'), o = r.querySelector('a.btn').getBoundingClientRect(), x = r.querySelector('form[action$="/end"] button').getBoundingClientRect();
		return (Math.abs(o.top - x.top) < 4 && x.left > o.right) + ' ' + document.querySelector('.site-header .brand').textContent; })()`); st != "true PowerShell Web Access" {
		t.Errorf("cap page: Open/End side by side and header = %q", st)
	}
	if z := e.EvalString(`document.querySelector('#sessions time').textContent`); !regexp.MustCompile(`\d{2}:\d{2}.*\S`).MatchString(z) || z == e.EvalString(`document.querySelector('#sessions time').getAttribute('datetime')`) {
		t.Errorf("Started %q: not the browser's local time with its zone", z)
	}
	e.Shot("cap-page")

	// 7. Idle: the warning counts down; Stay signed in keeps the session.
	c.WaitJS("idle warning", `/^Your session will end in \d+ s because of inactivity\.$/.test((document.querySelector('.banner-warning .banner-text') || {}).textContent || '')`)
	first := c.EvalString(`document.querySelector('.banner-warning .banner-text').textContent`)
	c.WaitJS("countdown", `(document.querySelector('.banner-warning .banner-text') || {}).textContent !== `+browser.JSString(first))
	c.Shot("idle-warning")
	c.Click(`.banner-warning button`)
	c.WaitJS("warning gone", `!document.querySelector('.banner-warning')`)
	if st := c.EvalString(`JSON.stringify({c: psgateConsole.state.connected, x: psgateConsole.state.closed})`); st != `{"c":true,"x":false}` {
		t.Errorf("after Stay signed in: console state %s", st)
	}
	c.TypeLine("Write-Output still-here")
	c.WaitJS("session 2 still runs", `document.getElementById('transcript').textContent.includes('\nstill-here\n')`)
	// Session 3 got no input: it ends, and its page says why.
	dt.WaitJSFor("idle expiry", `psgateConsole.state.closed && (document.querySelector('.banner-error .banner-text') || {}).textContent === 'The session was ended because it was idle for too long.'`, browserIdleTimeout+browserWait)
	if st := dt.EvalString(`document.getElementById('btn-save').getAttribute('aria-disabled') + ' ' + document.getElementById('btn-save').hasAttribute('href')`); st != "true false" {
		t.Errorf("Save after the session ended: aria-disabled, href = %s, want true false", st)
	}

	// 8. Sign out: back at the sign-in form; the portal now redirects there.
	e.Navigate("/portal")
	e.Click(`form[action="/logout"] button[type="submit"]`)
	e.WaitJS("signed out", `document.readyState === 'complete' && location.pathname === '/' && !!document.querySelector('form[action="/login"] #password')`)
	// The console still open in tab C is closed by the sign-out (close code
	// 4401): nobody can type into it after the user signed out.
	c.WaitJS("open console closed by the sign-out", `psgateConsole.state.signedOut && psgateConsole.state.closed && !psgateConsole.state.connected && /You are signed out\./.test((document.querySelector('.banner-warning .banner-text') || {}).textContent || '')`)
	e.Navigate("/portal")
	e.WaitJS("portal redirects to sign-in", `document.readyState === 'complete' && location.pathname === '/' && !!document.querySelector('form[action="/login"] #password')`)

	// After signing in again, the session is listed and reattaching
	// restores its screen.
	id2 := strings.TrimPrefix(c.EvalString(`location.pathname`), "/console/")
	tabSignIn(e, "demo", password)
	e.WaitJS("portal after signing in again", `document.readyState === 'complete' && location.pathname === '/portal' && !!document.querySelector('a[href="/console/`+id2+`"]')`)
	e.Click(`a[href="/console/` + id2 + `"]`)
	waitConsole(e, "session 2 after signing in again")
	e.WaitJS("screen restored after a new sign-in", restored+`.includes('> Write-Output still-here\nstill-here\n') && `+restored+`.includes('--- screen restored')`)
	e.Shot("console-restored-after-sign-in")
	e.Navigate("/portal")
	e.Click(`form[action="/logout"] button[type="submit"]`)
	e.WaitJS("signed out again", `document.readyState === 'complete' && location.pathname === '/' && !!document.querySelector('form[action="/login"] #password')`)

	// 9. (authorization, part 2) A user no rule names, signed in after demo
	// signed out: demo's sessions are not listed, the published tile is denied.
	users, err := local.Open(filepath.Join(filepath.Dir(d.tokenFile), "users.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := users.Add("alice", "alice-password-1", nil); err != nil {
		t.Fatal(err)
	}
	tabSignIn(e, "alice", "alice-password-1")
	e.WaitJS("alice's portal", `document.readyState === 'complete' && location.pathname === '/portal' && document.body.innerText.includes('Signed in as alice')`)
	if txt := e.Text("body"); !strings.Contains(txt, "No open sessions.") {
		t.Errorf("alice's portal lists sessions:\n%s", txt)
	}
	// No rule allows alice on the published computer: no tile (the
	// server would refuse it at connect anyway).
	if n := e.EvalString(`String(document.querySelectorAll('form.tile').length)`); n != "0" {
		t.Errorf("alice's portal shows %s tiles, want none", n)
	}
}

// tabSignIn fills and submits the sign-in form.
func tabSignIn(tb *browser.Tab, user, password string) {
	tb.T().Helper()
	tb.Fill("#username", user)
	tb.Fill("#password", password)
	tb.Click(`form[action="/login"] button[type="submit"]`)
}

// openTile opens a session on the published tile from the portal.
func openTile(tb *browser.Tab, step string) {
	tb.T().Helper()
	tb.Navigate("/portal")
	tb.Click(`form.tile button[type="submit"]`)
	waitConsole(tb, step)
}

// waitConsole waits for a console page with its prompt shown.
func waitConsole(tb *browser.Tab, step string) {
	tb.T().Helper()
	tb.WaitJS(step, `document.readyState === 'complete' && location.pathname.startsWith('/console/') && window.psgateConsole && psgateConsole.state.connected && psgateConsole.state.editing`)
}

// framesLog records the websocket frames a tab receives.
type framesLog struct {
	mu     sync.Mutex
	frames []string
}

func (f *framesLog) listen(ev any) {
	if e, ok := ev.(*network.EventWebSocketFrameReceived); ok && e.Response != nil {
		f.mu.Lock()
		f.frames = append(f.frames, e.Response.PayloadData)
		f.mu.Unlock()
	}
}

// replayed reports whether an output frame with text came as a replay.
func (f *framesLog) replayed(text string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.frames {
		var fr struct {
			Type, Data string
			Replay     bool
		}
		if json.Unmarshal([]byte(s), &fr) == nil && fr.Type == "output" && strings.Contains(fr.Data, text) {
			return fr.Replay
		}
	}
	return false
}

func (f *framesLog) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.frames, "\n")
}
