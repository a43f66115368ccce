package gateway

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/pquerna/otp/totp"

	"github.com/psgate/psgate/audit"
	"github.com/psgate/psgate/identity"
	"github.com/psgate/psgate/mfa"
)

// gateAdapter is cmd/psgate's adapter of mfa.Gate to SecondFactor.
type gateAdapter struct{ *mfa.Gate }

func (g gateAdapter) Step(id identity.Identity) SecondStep {
	switch g.Need(id) {
	case mfa.NeedCode:
		return StepCode
	case mfa.NeedEnrol:
		return StepEnrol
	}
	return StepNone
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type secondRig struct {
	base  string
	c     *http.Client
	clock *testClock
	store *mfa.Store
	audit *bytes.Buffer
	gate  *mfa.Gate
}

func newSecondRig(t *testing.T, mode mfa.Mode, adminCode bool) *secondRig {
	t.Helper()
	clk := &testClock{t: time.Unix(1_800_000_000, 0)}
	st, err := mfa.OpenStore(mfa.StoreConfig{Path: filepath.Join(t.TempDir(), "mfa.json"), Key: bytes.Repeat([]byte{7}, 32), Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	rig := &secondRig{clock: clk, store: st, audit: &bytes.Buffer{}}
	rig.gate = &mfa.Gate{Store: st, Policy: mfa.Policy{Mode: mode}, EnrolmentCodeRequired: adminCode}
	sm := scs.New()
	csrf := &CSRF{Values: sm}
	s := &SignIn{
		Deps: &Deps{Audit: audit.NewLog(rig.audit, nil), Metrics: NewMetrics(), Pages: textPages{}, Sessions: sm, CSRF: csrf,
			Logger: slog.New(slog.DiscardHandler), Sleep: func(context.Context, time.Duration) {}, Now: clk.now},
		Auth:           &countingAuth{users: map[string]string{"alice": "s3cret-pw"}},
		Throttle:       NewThrottle(ThrottleConfig{}),
		Second:         gateAdapter{rig.gate},
		SecondThrottle: NewThrottle(ThrottleConfig{UserFree: 3}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", s.Form)
	mux.HandleFunc("POST /login", s.Post)
	mux.HandleFunc("GET "+PathSecond, s.SecondForm)
	mux.HandleFunc("POST "+PathSecond, s.SecondPost)
	mux.HandleFunc("GET /portal", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("portal of " + s.User(r.Context()))) })
	ts := httptest.NewTLSServer(RequestIDMiddleware(RealIPMiddleware(nil)(sm.LoadAndSave(csrf.Middleware(mux)))))
	t.Cleanup(ts.Close)
	rig.base = ts.URL
	rig.c = ts.Client()
	rig.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return rig
}

// browser is a fresh cookie jar on the rig.
func (rig *secondRig) browser() *http.Client {
	c := *rig.c
	c.Jar, _ = cookiejar.New(nil)
	return &c
}

// password signs in with the password; it wants the redirect to the second step.
func (rig *secondRig) password(t *testing.T, c *http.Client) {
	t.Helper()
	code, body := postWithFormToken(t, c, rig.base, "/login", url.Values{"username": {"alice"}, "password": {"s3cret-pw"}})
	if code != http.StatusSeeOther {
		t.Fatalf("password step: %d %q", code, body)
	}
	if _, body := get(t, c, rig.base+"/portal"); body != "portal of " {
		t.Fatalf("signed in after the password alone: %q", body)
	}
}

var fieldRE = func(name string) *regexp.Regexp { return regexp.MustCompile(name + `:(\S*)`) }

// second fetches the second step's page and posts form with its token.
func (rig *secondRig) second(t *testing.T, c *http.Client, form url.Values) (int, string, string) {
	t.Helper()
	_, page := get(t, c, rig.base+PathSecond)
	m := fieldRE("CSRF").FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("second step page has no token: %q", page)
	}
	form.Set("csrf", m[1])
	code, body := postForm(t, c, rig.base, PathSecond, form)
	return code, body, page
}

func (rig *secondRig) code(t *testing.T, secret string) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, rig.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrolled enrols alice directly in the store; it returns her secret and recovery codes.
func (rig *secondRig) enrolled(t *testing.T) (string, []string) {
	t.Helper()
	k, _ := mfa.NewTOTP("alice")
	rec, err := rig.store.EnrolTOTP(context.Background(), mfa.Enrolment{Key: "local:alice", Name: "alice", Secret: k.Secret(), Code: rig.code(t, k.Secret())})
	if err != nil {
		t.Fatal(err)
	}
	rig.clock.add(30 * time.Second)
	return k.Secret(), rec
}

func TestSecondStepTOTPAndReuse(t *testing.T) {
	rig := newSecondRig(t, mfa.ModeOptional, false)
	secret, _ := rig.enrolled(t)
	c := rig.browser()
	rig.password(t, c)
	good := rig.code(t, secret)
	code, body, _ := rig.second(t, c, url.Values{"code": {good}})
	if code != http.StatusSeeOther {
		t.Fatalf("a good code: %d %q", code, body)
	}
	if _, body := get(t, c, rig.base+"/portal"); body != "portal of alice" {
		t.Fatalf("after both steps: %q", body)
	}
	for _, ev := range []string{`"event":4102`, `"detail":"totp"`, `"event":4099`} {
		if !strings.Contains(rig.audit.String(), ev) {
			t.Errorf("audit lacks %s:\n%s", ev, rig.audit)
		}
	}
	// The same code in another browser is refused, with the generic answer.
	c2 := rig.browser()
	rig.password(t, c2)
	code, body, _ = rig.second(t, c2, url.Values{"code": {good}})
	if code != http.StatusUnauthorized || !strings.Contains(body, MessageAccessDenied) {
		t.Fatalf("a reused code: %d %q", code, body)
	}
	if _, body := get(t, c2, rig.base+"/portal"); body != "portal of " {
		t.Fatalf("signed in with a reused code: %q", body)
	}
	if strings.Contains(rig.audit.String(), secret) { // (a 6-digit code could match a timestamp's digits)
		t.Error("the audit log holds the TOTP secret")
	}
}

func TestSecondStepWrongCodesThrottled(t *testing.T) {
	rig := newSecondRig(t, mfa.ModeRequired, false)
	secret, _ := rig.enrolled(t)
	c := rig.browser()
	rig.password(t, c)
	for range 4 {
		if code, body, _ := rig.second(t, c, url.Values{"code": {"000000"}}); code != http.StatusUnauthorized {
			t.Fatalf("a wrong code: %d %q", code, body)
		}
	}
	// Back-off: now even the right code is refused until it passes.
	if code, _, _ := rig.second(t, c, url.Values{"code": {rig.code(t, secret)}}); code != http.StatusUnauthorized {
		t.Fatalf("the right code during back-off: %d", code)
	}
	if !strings.Contains(rig.audit.String(), "second-step back-off by user") {
		t.Errorf("no back-off in the audit log:\n%s", rig.audit)
	}
}

func TestSecondStepWithoutPasswordRefused(t *testing.T) {
	rig := newSecondRig(t, mfa.ModeRequired, false)
	c := rig.browser()
	if code, _ := get(t, c, rig.base+PathSecond); code != http.StatusSeeOther {
		t.Errorf("GET the second step without the first: %d, want a redirect to the sign-in", code)
	}
	// Even with the sign-in form's own token, the second step is refused.
	code, body := postWithFormToken(t, c, rig.base, PathSecond, url.Values{"code": {"123456"}})
	if code == http.StatusSeeOther || strings.Contains(body, "portal") {
		t.Fatalf("second step without the first: %d %q", code, body)
	}
}

func TestSecondStepExpires(t *testing.T) {
	rig := newSecondRig(t, mfa.ModeRequired, false)
	secret, _ := rig.enrolled(t)
	c := rig.browser()
	rig.password(t, c)
	_, page := get(t, c, rig.base+PathSecond)
	tok := fieldRE("CSRF").FindStringSubmatch(page)[1]
	rig.clock.add(SecondStepLimit + time.Second)
	form := url.Values{"code": {rig.code(t, secret)}, "csrf": {tok}}
	if code, _ := postForm(t, c, rig.base, PathSecond, form); code != http.StatusUnauthorized {
		t.Fatalf("a good code after the limit: %d", code)
	}
	if !strings.Contains(rig.audit.String(), ErrSecondStepExpired.Error()) {
		t.Errorf("audit lacks the expiry:\n%s", rig.audit)
	}
	if _, body := get(t, c, rig.base+"/portal"); body != "portal of " {
		t.Fatalf("signed in after the limit: %q", body)
	}
}

func TestSecondStepRecoveryCodeOnce(t *testing.T) {
	rig := newSecondRig(t, mfa.ModeRequired, false)
	_, rec := rig.enrolled(t)
	c := rig.browser()
	rig.password(t, c)
	if code, body, _ := rig.second(t, c, url.Values{"code": {rec[0]}}); code != http.StatusSeeOther {
		t.Fatalf("a recovery code: %d %q", code, body)
	}
	if !strings.Contains(rig.audit.String(), `"detail":"recovery"`) {
		t.Errorf("audit lacks the recovery use:\n%s", rig.audit)
	}
	c2 := rig.browser()
	rig.password(t, c2)
	if code, _, _ := rig.second(t, c2, url.Values{"code": {rec[0]}}); code != http.StatusUnauthorized {
		t.Fatalf("a recovery code twice: %d", code)
	}
}

func TestSecondStepEnrolment(t *testing.T) {
	for _, admin := range []bool{false, true} {
		t.Run(map[bool]string{false: "open", true: "admin code"}[admin], func(t *testing.T) {
			rig := newSecondRig(t, mfa.ModeRequired, admin)
			c := rig.browser()
			rig.password(t, c)
			_, page := get(t, c, rig.base+PathSecond)
			m := fieldRE("Secret").FindStringSubmatch(page)
			if !strings.Contains(page, "Enrol:true") || m == nil || m[1] == "" || !strings.Contains(page, "QR:data:image/png;base64,") {
				t.Fatalf("no enrolment page: %q", page)
			}
			secret := m[1]
			form := url.Values{"code": {rig.code(t, secret)}}
			if admin {
				if code, _, _ := rig.second(t, c, form); code != http.StatusUnauthorized {
					t.Fatalf("enrolment without the admin's code: %d", code)
				}
				ac, err := rig.store.IssueEnrolmentCode(context.Background(), "local:alice", "alice", time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				rig.clock.add(30 * time.Second)
				form = url.Values{"code": {rig.code(t, secret)}, "admin_code": {ac}}
			}
			code, body, _ := rig.second(t, c, form)
			if code != http.StatusOK || !strings.Contains(body, "Recovery:[") {
				t.Fatalf("enrolment: %d %q", code, body)
			}
			if _, body := get(t, c, rig.base+"/portal"); body != "portal of alice" {
				t.Fatalf("after enrolment: %q", body)
			}
			if !rig.store.Enrolled("local:alice") || !strings.Contains(rig.audit.String(), `"event":4101`) {
				t.Errorf("not enrolled or not audited:\n%s", rig.audit)
			}
		})
	}
}
