package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/chi/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/psgate/psgate/audit"
	"github.com/psgate/psgate/identity"
	"github.com/psgate/psgate/web"
)

type countingAuth struct {
	mu    sync.Mutex
	calls int
	users map[string]string
	// down makes every call fail as an unreachable directory would.
	down bool
}

func (a *countingAuth) Authenticate(_ context.Context, user, pw string) (identity.Identity, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls++
	if a.down {
		return identity.Identity{Typed: user}, fmt.Errorf("directory: authenticate %q: connecting: %w: connection refused", user, identity.ErrUnavailable)
	}
	if p, ok := a.users[user]; ok && p == pw {
		return identity.Identity{Name: user}, nil
	}
	return identity.Identity{}, errors.New("invalid credentials (52e)")
}

type textPages struct{}

func (textPages) Render(w http.ResponseWriter, name string, data any) error {
	_, err := fmt.Fprintf(w, "%s %+v", name, data)
	return err
}

type signInRig struct {
	ts      *httptest.Server
	auth    *countingAuth
	audit   *bytes.Buffer
	metrics *Metrics
	sleeps  int
	mu      sync.Mutex
}

func newSignInRig(t *testing.T) *signInRig {
	t.Helper()
	rig := &signInRig{auth: &countingAuth{users: map[string]string{"alice": "s3cret-pw"}}, audit: &bytes.Buffer{}, metrics: NewMetrics()}
	sm := scs.New()
	csrf := &CSRF{Values: sm}
	s := &SignIn{
		Deps:     &Deps{Audit: audit.NewLog(rig.audit, nil), Metrics: rig.metrics, Pages: textPages{}, Sessions: sm, CSRF: csrf, Logger: slog.New(slog.DiscardHandler), Sleep: func(context.Context, time.Duration) { rig.mu.Lock(); rig.sleeps++; rig.mu.Unlock() }},
		Auth:     rig.auth,
		Throttle: NewThrottle(ThrottleConfig{UserFree: 3, IPFree: 10}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", s.Form)
	mux.HandleFunc("POST /login", s.Post)
	mux.HandleFunc("GET /portal", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "portal of "+s.User(r.Context()))
	})
	rig.ts = httptest.NewTLSServer(RequestIDMiddleware(RealIPMiddleware(nil)(sm.LoadAndSave(csrf.Middleware(mux)))))
	t.Cleanup(rig.ts.Close)
	return rig
}

// signIn fetches a form token in a fresh cookie session and posts the credentials.
func (rig *signInRig) signIn(t *testing.T, user, pw string) (int, string) {
	t.Helper()
	return rig.signInForm(t, url.Values{"username": {user}, "password": {pw}})
}

// signInForm fetches a form token in a fresh cookie session and posts form.
func (rig *signInRig) signInForm(t *testing.T, form url.Values) (int, string) {
	t.Helper()
	c := *rig.ts.Client()
	c.Jar, _ = cookiejar.New(nil)
	return postWithFormToken(t, &c, rig.ts.URL, "/login", form)
}

func TestSignInSuccessRenewsCookie(t *testing.T) {
	rig := newSignInRig(t)
	code, body := rig.signIn(t, "alice", "s3cret-pw")
	if code != 200 || body != "portal of alice" {
		t.Fatalf("%d %q", code, body)
	}
	if strings.Contains(rig.audit.String(), "s3cret-pw") {
		t.Error("password in the audit log")
	}
}

func TestSignInGenericDenialAndAudit(t *testing.T) {
	rig := newSignInRig(t)
	code, body := rig.signIn(t, "alice", "wrong-guess")
	if code != http.StatusUnauthorized || !strings.Contains(body, MessageAccessDenied) || strings.Contains(body, "52e") {
		t.Fatalf("%d %q", code, body)
	}
	if rig.sleeps != 1 {
		t.Errorf("%d fail delays, want 1", rig.sleeps)
	}
	var events []audit.Record
	for _, l := range strings.Split(strings.TrimSpace(rig.audit.String()), "\n") {
		var r audit.Record
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		events = append(events, r)
	}
	if len(events) != 2 || events[0].Event != 257 || events[0].Reason != "invalid credentials (52e)" || events[0].User != "alice" ||
		events[0].ClientAddr != "127.0.0.1" || events[0].RequestID == "" || events[1].Event != 261 {
		t.Errorf("audit %+v", events)
	}
	if strings.Contains(rig.audit.String(), "wrong-guess") {
		t.Error("password in the audit log")
	}
}

func TestSignInThrottledBeforeBind(t *testing.T) {
	rig := newSignInRig(t)
	for i := 0; i < 3; i++ {
		rig.signIn(t, `CORP\Alice`, "guess")
	}
	if rig.auth.calls != 3 {
		t.Fatalf("%d binds", rig.auth.calls)
	}
	rig.signIn(t, "alice", "guess") // 4th failure triggers back-off
	for i := 0; i < 5; i++ {
		code, body := rig.signIn(t, "ALICE", "s3cret-pw") // even the right password waits
		if code != http.StatusUnauthorized || !strings.Contains(body, MessageAccessDenied) {
			t.Fatalf("%d %q", code, body)
		}
	}
	if rig.auth.calls != 4 {
		t.Errorf("%d binds, want 4: throttled attempts must not reach the directory", rig.auth.calls)
	}
	if !strings.Contains(rig.audit.String(), `"event":4097`) {
		t.Error("no throttle audit event")
	}
}

func TestSignInFieldErrors(t *testing.T) {
	rig := newSignInRig(t)
	code, body := rig.signIn(t, "a\r\nb", "")
	if code != http.StatusBadRequest || !strings.Contains(body, "username:") || !strings.Contains(body, "password:") {
		t.Fatalf("%d %q", code, body)
	}
	if rig.auth.calls != 0 {
		t.Error("invalid form reached the directory")
	}
}

// targetOpener records the targets it is asked to open.
type targetOpener struct {
	mu      sync.Mutex
	targets []Target
}

func (o *targetOpener) Open(_ context.Context, _ identity.Identity, t Target, _ string) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.targets = append(o.targets, t)
	return fmt.Sprintf("s%d", len(o.targets)), nil
}

// oneStepRig is the production router (NewRouter) with SignIn.Connect set
// and the real page templates.
type oneStepRig struct {
	ts     *httptest.Server
	auth   *countingAuth
	opener *targetOpener
}

func newOneStepRig(t *testing.T, free bool, d FormDefaults) *oneStepRig {
	t.Helper()
	r, err := web.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	sm := scs.New()
	csrf := &CSRF{Values: sm}
	rig := &oneStepRig{auth: &countingAuth{users: map[string]string{"alice": "pw"}}, opener: &targetOpener{}}
	si := &SignIn{
		Deps:     &Deps{Audit: audit.NewLog(io.Discard, nil), Metrics: NewMetrics(), Pages: PagesFunc(r), Sessions: sm, CSRF: csrf, Logger: slog.New(slog.DiscardHandler), Sleep: func(context.Context, time.Duration) {}},
		Auth:     rig.auth,
		Throttle: NewThrottle(ThrottleConfig{}),
	}
	si.Connect = &Connect{
		Deps:             si.Deps,
		Authorizer:       ruleAuthz{allow: map[string]bool{"alice|host": true, "alice|srv1": true, "alice|pub": true}},
		Opener:           rig.opener,
		Defaults:         d,
		AllowFreeTarget:  free,
		Published:        []PublishedTarget{{ID: "0", Name: "Pub tile", ComputerName: "pub"}},
		PublishedTargets: []Target{{Computer: "pub", Configuration: "Microsoft.PowerShell", Port: 5985}},
	}
	rig.ts = httptest.NewTLSServer(NewRouter(RouterConfig{SignIn: si, Sessions: sm, CSRF: csrf, Metrics: si.Metrics,
		Logger: slog.New(slog.DiscardHandler), Mount: func(r chi.Router) { r.Post("/sessions", si.Connect.Post) }}))
	t.Cleanup(rig.ts.Close)
	return rig
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// page gets the sign-in page in a fresh cookie session.
func (rig *oneStepRig) page(t *testing.T) (*http.Client, string) {
	t.Helper()
	c := *rig.ts.Client()
	c.Jar, _ = cookiejar.New(nil)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(rig.ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /: %d", resp.StatusCode)
	}
	return &c, string(b)
}

// post signs in with form (the CSRF token taken from the rendered page).
func (rig *oneStepRig) post(t *testing.T, form url.Values) (code int, location, body string) {
	t.Helper()
	c, page := rig.page(t)
	m := csrfInput.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no csrf input on the sign-in page")
	}
	form.Set("csrf", html.UnescapeString(m[1]))
	req, _ := http.NewRequest("POST", rig.ts.URL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", rig.ts.URL)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// fieldBlock is the <p> of the form holding the control named name.
func fieldBlock(page, name string) string {
	i := strings.Index(page, `name="`+name+`"`)
	if i < 0 {
		return ""
	}
	start := strings.LastIndex(page[:i], "<p")
	end := strings.Index(page[i:], "</p>")
	if start < 0 || end < 0 {
		return ""
	}
	return page[start : i+end]
}

var pswaDefaults = FormDefaults{Port: 5985, SSLPort: 5986, Application: "WSMAN", Authentication: "negotiate",
	UseSSL: true, AllowRedirection: true, Configuration: "Microsoft.PowerShell"}

func TestSignInPageHasPSWAFields(t *testing.T) {
	_, page := newOneStepRig(t, true, pswaDefaults).page(t)
	for _, name := range []string{"csrf", "username", "password", "target", "use_uri", "computer", "uri", "alt_username",
		"alt_password", "configuration", "authentication", "use_ssl", "port", "application", "allow_redirection"} {
		if fieldBlock(page, name) == "" && !strings.Contains(page, `name="`+name+`"`) {
			t.Errorf("no field named %q", name)
		}
	}
	for _, want := range []string{
		`<summary>Optional connection settings</summary>`,
		`<input type="password" id="password" name="password" required>`,
		`placeholder="Microsoft.PowerShell"`,  // configuration default
		`placeholder="WSMAN"`,                 // application default
		`placeholder="5985 (5986 with SSL)"`,  // port defaults
		`<option value="negotiate" selected>`, // authentication default
	} {
		if !strings.Contains(page, want) {
			t.Errorf("sign-in page lacks %s", want)
		}
	}
	if n := strings.Count(page, `<option value="1" selected>Yes</option>`); n != 2 {
		t.Errorf("%d selects default to yes, want 2 (use_ssl, allow_redirection)", n)
	}
	if !strings.Contains(page, `<option value="0">Pub tile</option>`) {
		t.Error("published tile missing")
	}
	if strings.Contains(page, "<style") || strings.Contains(page, " style=") || strings.Contains(page, "<script>") {
		t.Error("inline style or script")
	}

	_, page = newOneStepRig(t, true, FormDefaults{Port: 5985, SSLPort: 5986, Application: "WSMAN", Authentication: "default"}).page(t)
	for _, want := range []string{`<option value="default" selected>`, `placeholder="Microsoft.PowerShell"`} {
		if !strings.Contains(page, want) {
			t.Errorf("sign-in page (PSWA appSettings defaults) lacks %s", want)
		}
	}
	if strings.Contains(page, `<option value="1" selected>`) {
		t.Error("use_ssl or allow_redirection defaults to yes")
	}
}

func TestSignInPageWithoutFreeTarget(t *testing.T) {
	rig := newOneStepRig(t, false, pswaDefaults)
	_, page := rig.page(t)
	for _, name := range []string{"computer", "uri", "use_uri", "port", "authentication", "alt_username"} {
		if strings.Contains(page, `name="`+name+`"`) {
			t.Errorf("allow_free_target false renders the %q field", name)
		}
	}
	if !strings.Contains(page, `name="target"`) {
		t.Error("published selector missing")
	}
	code, _, body := rig.post(t, url.Values{"username": {"alice"}, "password": {"pw"}, "computer": {"srv1"}})
	if code != http.StatusBadRequest || !strings.Contains(fieldBlock(body, "target"), "Pick a published computer") {
		t.Fatalf("typed computer with allow_free_target false: %d\n%s", code, body)
	}
	code, _, _ = rig.post(t, url.Values{"username": {"alice"}, "password": {"pw"}, "uri": {"https://host:5986/wsman"}})
	if code != http.StatusBadRequest {
		t.Errorf("typed URI with allow_free_target false: %d", code)
	}
	if rig.auth.calls != 0 || len(rig.opener.targets) != 0 {
		t.Fatalf("refused form reached the directory (%d binds) or the opener (%v)", rig.auth.calls, rig.opener.targets)
	}
	if code, loc, _ := rig.post(t, url.Values{"username": {"alice"}, "password": {"pw"}, "target": {"0"}}); code != 303 || loc != "/console/s1" {
		t.Fatalf("published tile: %d %q", code, loc)
	}
	if len(rig.opener.targets) != 1 || rig.opener.targets[0].Computer != "pub" {
		t.Errorf("opened %+v", rig.opener.targets)
	}
}

func TestSignInOpensTargetWithSettings(t *testing.T) {
	tests := []struct {
		name string
		form url.Values
		want Target
	}{
		{"uri", url.Values{"uri": {"https://host:5986/wsman"}, "authentication": {"basic"}, "use_ssl": {"0"},
			"allow_redirection": {"1"}, "configuration": {"Demo.Conf"}, "alt_username": {`CORP\bob`}, "alt_password": {"bob-pw"}},
			Target{URI: &url.URL{Scheme: "https", Host: "host:5986", Path: "/wsman"}, Authentication: "basic", AllowRedirection: true,
				Configuration: "Demo.Conf", Port: 5985, Application: "WSMAN", AltUser: `CORP\bob`, AltPassword: "bob-pw"}},
		{"computer with SSL, port, auth number", url.Values{"computer": {"srv1"}, "use_ssl": {"1"}, "port": {"15986"},
			"authentication": {"6"}, "application": {"custom"}, "allow_redirection": {"0"}},
			Target{Computer: "srv1", UseSSL: true, Port: 15986, Authentication: "kerberos", Application: "custom",
				Configuration: "Microsoft.PowerShell"}},
		{"computer, SSL default port", url.Values{"computer": {"srv1"}, "use_ssl": {"1"}},
			Target{Computer: "srv1", UseSSL: true, Port: 5986, Authentication: "default", Application: "WSMAN",
				Configuration: "Microsoft.PowerShell"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rig := newOneStepRig(t, true, testDefaults)
			tt.form.Set("username", "alice")
			tt.form.Set("password", "pw")
			code, loc, body := rig.post(t, tt.form)
			if code != http.StatusSeeOther || loc != "/console/s1" {
				t.Fatalf("%d %q\n%s", code, loc, body)
			}
			if len(rig.opener.targets) != 1 {
				t.Fatalf("opened %d targets", len(rig.opener.targets))
			}
			if d := cmp.Diff(tt.want, rig.opener.targets[0]); d != "" {
				t.Errorf("target (-want +got):\n%s", d)
			}
		})
	}
}

func TestSignInTargetFieldErrors(t *testing.T) {
	tests := []struct {
		name        string
		form        url.Values
		field, want string
		refill      string
	}{
		{"bad port", url.Values{"computer": {"srv1"}, "port": {"59x"}}, "port", "Port must be a number from 1 to 65535.", `value="59x"`},
		{"both computer and uri", url.Values{"computer": {"srv1"}, "uri": {"https://host:5986/wsman"}}, "uri",
			"Give a computer name or a connection URI, not both.", `value="https://host:5986/wsman"`},
		{"bad auth type", url.Values{"computer": {"srv1"}, "authentication": {"3"}}, "authentication", "Not a valid authentication type.", `value="srv1"`},
		{"bad computer", url.Values{"computer": {"<b>x</b>"}}, "computer", "Not a valid computer name.", `value="&lt;b&gt;x&lt;/b&gt;"`},
		{"computer with the URI switch on", url.Values{"computer": {"a b"}, "use_uri": {"1"}}, "computer", "Not a valid computer name.",
			`name="use_uri" value="1" data-toggle-uri>`},
		{"URI switch on, URI bad", url.Values{"uri": {"srv1"}, "use_uri": {"1"}}, "uri", "Not a valid connection URI.",
			`name="use_uri" value="1" checked data-toggle-uri>`},
		{"bad uri", url.Values{"uri": {"javascript:alert(1)"}}, "uri", "Not a valid connection URI.", `value="javascript:alert(1)"`},
		{"unknown tile", url.Values{"target": {"9"}}, "target", "Unknown published computer.", `<option value="0">Pub tile</option>`},
		{"tile and computer", url.Values{"target": {"0"}, "computer": {"srv1"}}, "target", "not both", `<option value="0" selected>`},
		{"bad configuration", url.Values{"computer": {"srv1"}, "configuration": {"a/b"}}, "configuration", "Not a valid configuration name.", `value="a/b"`},
		{"oversized computer not echoed", url.Values{"computer": {strings.Repeat("x", 5000)}}, "computer", "Too long.", `id="computer" name="computer" value=""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rig := newOneStepRig(t, true, testDefaults)
			tt.form.Set("username", `CORP\alice`)
			tt.form.Set("password", "pw-never-echoed")
			tt.form.Set("alt_password", "alt-never-echoed")
			code, _, body := rig.post(t, tt.form)
			if code != http.StatusBadRequest {
				t.Fatalf("%d\n%s", code, body)
			}
			block := fieldBlock(body, tt.field)
			if !strings.Contains(block, `aria-invalid="true"`) || !strings.Contains(block, `class="field-error" id="`+tt.field+`-error">`+html.EscapeString(tt.want)) &&
				!strings.Contains(block, tt.want) {
				t.Errorf("field %s: message %q not next to it:\n%s", tt.field, tt.want, block)
			}
			if n := strings.Count(body, `class="field-error"`); n != 1 {
				t.Errorf("%d field messages, want 1", n)
			}
			if !strings.Contains(body, tt.refill) || !strings.Contains(body, `value="CORP\alice"`) {
				t.Errorf("submitted values not shown again (%s)", tt.refill)
			}
			if strings.Contains(body, "never-echoed") {
				t.Error("a password was echoed")
			}
			if rig.auth.calls != 0 || len(rig.opener.targets) != 0 {
				t.Errorf("invalid form reached the directory (%d) or the opener (%d)", rig.auth.calls, len(rig.opener.targets))
			}
		})
	}
}

func TestSignInTargetWithoutConnect(t *testing.T) {
	rig := newSignInRig(t)
	code, body := rig.signInForm(t, url.Values{"username": {"alice"}, "password": {"s3cret-pw"}, "computer": {"srv1"}})
	if code != http.StatusBadRequest || !strings.Contains(body, "Pick a computer on the portal") || rig.auth.calls != 0 {
		t.Fatalf("%d %q, %d binds", code, body, rig.auth.calls)
	}
}

func TestSignInRefusedFormKeepsOptionalSettings(t *testing.T) {
	rig := newOneStepRig(t, true, testDefaults)
	code, _, body := rig.post(t, url.Values{"username": {"alice"}, "password": {"pw"}, "computer": {"srv1"}, "port": {"0"},
		"authentication": {"kerberos"}, "use_ssl": {"1"}, "allow_redirection": {"1"}, "application": {"custom"},
		"configuration": {"Demo.Conf"}, "alt_username": {"bob"}})
	if code != http.StatusBadRequest {
		t.Fatalf("%d", code)
	}
	for _, want := range []string{`<details open>`, `<option value="kerberos" selected>`, `value="custom"`, `value="Demo.Conf"`,
		`value="bob"`, `name="port" inputmode="numeric" value="0"`} {
		if !strings.Contains(body, want) {
			t.Errorf("refused form lacks %s", want)
		}
	}
	if n := strings.Count(body, `<option value="1" selected>Yes</option>`); n != 2 {
		t.Errorf("%d yes selections kept, want 2", n)
	}
	if code, loc, _ := rig.post(t, url.Values{"username": {"alice"}, "password": {"pw"}, "computer": {"srv1"}}); code != 303 || loc != "/console/s1" {
		t.Fatalf("corrected form: %d %q", code, loc)
	}
}

// gatedAuth counts binds and holds each one until release is closed, so
// that every attempt of a burst is in flight at once.
type gatedAuth struct {
	mu      sync.Mutex
	binds   int
	release chan struct{}
}

func (a *gatedAuth) Authenticate(context.Context, string, string) (identity.Identity, error) {
	a.mu.Lock()
	a.binds++
	a.mu.Unlock()
	<-a.release
	return identity.Identity{}, errors.New("invalid credentials (52e)")
}

func (a *gatedAuth) count() int { a.mu.Lock(); defer a.mu.Unlock(); return a.binds }

// TestSignInParallelSprayThrottled: wrong passwords for many distinct names
// sent at once from one address reach the directory no more often than sent
// one by one (IPFree failures, then the one that starts the back-off); the
// rest get the generic denial and a throttle audit event. Begin serialises
// per name only, so without the in-flight count every guess was bound.
func TestSignInParallelSprayThrottled(t *testing.T) {
	const ipFree, n = 5, 30
	auth := &gatedAuth{release: make(chan struct{})}
	auditBuf := &bytes.Buffer{} // AuditLog serialises its writes; read after wg.Wait
	sm := scs.New()
	s := &SignIn{
		Deps:     &Deps{Audit: audit.NewLog(auditBuf, nil), Metrics: NewMetrics(), Pages: textPages{}, Sessions: sm, CSRF: &CSRF{Values: sm}, Logger: slog.New(slog.DiscardHandler), Sleep: func(context.Context, time.Duration) {}},
		Auth:     auth,
		Throttle: NewThrottle(ThrottleConfig{UserFree: 3, IPFree: ipFree}),
	}
	h := RealIPMiddleware(nil)(sm.LoadAndSave(http.HandlerFunc(s.Post)))
	var wg sync.WaitGroup
	var mu sync.Mutex
	answered := 0
	for i := range n {
		wg.Go(func() {
			form := url.Values{"username": {fmt.Sprintf("user%02d", i)}, "password": {"guess"}}
			req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
			req.RemoteAddr = "203.0.113.7:40000"
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), MessageAccessDenied) {
				t.Errorf("status %d %q, want 401 and the generic message", rec.Code, rec.Body.String())
			}
			mu.Lock()
			answered++
			mu.Unlock()
		})
	}
	// Wait until every attempt is either bound (held in Authenticate) or
	// answered; the deadline only bounds a stuck test.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		a := answered
		mu.Unlock()
		if auth.count()+a >= n {
			break
		}
		if time.Now().After(deadline) {
			close(auth.release)
			t.Fatalf("stuck: %d binds, %d answered of %d", auth.count(), a, n)
		}
	}
	close(auth.release)
	wg.Wait()
	if b := auth.count(); b > ipFree+1 {
		t.Errorf("%d binds for %d parallel guesses over distinct names from one address, want at most %d (IPFree + the one that starts the back-off)", b, n, ipFree+1)
	}
	throttled := strings.Count(auditBuf.String(), `"event":4097`)
	if throttled != n-auth.count() {
		t.Errorf("%d throttle audit events, want %d (one per attempt not bound)", throttled, n-auth.count())
	}
	if len(s.Throttle.inflight) != 0 || len(s.Throttle.busy) != 0 {
		t.Errorf("in flight left: %d addresses, %d users", len(s.Throttle.inflight), len(s.Throttle.busy))
	}
}
