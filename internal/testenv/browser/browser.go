// Package browser is the chromedp harness of psgate's browser tests: one
// headless Chromium ($PSGATE_TEST_CHROMIUM; the test skips without it, or
// fails with PSGATE_TEST_REQUIRE=1), tabs that share its cookies, and the
// page steps the tests are written in (navigate, wait for a condition, read,
// click, fill, type into the console, press keys, take screenshots). A
// failed step fails the test with a description of the page.
//
// Only tests import it. It is a package of its own, apart from
// internal/testenv, so that only the browser tests link chromedp.
package browser

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/psgate/psgate/internal/testenv"
)

// Options configure a Browser; the zero value is usable.
type Options struct {
	// Base is prepended to the paths given to Tab.Navigate.
	Base string
	// Timeout bounds the whole browser, every tab included (default 2 min).
	Timeout time.Duration
	// Wait is how long Tab.WaitJS waits for a condition (default 15 s).
	Wait time.Duration
	// Artefacts is where Tab.Shot writes screenshots: by default
	// $PSGATE_TEST_ARTIFACTS, or else a temporary directory of the test.
	Artefacts string
	// ScreenshotDirs are more directories each screenshot is written to
	// (docs/screenshots, when the test is asked to update them).
	ScreenshotDirs []string
	// Describe, when set, adds to the page description of a failed step
	// (e.g. what the fake shell behind the page received).
	Describe func() string
}

// Browser is one headless Chromium; its tabs share cookies.
type Browser struct {
	t    testing.TB
	ctx  context.Context
	opts Options
}

// New starts Chromium for t (it is stopped when t ends). It skips t (fails
// it with PSGATE_TEST_REQUIRE=1) when PSGATE_TEST_CHROMIUM is not set.
func New(t testing.TB, o Options) *Browser {
	t.Helper()
	exe := testenv.Chromium(t)
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Minute
	}
	if o.Wait == 0 {
		o.Wait = 15 * time.Second
	}
	if o.Artefacts == "" {
		o.Artefacts = os.Getenv("PSGATE_TEST_ARTIFACTS")
	}
	if o.Artefacts == "" {
		o.Artefacts = t.TempDir()
	}
	if err := os.MkdirAll(o.Artefacts, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU,
		chromedp.WindowSize(1100, 700), chromedp.Flag("ignore-certificate-errors", true))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelA)
	bctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(cancelB)
	bctx, cancelT := context.WithTimeout(bctx, o.Timeout)
	t.Cleanup(cancelT)
	if err := chromedp.Run(bctx); err != nil { // starts the browser; this first tab stays blank
		t.Fatalf("start chromium: %v", err)
	}
	return &Browser{t: t, ctx: bctx, opts: o}
}

// T is the test the browser belongs to (for t.Helper in a test's own steps).
func (b *Browser) T() testing.TB { return b.t }

// Artefacts is the directory screenshots go to.
func (b *Browser) Artefacts() string { return b.opts.Artefacts }

// Tab is one browser tab; name labels its failures.
type Tab struct {
	*Browser
	name   string
	ctx    context.Context
	cancel context.CancelFunc
}

// Tab opens a blank tab.
func (b *Browser) Tab(name string) *Tab {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	b.t.Cleanup(cancel)
	tb := &Tab{Browser: b, name: name, ctx: ctx, cancel: cancel}
	tb.Run("open", chromedp.Navigate("about:blank"))
	return tb
}

// Context is the tab's chromedp context (for chromedp.ListenTarget and
// actions of one's own).
func (tb *Tab) Context() context.Context { return tb.ctx }

// Close closes the tab (a console's socket goes with it).
func (tb *Tab) Close() { tb.cancel() }

// Run runs actions in the tab; an error fails the test at step.
func (tb *Tab) Run(step string, actions ...chromedp.Action) {
	tb.t.Helper()
	if err := chromedp.Run(tb.ctx, actions...); err != nil {
		tb.t.Fatalf("%s: %s: %v\n%s", tb.name, step, err, tb.dump())
	}
}

// dump describes the page for a failure message: its URL, text, and the
// console's transcript and state when it is a console page.
func (tb *Tab) dump() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	var s string
	_ = chromedp.Run(ctx, chromedp.Evaluate(`JSON.stringify({url: location.href, body: document.body ? document.body.innerText.slice(0, 3000) : '',
		transcript: (document.getElementById('transcript') || {}).textContent,
		state: window.psgateConsole ? psgateConsole.state : null})`, &s))
	if tb.opts.Describe != nil {
		s += "\n" + tb.opts.Describe()
	}
	return s
}

// Navigate loads Options.Base + path.
func (tb *Tab) Navigate(path string) {
	tb.t.Helper()
	tb.Run("navigate "+path, chromedp.Navigate(tb.opts.Base+path))
}

// WaitJS waits up to Options.Wait until a boolean expression is true in
// the page; it survives navigations (an evaluation error counts as false).
func (tb *Tab) WaitJS(step, expr string) {
	tb.t.Helper()
	tb.WaitJSFor(step, expr, tb.opts.Wait)
}

// WaitJSFor is WaitJS with its own timeout.
func (tb *Tab) WaitJSFor(step, expr string, timeout time.Duration) {
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

// ReloadUntil reloads the page until expr holds (for pages that are not live).
func (tb *Tab) ReloadUntil(step, expr string) {
	tb.t.Helper()
	deadline := time.Now().Add(tb.opts.Wait)
	for {
		var ok bool
		tb.Run(step, chromedp.Evaluate(`!!(function () { try { return `+expr+`; } catch (e) { return false; } })()`, &ok))
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tb.t.Fatalf("%s: %s: not within %s\n%s", tb.name, step, tb.opts.Wait, tb.dump())
		}
		time.Sleep(100 * time.Millisecond) // polling interval
		tb.Run(step, chromedp.Reload())
	}
}

// EvalString evaluates a JavaScript expression whose value is a string.
func (tb *Tab) EvalString(expr string) string {
	tb.t.Helper()
	var s string
	tb.Run("evaluate "+expr, chromedp.Evaluate(expr, &s))
	return s
}

// Text is the visible text of the first element matching sel.
func (tb *Tab) Text(sel string) string {
	tb.t.Helper()
	return strings.TrimSpace(tb.EvalString(`(document.querySelector(` + JSString(sel) + `) || {}).innerText || ''`))
}

// Click clicks the first visible element matching sel.
func (tb *Tab) Click(sel string) {
	tb.t.Helper()
	tb.Run("click "+sel, chromedp.Click(sel, chromedp.ByQuery, chromedp.NodeVisible))
}

// Fill replaces the value of the input matching sel by typing value.
func (tb *Tab) Fill(sel, value string) {
	tb.t.Helper()
	tb.Run("fill "+sel, chromedp.WaitVisible(sel, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector(`+JSString(sel)+`).value = ''`, nil), chromedp.SendKeys(sel, value, chromedp.ByQuery))
}

// Type types text into the console's terminal (xterm.js) as characters.
func (tb *Tab) Type(text string) {
	tb.t.Helper()
	tb.Run("type "+text, chromedp.Evaluate(`psgateConsole.term.focus()`, nil), input.InsertText(text))
}

// TypeLine types a command into the console's terminal and presses Enter.
func (tb *Tab) TypeLine(text string) {
	tb.t.Helper()
	tb.Type(text)
	tb.Press(Enter)
}

// Key is a key for Input.dispatchKeyEvent. chromedp key events must be
// keyDown (not rawKeyDown) for xterm.js to see Ctrl.
type Key struct {
	Key, Code string
	VK        int64
	Mods      input.Modifier
}

// Keys the tests press.
var (
	Enter    = Key{"Enter", "Enter", 13, 0}
	Left     = Key{"ArrowLeft", "ArrowLeft", 37, 0}
	Up       = Key{"ArrowUp", "ArrowUp", 38, 0}
	Home     = Key{"Home", "Home", 36, 0}
	End      = Key{"End", "End", 35, 0}
	Delete   = Key{"Delete", "Delete", 46, 0}
	CtrlLeft = Key{"ArrowLeft", "ArrowLeft", 37, input.ModifierCtrl}
	CtrlC    = Key{"c", "KeyC", 67, input.ModifierCtrl}
)

// events are the key's down and up events.
func (k Key) events() []chromedp.Action {
	return []chromedp.Action{
		input.DispatchKeyEvent(input.KeyDown).WithKey(k.Key).WithCode(k.Code).WithWindowsVirtualKeyCode(k.VK).WithNativeVirtualKeyCode(k.VK).WithModifiers(k.Mods),
		input.DispatchKeyEvent(input.KeyUp).WithKey(k.Key).WithCode(k.Code).WithWindowsVirtualKeyCode(k.VK).WithNativeVirtualKeyCode(k.VK).WithModifiers(k.Mods),
	}
}

// Press focuses the console's terminal and presses keys, in order.
func (tb *Tab) Press(keys ...Key) {
	tb.t.Helper()
	names := make([]string, len(keys))
	acts := []chromedp.Action{chromedp.Evaluate(`psgateConsole.term.focus()`, nil)}
	for i, k := range keys {
		names[i] = k.Key
		acts = append(acts, k.events()...)
	}
	tb.Run("press "+strings.Join(names, ", "), acts...)
}

// Screen is the text of xterm.js's buffer (what the terminal shows).
func (tb *Tab) Screen() string {
	tb.t.Helper()
	return tb.EvalString(`(function () { var b = psgateConsole.term.buffer.active, out = [];
		for (var i = 0; i < b.length; i++) { out.push(b.getLine(i).translateToString(true)); }
		return out.join('\n'); })()`)
}

// Shot saves a screenshot, name.png, to the artefacts directory and to
// Options.ScreenshotDirs: of the whole page, or of the element matching
// the CSS selector sel when one is given.
func (tb *Tab) Shot(name string, sel ...string) {
	tb.t.Helper()
	var png []byte
	if len(sel) > 0 {
		tb.Run("screenshot "+name, chromedp.Screenshot(sel[0], &png, chromedp.ByQuery))
	} else {
		tb.Run("screenshot "+name, chromedp.FullScreenshot(&png, 100))
	}
	for _, dir := range append([]string{tb.opts.Artefacts}, tb.opts.ScreenshotDirs...) {
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			tb.t.Errorf("screenshot %s: %v", name, err)
		}
	}
}

// JSString is s as a JavaScript string literal.
func JSString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
