package gateway

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/chi/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/psgate/psgate/audit"
	"github.com/psgate/psgate/identity"
	"github.com/psgate/psgate/web"
)

type ruleAuthz struct{ allow map[string]bool }

func (a ruleAuthz) Authorize(_ context.Context, id identity.Identity, target, _ string) (bool, string, error) {
	host := target
	if u, err := url.Parse(target); err == nil && u.Host != "" {
		host = u.Hostname()
	}
	if a.allow[id.Name+"|"+host] {
		return true, "", nil
	}
	return false, "no rule matches " + id.Name + " -> " + host, nil
}

type fakeOpener struct {
	opened  []string
	targets []Target
	max     int
	noCreds bool // as a gateway without the user's sign-in password
}

func (o *fakeOpener) Open(_ context.Context, id identity.Identity, t Target, _ string) (string, error) {
	if o.noCreds && t.AltUser == "" {
		return "", fmt.Errorf("open session to %s for %s: %w", t.Display(), id.Name, ErrNoCredentials)
	}
	if len(o.opened) >= o.max {
		return "", fmt.Errorf("open %s: %w", t.Display(), ErrCapReached)
	}
	o.opened = append(o.opened, t.Display())
	o.targets = append(o.targets, t)
	return fmt.Sprintf("s%d", len(o.opened)), nil
}

func newConnectRig(t *testing.T, free bool) (*httptest.Server, *fakeOpener, *bytes.Buffer, *http.Client, func(url.Values) (int, string, string)) {
	t.Helper()
	return newConnectRigPages(t, free, textPages{})
}

// newConnectRigPages is newConnectRig rendering with pages; the portal
// lists one session (demo.1) so that a refused form shows it still.
func newConnectRigPages(t *testing.T, free bool, pages Pages) (*httptest.Server, *fakeOpener, *bytes.Buffer, *http.Client, func(url.Values) (int, string, string)) {
	t.Helper()
	sm := scs.New()
	csrf := &CSRF{Values: sm}
	auditBuf := &bytes.Buffer{}
	si := &SignIn{
		Deps:     &Deps{Audit: audit.NewLog(auditBuf, nil), Metrics: NewMetrics(), Pages: pages, Sessions: sm, CSRF: csrf, Logger: slog.New(slog.DiscardHandler), Sleep: func(context.Context, time.Duration) {}},
		Auth:     &countingAuth{users: map[string]string{"alice": "pw"}},
		Throttle: NewThrottle(ThrottleConfig{}),
	}
	op := &fakeOpener{max: 2}
	c := &Connect{
		Deps:             si.Deps,
		Authorizer:       ruleAuthz{allow: map[string]bool{"alice|srv1": true, "alice|pub": true}},
		Opener:           op,
		Defaults:         testDefaults,
		AllowFreeTarget:  free,
		Published:        []PublishedTarget{{ID: "0", Name: "Pub"}},
		PublishedTargets: []Target{{Computer: "pub", Configuration: "Microsoft.PowerShell", Port: 5985}},
		ListSessions: func(context.Context, string) ([]SessionRow, error) {
			return []SessionRow{{ID: "s0", Name: "demo.1", Target: "srv1", State: "active"}}, nil
		},
	}
	h := NewRouter(RouterConfig{SignIn: si, Sessions: sm, CSRF: csrf, Metrics: si.Metrics, Logger: slog.New(slog.DiscardHandler),
		Mount: func(r chi.Router) {
			r.Post("/sessions", c.Post)
			r.Get("/token", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, csrf.Token(r.Context())) })
		}})
	ts := httptest.NewTLSServer(h)
	t.Cleanup(ts.Close)
	cl := *ts.Client()
	cl.Jar, _ = cookiejar.New(nil)
	cl.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	post := func(path string, form url.Values) (int, string, string) {
		resp, err := cl.Get(ts.URL + "/token")
		if err != nil {
			t.Fatal(err)
		}
		tok, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		form.Set("csrf", string(tok))
		req, _ := http.NewRequest("POST", ts.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", ts.URL)
		resp, err = cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Location"), string(b)
	}
	if code, loc, _ := post("/login", url.Values{"username": {"alice"}, "password": {"pw"}}); code != 303 || loc != "/portal" {
		t.Fatalf("sign-in: %d %q", code, loc)
	}
	return ts, op, auditBuf, &cl, func(f url.Values) (int, string, string) { return post("/sessions", f) }
}

func TestConnectAuthorizationDeniedPage(t *testing.T) {
	_, op, audit, _, open := newConnectRig(t, true)
	code, _, body := open(url.Values{"computer": {"srv2"}})
	if code != 403 || !strings.Contains(body, "denied") || !strings.Contains(body, MessageAccessDenied) || strings.Contains(body, "no rule") {
		t.Fatalf("%d %q", code, body)
	}
	if len(op.opened) != 0 {
		t.Error("denied target was opened")
	}
	if !strings.Contains(audit.String(), `"event":259`) || !strings.Contains(audit.String(), `"target":"srv2"`) {
		t.Errorf("audit %s", audit)
	}
}

func TestConnectCapMessage(t *testing.T) {
	_, op, audit, _, open := newConnectRig(t, true)
	for i := 0; i < 2; i++ {
		if code, loc, body := open(url.Values{"computer": {"srv1"}}); code != 303 || !strings.HasPrefix(loc, "/console/s") {
			t.Fatalf("open %d: %d %q %q", i, code, loc, body)
		}
	}
	code, _, body := open(url.Values{"computer": {"srv1"}})
	// The cap page is the portal itself: the limit and the user's sessions.
	if code != 403 || !strings.HasPrefix(body, PagePortal+" ") || !strings.Contains(body, "CapReached:true SessionCap:1") || !strings.Contains(body, "Sessions:[{ID:s0") {
		t.Fatalf("cap: %d %q", code, body)
	}
	if len(op.opened) != 2 || !strings.Contains(audit.String(), "session limit reached") {
		t.Errorf("opened %v audit %s", op.opened, audit)
	}
}

// TestConnectNoCredentialsPage: a gateway that does not hold the user's
// sign-in password (signed in on another gateway) shows the portal asking
// for alternate credentials, not a bare "Access denied"; audit 261 stays.
func TestConnectNoCredentialsPage(t *testing.T) {
	_, op, audit, _, open := newConnectRig(t, true)
	op.noCreds = true
	code, _, body := open(url.Values{"computer": {"srv1"}})
	if code != 403 || !strings.HasPrefix(body, PagePortal+" ") || !strings.Contains(body, MessageNoCredentials) ||
		!strings.Contains(body, FieldAltUserName+":Enter the user name and password for srv1.") || !strings.Contains(body, "ComputerName:srv1") {
		t.Fatalf("no credentials: %d %q", code, body)
	}
	if !strings.Contains(audit.String(), `"event":261`) || !strings.Contains(audit.String(), "no target credentials") {
		t.Errorf("audit %s", audit)
	}
	if code, loc, body := open(url.Values{"computer": {"srv1"}, "alt_username": {"bob"}, "alt_password": {"pw"}}); code != 303 {
		t.Fatalf("with alternate credentials: %d %q %q", code, loc, body)
	}
}

func TestConnectFreeTargetEnforcedServerSide(t *testing.T) {
	_, op, _, _, open := newConnectRig(t, false)
	if code, _, body := open(url.Values{"computer": {"srv1"}}); code != 400 || !strings.Contains(body, "published") {
		t.Fatalf("typed computer with allow_free_target false: %d %q", code, body)
	}
	if code, loc, _ := open(url.Values{"target": {"0"}}); code != 303 || loc != "/console/s1" {
		t.Fatalf("published tile: %d %q", code, loc)
	}
	if code, _, _ := open(url.Values{"target": {"7"}}); code != 400 {
		t.Errorf("unknown tile: %d", code)
	}
	if len(op.opened) != 1 || op.opened[0] != "pub" {
		t.Errorf("opened %v", op.opened)
	}
}

// newSessionForm is the portal's new-session form (the tiles are forms too).
func newSessionForm(t *testing.T, page string) string {
	t.Helper()
	i := strings.Index(page, `<form method="post" action="/sessions" autocomplete="off">`)
	if i < 0 {
		t.Fatalf("no new-session form:\n%s", page)
	}
	return page[i : i+strings.Index(page[i:], "</form>")]
}

func webPages(t *testing.T) Pages {
	t.Helper()
	r, err := web.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	return PagesFunc(r)
}

func TestConnectFieldErrorsNextToFields(t *testing.T) {
	tests := []struct {
		name        string
		free        bool
		form        url.Values
		field, want string
		refill      string
	}{
		{"nothing named", true, url.Values{}, "computer", "A computer name or a connection URI is required.", `<option value="">`},
		{"bad port", true, url.Values{"computer": {"srv1"}, "port": {"59x"}}, "port", "Port must be a number from 1 to 65535.", `value="59x"`},
		{"both computer and uri", true, url.Values{"computer": {"srv1"}, "uri": {"https://host:5986/wsman"}}, "uri",
			"Give a computer name or a connection URI, not both.", `value="https://host:5986/wsman"`},
		{"bad uri with the switch on", true, url.Values{"uri": {"srv1"}, "use_uri": {"1"}}, "uri", "Not a valid connection URI.",
			`name="use_uri" value="1" checked data-toggle-uri>`},
		{"bad configuration", true, url.Values{"computer": {"srv1"}, "configuration": {"a/b"}}, "configuration",
			"Not a valid configuration name.", `value="a/b"`},
		{"bad auth type", true, url.Values{"computer": {"srv1"}, "authentication": {"3"}}, "authentication",
			"Not a valid authentication type.", `value="srv1"`},
		{"bad destination user", true, url.Values{"computer": {"srv1"}, "alt_username": {"bob<x>"}}, "alt_username",
			"Not a valid user name.", `value="bob&lt;x&gt;"`},
		{"unknown tile", true, url.Values{"target": {"9"}}, "target", "Unknown published computer.", `<option value="0">Pub</option>`},
		{"tile and typed computer", true, url.Values{"target": {"0"}, "computer": {"srv1"}}, "target", "not both",
			`<option value="0" selected>Pub</option>`},
		{"tile and typed URI", true, url.Values{"target": {"0"}, "uri": {"https://host/wsman"}}, "target", "not both",
			`value="https://host/wsman"`},
		{"tile, bad destination user", true, url.Values{"target": {"0"}, "alt_username": {"a|b"}}, "alt_username",
			"Not a valid user name.", `<option value="0" selected>Pub</option>`},
		{"no free target, none picked", false, url.Values{}, "target", "Pick a published computer.", `<option value="0">Pub</option>`},
		{"no free target, typed computer", false, url.Values{"computer": {"srv1"}}, "target", "Pick a published computer.",
			`<option value="0">Pub</option>`},
		{"no free target, tile and typed computer", false, url.Values{"target": {"0"}, "computer": {"srv1"}}, "target", "not both",
			`<option value="0" selected>Pub</option>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, op, _, _, open := newConnectRigPages(t, tt.free, webPages(t))
			tt.form.Set("alt_password", "alt-never-echoed")
			code, _, body := open(tt.form)
			if code != http.StatusBadRequest {
				t.Fatalf("%d\n%s", code, body)
			}
			form := newSessionForm(t, body)
			block := fieldBlock(form, tt.field)
			if !strings.Contains(block, `aria-invalid="true"`) || !strings.Contains(block, `class="field-error" id="`+tt.field+`-error">`) ||
				!strings.Contains(block, html.EscapeString(tt.want)) {
				t.Errorf("field %s: message %q not next to it:\n%s", tt.field, tt.want, block)
			}
			if n := strings.Count(body, `class="field-error"`); n != 1 {
				t.Errorf("%d field messages, want 1", n)
			}
			if !strings.Contains(form, tt.refill) {
				t.Errorf("submitted values not shown again (%s):\n%s", tt.refill, form)
			}
			if strings.Contains(body, "never-echoed") {
				t.Error("a password was echoed")
			}
			if !strings.Contains(body, "demo.1") {
				t.Error("the refused form's portal does not list the sessions")
			}
			if !tt.free && (strings.Contains(form, `name="computer"`) || strings.Contains(form, `name="uri"`)) {
				t.Error("allow_free_target false renders the computer or URI field")
			}
			if len(op.opened) != 0 {
				t.Errorf("refused form reached the opener: %v", op.opened)
			}
		})
	}
}

func TestConnectRefusedFormKeepsValues(t *testing.T) {
	_, op, _, _, open := newConnectRigPages(t, true, webPages(t))
	code, _, body := open(url.Values{"computer": {"srv1"}, "port": {"0"}, "authentication": {"kerberos"}, "use_ssl": {"1"},
		"allow_redirection": {"1"}, "application": {"custom"}, "configuration": {"Demo.Conf"}, "alt_username": {`CORP\bob`},
		"alt_password": {"bob-pw"}})
	if code != http.StatusBadRequest {
		t.Fatalf("%d\n%s", code, body)
	}
	form := newSessionForm(t, body)
	for _, want := range []string{`<details open>`, `<option value="kerberos" selected>`, `value="custom"`, `value="Demo.Conf"`,
		`value="CORP\bob"`, `id="computer" name="computer" value="srv1"`, `name="port" inputmode="numeric" value="0"`,
		`<input type="password" id="alt_password" name="alt_password">`} {
		if !strings.Contains(form, want) {
			t.Errorf("refused form lacks %s", want)
		}
	}
	if n := strings.Count(form, `<option value="1" selected>Yes</option>`); n != 2 {
		t.Errorf("%d yes selections kept, want 2", n)
	}
	if strings.Contains(body, "bob-pw") {
		t.Error("the destination password was echoed")
	}
	if code, loc, _ := open(url.Values{"computer": {"srv1"}, "alt_username": {`CORP\bob`}, "alt_password": {"bob-pw"}}); code != 303 || loc != "/console/s1" {
		t.Fatalf("corrected form: %d %q", code, loc)
	}
	if len(op.targets) != 1 || op.targets[0].AltUser != `CORP\bob` || op.targets[0].AltPassword != "bob-pw" {
		t.Errorf("opened %+v", op.targets)
	}
}

func TestConnectTileTakesAlternateCredentials(t *testing.T) {
	for _, free := range []bool{true, false} {
		t.Run(fmt.Sprintf("allow_free_target %v", free), func(t *testing.T) {
			_, op, audit, _, open := newConnectRig(t, free)
			// The tile fixes computer, port, SSL and configuration: the
			// form's settings do not override them; only the destination
			// user name and password are taken.
			form := url.Values{"target": {"0"}, "alt_username": {` CORP\bob `}, "alt_password": {" bob pw "},
				"configuration": {"Other.Conf"}, "port": {"1"}, "use_ssl": {"1"}, "authentication": {"basic"}}
			if code, loc, body := open(form); code != 303 || loc != "/console/s1" {
				t.Fatalf("%d %q\n%s", code, loc, body)
			}
			if code, loc, body := open(url.Values{"target": {"0"}}); code != 303 || loc != "/console/s2" {
				t.Fatalf("tile without alternate credentials: %d %q\n%s", code, loc, body)
			}
			want := []Target{
				{Computer: "pub", Configuration: "Microsoft.PowerShell", Port: 5985, AltUser: `CORP\bob`, AltPassword: " bob pw "},
				{Computer: "pub", Configuration: "Microsoft.PowerShell", Port: 5985},
			}
			if d := cmp.Diff(want, op.targets); d != "" {
				t.Errorf("opened targets (-want +got):\n%s", d)
			}
			if strings.Contains(audit.String(), "bob pw") {
				t.Error("the destination password reached the audit log")
			}
		})
	}
}

func TestConnectTileAndTypedTargetRefused(t *testing.T) {
	_, op, _, _, open := newConnectRig(t, true)
	for _, form := range []url.Values{
		{"target": {"0"}, "computer": {"srv1"}},
		{"target": {"0"}, "uri": {"https://srv1:5986/wsman"}},
		{"target": {"0"}, "computer": {"srv1"}, "alt_username": {"bob"}, "alt_password": {"pw"}},
	} {
		if code, _, body := open(form); code != http.StatusBadRequest || !strings.Contains(body, "not both") {
			t.Errorf("%v: %d %q", form, code, body)
		}
	}
	if len(op.opened) != 0 {
		t.Errorf("opened %v", op.opened)
	}
}

func TestSignInTileTakesAlternateCredentials(t *testing.T) {
	rig := newOneStepRig(t, true, testDefaults)
	code, loc, body := rig.post(t, url.Values{"username": {"alice"}, "password": {"pw"}, "target": {"0"},
		"alt_username": {"bob@corp.example"}, "alt_password": {"bob-pw"}})
	if code != 303 || loc != "/console/s1" {
		t.Fatalf("%d %q\n%s", code, loc, body)
	}
	want := []Target{{Computer: "pub", Configuration: "Microsoft.PowerShell", Port: 5985, AltUser: "bob@corp.example", AltPassword: "bob-pw"}}
	if d := cmp.Diff(want, rig.opener.targets); d != "" {
		t.Errorf("opened targets (-want +got):\n%s", d)
	}
	code, _, body = rig.post(t, url.Values{"username": {"alice"}, "password": {"pw"}, "target": {"0"}, "alt_username": {"a|b"}})
	if code != http.StatusBadRequest || !strings.Contains(fieldBlock(body, "alt_username"), "Not a valid user name.") {
		t.Fatalf("tile with a bad destination user: %d\n%s", code, body)
	}
	if rig.auth.calls != 1 || len(rig.opener.targets) != 1 {
		t.Errorf("refused tile form reached the directory (%d binds) or the opener (%d)", rig.auth.calls, len(rig.opener.targets))
	}
}
