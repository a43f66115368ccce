package gateway

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"net/http/httptest"

	"github.com/psgate/psgate/audit"
)

func TestRouterHealthAndHeaders(t *testing.T) {
	var rulesErr error
	sm := NewSessionManager(time.Hour, nil)
	csrf := &CSRF{Values: sm}
	si := &SignIn{
		Deps:     &Deps{Audit: audit.NewLog(io.Discard, nil), Metrics: NewMetrics(), Pages: textPages{}, Sessions: sm, CSRF: csrf, Logger: slog.New(slog.DiscardHandler)},
		Auth:     &countingAuth{},
		Throttle: NewThrottle(ThrottleConfig{}),
	}
	h := NewRouter(RouterConfig{SignIn: si, Sessions: sm, CSRF: csrf, Metrics: si.Metrics, Logger: slog.New(slog.DiscardHandler),
		Ready: []ReadyCheck{{Name: "rules", Check: func(context.Context) error { return rulesErr }}}})
	ts := httptest.NewTLSServer(h)
	defer ts.Close()
	get := func(path string) (*http.Response, string) {
		resp, err := ts.Client().Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics", "/", "/nope"} {
		resp, _ := get(p)
		if resp.Header.Get("X-Frame-Options") != "DENY" || resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("%s: security headers missing", p)
		}
	}
	// The sign-in form of a client that has not signed in stores nothing:
	// no session cookie, only the pre-sign-in cookie its token is bound to.
	resp, _ := get("/")
	c := strings.Join(resp.Header.Values("Set-Cookie"), "\n")
	for _, want := range []string{"__Host-psgate_presignin=", "Path=/", "Secure", "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(c, want) {
			t.Errorf("cookie %q lacks %s", c, want)
		}
	}
	if strings.Contains(c, "psgate_session=") {
		t.Errorf("an anonymous GET / got a session cookie: %q", c)
	}
	rulesErr = errors.New("rules file unreadable")
	if resp, body := get("/readyz"); resp.StatusCode != 503 || !strings.Contains(body, "rules") {
		t.Errorf("readyz with broken rules: %d %q", resp.StatusCode, body)
	}
	// A POST without a token is refused (CSRF on the sign-in form itself).
	resp2, err := ts.Client().Post(ts.URL+"/login", "application/x-www-form-urlencoded", strings.NewReader("username=a&password=b"))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp2.Body.Close()
	if resp2.StatusCode != 403 {
		t.Errorf("login without CSRF: %d", resp2.StatusCode)
	}
}
