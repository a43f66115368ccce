package gateway

import (
	"bytes"
	"context"
	"fmt"
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
)

type ruleAuthz struct{ allow map[string]bool }

func (a ruleAuthz) Authorize(_ context.Context, id Identity, t Target) (bool, string, error) {
	if a.allow[id.Name+"|"+t.Host()] {
		return true, "", nil
	}
	return false, "no rule matches " + id.Name + " -> " + t.Host(), nil
}

type fakeOpener struct {
	opened []string
	max    int
}

func (o *fakeOpener) Open(_ context.Context, id Identity, t Target, _ string) (string, error) {
	if len(o.opened) >= o.max {
		return "", fmt.Errorf("open %s: %w", t.Display(), ErrCapReached)
	}
	o.opened = append(o.opened, t.Display())
	return fmt.Sprintf("s%d", len(o.opened)), nil
}

func newConnectRig(t *testing.T, free bool) (*httptest.Server, *fakeOpener, *bytes.Buffer, *http.Client, func(url.Values) (int, string, string)) {
	t.Helper()
	sm := scs.New()
	csrf := &CSRF{Values: sm}
	audit := &bytes.Buffer{}
	si := &SignIn{Auth: &countingAuth{users: map[string]string{"alice": "pw"}}, Throttle: NewThrottle(ThrottleConfig{}),
		Audit: NewAuditLog(audit, nil), Metrics: NewMetrics(), Pages: textPages{}, Sessions: sm, CSRF: csrf,
		Logger: slog.New(slog.DiscardHandler), Sleep: func(context.Context, time.Duration) {}}
	op := &fakeOpener{max: 2}
	c := &Connect{SignIn: si, Authorizer: ruleAuthz{allow: map[string]bool{"alice|srv1": true, "alice|pub": true}}, Opener: op,
		Defaults: testDefaults, AllowFreeTarget: free, Published: []PublishedTarget{{ID: "0", Name: "Pub"}},
		PublishedTargets: []Target{{Computer: "pub", Configuration: "Microsoft.PowerShell", Port: 5985}},
		Identity:         func(_ context.Context, u string) (Identity, bool) { return Identity{Name: u}, u != "" },
		Logger:           slog.New(slog.DiscardHandler)}
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
	return ts, op, audit, &cl, func(f url.Values) (int, string, string) { return post("/sessions", f) }
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
	if code != 403 || !strings.Contains(body, MessageCapReached) {
		t.Fatalf("cap: %d %q", code, body)
	}
	if len(op.opened) != 2 || !strings.Contains(audit.String(), "session limit reached") {
		t.Errorf("opened %v audit %s", op.opened, audit)
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
