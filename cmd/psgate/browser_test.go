package main

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/psgate/psgate/identity/local"
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
	exe := os.Getenv("PSGATE_TEST_CHROMIUM")
	if exe == "" {
		if os.Getenv("PSGATE_TEST_REQUIRE") == "1" {
			t.Fatal("PSGATE_TEST_CHROMIUM is not set")
		}
		t.Skip("PSGATE_TEST_CHROMIUM is not set")
	}
	artefacts := os.Getenv("PSGATE_TEST_ARTIFACTS")
	if artefacts == "" {
		artefacts = t.TempDir()
	}
	if err := os.MkdirAll(artefacts, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", artefacts)

	const password = "browser-password-1"
	d := startDemoWith(t, demoOptions{password: password, sessions: func(c *session.Config) {
		c.IdleTimeout, c.IdleWarning, c.MaxPerUser = browserIdleTimeout, browserIdleWarning, browserCap
	}})
	base := d.base

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU,
		chromedp.WindowSize(1100, 700), chromedp.Flag("ignore-certificate-errors", true))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	bctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()
	bctx, cancelT := context.WithTimeout(bctx, 2*time.Minute)
	defer cancelT()
	if err := chromedp.Run(bctx); err != nil { // starts the browser; this first tab stays blank
		t.Fatalf("start chromium: %v", err)
	}
	b := &browser{t: t, ctx: bctx, base: base, artefacts: artefacts}

	// 1. Sign-in: a wrong password is "Access denied"; the right one, the portal.
	a := b.tab("tab A")
	a.navigate("/")
	a.waitJS("sign-in form", `!!document.querySelector('form[action="/login"] #password')`)
	if f := a.evalString(`document.activeElement.id`); f != "username" {
		t.Errorf("sign-in page: focus on %q, want username", f)
	}
	a.shot("login")
	a.signIn("demo", "wrong-password")
	a.waitJS("access denied", `document.readyState === 'complete' && location.pathname === '/login' && document.querySelector('.banner-error') !== null`)
	if txt := a.text(".banner-error"); txt != "Access denied" {
		t.Errorf("wrong password: banner %q, want Access denied", txt)
	}
	a.waitJS("focus on the password after a failure", `document.readyState === 'complete' && document.activeElement.id === 'password'`)
	a.signIn("demo", password)
	a.waitJS("portal", `location.pathname === '/portal' && document.readyState === 'complete' && document.body.innerText.includes('WINSRV01 (simulator)')`)
	if txt := a.text("body"); !strings.Contains(txt, "Signed in as demo") || !strings.Contains(txt, "No open sessions.") {
		t.Errorf("portal after sign-in:\n%s", txt)
	}
	if st := a.evalString(`document.activeElement.tagName + ' ' + window.scrollY`); st != "BODY 0" {
		t.Errorf("portal: focus and scroll %q, want BODY 0 (the sessions list in view)", st)
	}

	// 2. A computer no rule allows: the generic denied page.
	a.fill("#computer", "FORBIDDEN01")
	a.click(`form[action="/sessions"][autocomplete="off"] button[type="submit"]`)
	a.waitJS("denied page", `document.readyState === 'complete' && location.pathname === '/sessions' && !!document.querySelector('h1')`)
	if h := a.text("h1"); h != "Access denied" {
		t.Errorf("typed computer FORBIDDEN01: heading %q, want Access denied", h)
	}
	if !regexp.MustCompile(`Request ID: \S+`).MatchString(a.text("body")) {
		t.Errorf("denied page without a request ID:\n%s", a.text("body"))
	}
	a.shot("denied")
	a.click(`a[href="/portal"]`)
	a.waitJS("back to the portal", `document.readyState === 'complete' && location.pathname === '/portal'`)

	// 3. A console on the published simulator: a command and its output.
	a.click(`form.tile button[type="submit"]`)
	a.waitConsole("console of session 1")
	id1 := strings.TrimPrefix(a.evalString(`location.pathname`), "/console/")
	prompt := a.evalString(`psgateConsole.state.prompt`)
	if prompt != `PS C:\Users\demo> ` {
		t.Errorf("prompt %q, want the backend's location, PS C:\\Users\\demo> ", prompt)
	}
	if got := a.evalString(`document.title`); got != "WINSRV01 - psgate" {
		t.Errorf("console title %q", got)
	}
	a.typeLine("Write-Output hello")
	a.waitJS("hello output", `document.getElementById('transcript').textContent.includes('Write-Output hello\nhello\n'+`+jsString(prompt)+`)`)
	a.typeLine("Get-ChildItem")
	a.waitJS("Get-ChildItem output", `/> Get-ChildItem\n[\s\S]*\nMode +LastWriteTime[\s\S]*\n`+regexp.QuoteMeta(prompt)+`$/.test(document.getElementById('transcript').textContent)`)
	if screen := a.screen(); !strings.Contains(screen, "hello") || !strings.Contains(screen, "Mode") || !strings.Contains(screen, strings.TrimSpace(prompt)) {
		t.Errorf("terminal screen lacks the output or the prompt:\n%s", screen)
	}
	a.shot("console")

	// 4. Ctrl+C stops Start-Sleep; the prompt comes back and the next command runs.
	a.typeLine("Start-Sleep -Seconds 60")
	a.waitJS("sleep running", `psgateConsole.state.busy && !document.getElementById('btn-cancel').disabled`)
	a.press(ctrlC)
	a.waitJS("prompt after Ctrl+C", `!psgateConsole.state.busy && psgateConsole.state.editing && document.getElementById('btn-cancel').disabled`)
	a.typeLine("Write-Output after-interrupt")
	a.waitJS("command after Ctrl+C", `document.getElementById('transcript').textContent.includes('\nafter-interrupt\n'+`+jsString(prompt)+`)`)

	// 5. Close the tab while a command runs; its output is replayed on reconnect.
	const marker = "marker-7c1d"
	a.typeLine("Start-Sleep -Milliseconds 500; Write-Output " + marker)
	a.waitJS("marker command running", `psgateConsole.state.busy`)
	if strings.Contains(a.evalString(`document.getElementById('transcript').textContent`), "\n"+marker+"\n") {
		t.Fatal("the marker arrived before the tab was closed; the replay is not tested")
	}
	a.close()
	bt := b.tab("tab B")
	var frames framesLog
	chromedp.ListenTarget(bt.ctx, frames.listen)
	bt.navigate("/portal")
	// Disconnected, and idle (since the input) for at least 1.5 s, so the
	// marker, due 0.5 s after the input, was printed while away.
	row := `document.querySelector('a[href="/console/` + id1 + `"]').closest('tr')`
	bt.reloadUntil("session 1 disconnected", row+`.querySelector('.state').textContent === 'disconnected' && !/^[01]s$/.test(`+row+`.cells[5].textContent)`)
	bt.shot("portal")
	bt.click(`a[href="/console/` + id1 + `"]`)
	bt.waitConsole("reconnected console")
	bt.waitJS("marker replayed", `/(^|\n)`+marker+`\n/.test(document.getElementById('transcript').textContent)`)
	if !frames.replayed(marker) {
		t.Errorf("the marker did not come as replayed output; frames:\n%s", frames.String())
	}

	// 6. The cap: sessions 2 and 3 open, the 4th gets the plain cap message.
	c := b.tab("tab C")
	c.openTile("session 2")
	dt := b.tab("tab D")
	dt.openTile("session 3")
	e := b.tab("tab E")
	e.navigate("/portal")
	if n := e.evalString(`String(document.querySelectorAll('tbody tr').length)`); n != strconv.Itoa(browserCap) {
		t.Errorf("portal lists %s sessions, want %d", n, browserCap)
	}
	e.click(`form.tile button[type="submit"]`)
	e.waitJS("cap page", `document.readyState === 'complete' && location.pathname === '/sessions' && !!document.querySelector('h1')`)
	if h := e.text("h1"); h != "Session limit reached: end one of your sessions first." {
		t.Errorf("4th session: heading %q, want the cap message", h)
	}

	// 7. Idle: the warning counts down; Stay signed in keeps the session.
	c.waitJS("idle warning", `/^Your session will end in \d+ s because of inactivity\.$/.test((document.querySelector('.banner-warning .banner-text') || {}).textContent || '')`)
	first := c.evalString(`document.querySelector('.banner-warning .banner-text').textContent`)
	c.waitJS("countdown", `(document.querySelector('.banner-warning .banner-text') || {}).textContent !== `+jsString(first))
	c.shot("idle-warning")
	c.click(`.banner-warning button`)
	c.waitJS("warning gone", `!document.querySelector('.banner-warning')`)
	if st := c.evalString(`JSON.stringify({c: psgateConsole.state.connected, x: psgateConsole.state.closed})`); st != `{"c":true,"x":false}` {
		t.Errorf("after Stay signed in: console state %s", st)
	}
	c.typeLine("Write-Output still-here")
	c.waitJS("session 2 still runs", `document.getElementById('transcript').textContent.includes('\nstill-here\n')`)
	// Session 3 got no input: it ends, and its page says why.
	dt.waitJSFor("idle expiry", `psgateConsole.state.closed && (document.querySelector('.banner-error .banner-text') || {}).textContent === 'The session was ended because it was idle for too long.'`, browserIdleTimeout+browserWait)

	// 8. Sign out: back at the sign-in form; the portal now redirects there.
	e.navigate("/portal")
	e.click(`form[action="/logout"] button[type="submit"]`)
	e.waitJS("signed out", `document.readyState === 'complete' && location.pathname === '/' && !!document.querySelector('form[action="/login"] #password')`)
	// The console still open in tab C is closed by the sign-out (close code
	// 4401): nobody can type into it after the user signed out.
	c.waitJS("open console closed by the sign-out", `psgateConsole.state.signedOut && psgateConsole.state.closed && !psgateConsole.state.connected && /You are signed out\./.test((document.querySelector('.banner-warning .banner-text') || {}).textContent || '')`)
	e.navigate("/portal")
	e.waitJS("portal redirects to sign-in", `document.readyState === 'complete' && location.pathname === '/' && !!document.querySelector('form[action="/login"] #password')`)

	// 9. (authorization, part 2) A user no rule names, signed in after demo
	// signed out: demo's sessions are not listed, the published tile is denied.
	users, err := local.Open(filepath.Join(filepath.Dir(d.tokenFile), "users.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := users.Add("alice", "alice-password-1", nil); err != nil {
		t.Fatal(err)
	}
	e.signIn("alice", "alice-password-1")
	e.waitJS("alice's portal", `document.readyState === 'complete' && location.pathname === '/portal' && document.body.innerText.includes('Signed in as alice')`)
	if txt := e.text("body"); !strings.Contains(txt, "No open sessions.") {
		t.Errorf("alice's portal lists sessions:\n%s", txt)
	}
	e.click(`form.tile button[type="submit"]`)
	e.waitJS("alice denied", `document.readyState === 'complete' && location.pathname === '/sessions' && !!document.querySelector('h1')`)
	if h := e.text("h1"); h != "Access denied" {
		t.Errorf("alice on the published tile: heading %q, want Access denied", h)
	}
}

// browser is one Chromium; each tab shares its cookies.
type browser struct {
	t         *testing.T
	ctx       context.Context
	base      string
	artefacts string
}

type tab struct {
	*browser
	name   string
	ctx    context.Context
	cancel context.CancelFunc
}

func (b *browser) tab(name string) *tab {
	ctx, cancel := chromedp.NewContext(b.ctx)
	b.t.Cleanup(cancel)
	tb := &tab{browser: b, name: name, ctx: ctx, cancel: cancel}
	tb.run("open", chromedp.Navigate("about:blank"))
	return tb
}

// close closes the tab (the console's socket goes with it).
func (tb *tab) close() { tb.cancel() }

func (tb *tab) run(step string, actions ...chromedp.Action) {
	tb.t.Helper()
	if err := chromedp.Run(tb.ctx, actions...); err != nil {
		tb.t.Fatalf("%s: %s: %v\n%s", tb.name, step, err, tb.dump())
	}
}

// dump describes the page for a failure message.
func (tb *tab) dump() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	var s string
	_ = chromedp.Run(ctx, chromedp.Evaluate(`JSON.stringify({url: location.href, body: document.body ? document.body.innerText.slice(0, 3000) : '',
		transcript: (document.getElementById('transcript') || {}).textContent,
		state: window.psgateConsole ? psgateConsole.state : null})`, &s))
	return s
}

func (tb *tab) navigate(path string) {
	tb.t.Helper()
	tb.run("navigate "+path, chromedp.Navigate(tb.base+path))
}

// waitJS waits until a boolean expression is true in the page; it survives
// navigations (an evaluation error counts as false).
func (tb *tab) waitJS(step, expr string) {
	tb.t.Helper()
	tb.waitJSFor(step, expr, browserWait)
}

func (tb *tab) waitJSFor(step, expr string, timeout time.Duration) {
	tb.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var ok bool
		ctx, cancel := context.WithTimeout(tb.ctx, 2*time.Second)
		err := chromedp.Run(ctx, chromedp.Evaluate(`!!(function () { try { return `+expr+`; } catch (e) { return false; } })()`, &ok))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			tb.t.Fatalf("%s: %s: not within %s (last error %v)\n%s", tb.name, step, timeout, err, tb.dump())
		}
		time.Sleep(50 * time.Millisecond) // polling interval
	}
}

// reloadUntil reloads the page until expr holds (the portal is not live).
func (tb *tab) reloadUntil(step, expr string) {
	tb.t.Helper()
	deadline := time.Now().Add(browserWait)
	for {
		var ok bool
		tb.run(step, chromedp.Evaluate(`!!(function () { try { return `+expr+`; } catch (e) { return false; } })()`, &ok))
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tb.t.Fatalf("%s: %s: not within %s\n%s", tb.name, step, browserWait, tb.dump())
		}
		time.Sleep(100 * time.Millisecond) // polling interval
		tb.run(step, chromedp.Reload())
	}
}

func (tb *tab) evalString(expr string) string {
	tb.t.Helper()
	var s string
	tb.run("evaluate "+expr, chromedp.Evaluate(expr, &s))
	return s
}

// text is the visible text of the first element matching sel.
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	return strings.TrimSpace(tb.evalString(`(document.querySelector(` + jsString(sel) + `) || {}).innerText || ''`))
}

func (tb *tab) click(sel string) {
	tb.t.Helper()
	tb.run("click "+sel, chromedp.Click(sel, chromedp.ByQuery, chromedp.NodeVisible))
}

func (tb *tab) fill(sel, value string) {
	tb.t.Helper()
	tb.run("fill "+sel, chromedp.WaitVisible(sel, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector(`+jsString(sel)+`).value = ''`, nil), chromedp.SendKeys(sel, value, chromedp.ByQuery))
}

func (tb *tab) signIn(user, password string) {
	tb.t.Helper()
	tb.fill("#username", user)
	tb.fill("#password", password)
	tb.click(`form[action="/login"] button[type="submit"]`)
}

// openTile opens a session on the published tile from the portal.
func (tb *tab) openTile(step string) {
	tb.t.Helper()
	tb.navigate("/portal")
	tb.click(`form.tile button[type="submit"]`)
	tb.waitConsole(step)
}

// waitConsole waits for a console page with its prompt shown.
func (tb *tab) waitConsole(step string) {
	tb.t.Helper()
	tb.waitJS(step, `document.readyState === 'complete' && location.pathname.startsWith('/console/') && window.psgateConsole && psgateConsole.state.connected && psgateConsole.state.editing`)
}

// typeLine types a command into xterm.js and presses Enter.
func (tb *tab) typeLine(text string) {
	tb.t.Helper()
	tb.run("type "+text, chromedp.Evaluate(`psgateConsole.term.focus()`, nil), input.InsertText(text))
	tb.press(enterKey)
}

// keyPress is a key for Input.dispatchKeyEvent; mods 2 is Ctrl. chromedp
// key events must be keyDown (not rawKeyDown) for xterm.js to see Ctrl.
type keyPress struct {
	key, code string
	vk        int64
	mods      input.Modifier
}

var (
	enterKey = keyPress{"Enter", "Enter", 13, 0}
	ctrlC    = keyPress{"c", "KeyC", 67, input.ModifierCtrl}
)

func (tb *tab) press(k keyPress) {
	tb.t.Helper()
	tb.run("press "+k.key, chromedp.Evaluate(`psgateConsole.term.focus()`, nil),
		input.DispatchKeyEvent(input.KeyDown).WithKey(k.key).WithCode(k.code).WithWindowsVirtualKeyCode(k.vk).WithNativeVirtualKeyCode(k.vk).WithModifiers(k.mods),
		input.DispatchKeyEvent(input.KeyUp).WithKey(k.key).WithCode(k.code).WithWindowsVirtualKeyCode(k.vk).WithNativeVirtualKeyCode(k.vk).WithModifiers(k.mods))
}

// screen is the text of xterm.js's buffer (what the terminal shows).
func (tb *tab) screen() string {
	tb.t.Helper()
	return tb.evalString(`(function () { var b = psgateConsole.term.buffer.active, out = [];
		for (var i = 0; i < b.length; i++) { out.push(b.getLine(i).translateToString(true)); }
		return out.join('\n'); })()`)
}

// shot saves a screenshot of the whole page to the artefacts directory and,
// with -update-screenshots, to docs/screenshots.
func (tb *tab) shot(name string) {
	tb.t.Helper()
	var png []byte
	tb.run("screenshot "+name, chromedp.FullScreenshot(&png, 100))
	dirs := []string{tb.artefacts}
	if *updateScreenshots {
		dirs = append(dirs, filepath.Join("..", "..", "docs", "screenshots"))
	}
	for _, dir := range dirs {
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			tb.t.Errorf("screenshot %s: %v", name, err)
		}
	}
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

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
