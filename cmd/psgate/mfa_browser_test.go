package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/psgate/psgate/internal/testenv"
	"github.com/psgate/psgate/internal/testenv/browser"
	"github.com/psgate/psgate/mfa"
)

// TestBrowserMFA drives the assembled gateway with mfa.mode required in
// headless Chromium: the password leads to the TOTP enrolment (QR code as
// a data: URL and the manual key), a code computed here enrols and signs
// in and shows the recovery codes; the next sign-in asks for a code, a
// reused one is "Access denied", a fresh one signs in; a recovery code
// signs in once.
func TestBrowserMFA(t *testing.T) {
	testenv.Chromium(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "mfa.key")
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{5}, mfa.KeySize))
	if err := os.WriteFile(keyFile, []byte(key), 0o600); err != nil {
		t.Fatal(err)
	}
	const password = "browser-password-2"
	d := startDemoWith(t, demoOptions{password: password, config: func(c *config) {
		c.MFA = mfaConfig{Mode: "required", StoreFile: filepath.Join(dir, "mfa.json"), KeyFile: keyFile, SecondStepTimeout: 5 * time.Minute}
	}})
	b := browser.New(t, browser.Options{Base: d.base, Timeout: 2 * time.Minute, Wait: browserWait})
	a := b.Tab("mfa")
	signIn := func(step string) {
		a.Navigate("/")
		a.WaitJS("sign-in form "+step, `!!document.querySelector('form[action="/login"] #password')`)
		tabSignIn(a, "demo", password)
		a.WaitJS("second step "+step, `document.readyState === 'complete' && location.pathname === '/login/second' && !!document.querySelector('#code')`)
	}
	submitCode := func(code string) {
		a.Fill("#code", code)
		a.Click(`form[action="/login/second"] button[type="submit"]`)
	}
	signOut := func() {
		a.Navigate("/portal")
		a.Click(`form[action="/logout"] button[type="submit"]`)
		a.WaitJS("signed out", `document.readyState === 'complete' && location.pathname === '/'`)
	}

	// 1. Enrolment right after the password.
	signIn("enrolment")
	if src := a.EvalString(`document.querySelector('img.totp-qr').getAttribute('src')`); !strings.HasPrefix(src, "data:image/png;base64,") {
		t.Fatalf("enrolment QR code src %.40q, want a PNG data: URL", src)
	}
	a.WaitJS("QR code drawn", `document.querySelector('img.totp-qr').naturalWidth === 200`)
	secret := a.Text(".totp-secret")
	a.Shot("mfa-enrol")
	code := func(at time.Time) string {
		c, err := totp.GenerateCode(secret, at)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	first := code(time.Now())
	submitCode(first)
	a.WaitJS("recovery codes", `document.readyState === 'complete' && document.querySelectorAll('.recovery-codes li').length === 10`)
	recovery := a.Text(".recovery-codes li:first-child")
	a.Shot("mfa-recovery-codes")
	a.Click(`a[href="/portal"]`)
	a.WaitJS("portal after enrolment", `location.pathname === '/portal' && document.body.innerText.includes('Signed in as demo')`)
	signOut()

	// 2. A code: the one used at enrolment is refused, a fresh one signs in.
	signIn("code")
	a.Shot("mfa-code")
	submitCode(first)
	a.WaitJS("reused code refused", `document.readyState === 'complete' && location.pathname === '/login/second' && !!document.querySelector('.banner-error')`)
	if txt := a.Text(".banner-error"); txt != "Access denied" {
		t.Errorf("reused code: banner %q, want Access denied", txt)
	}
	submitCode(code(time.Now().Add(30 * time.Second))) // the next step: within ±1
	a.WaitJS("portal after a code", `location.pathname === '/portal' && document.body.innerText.includes('Signed in as demo')`)
	signOut()

	// 3. A recovery code signs in once.
	signIn("recovery")
	submitCode(recovery)
	a.WaitJS("portal after a recovery code", `location.pathname === '/portal' && document.body.innerText.includes('Signed in as demo')`)
	signOut()
	signIn("recovery again")
	submitCode(recovery)
	a.WaitJS("recovery code twice refused", `document.readyState === 'complete' && location.pathname === '/login/second' && !!document.querySelector('.banner-error')`)
}
