package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
)

type countingAuth struct {
	mu    sync.Mutex
	calls int
	users map[string]string
}

func (a *countingAuth) Authenticate(_ context.Context, user, pw string) (Identity, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls++
	if p, ok := a.users[user]; ok && p == pw {
		return Identity{Name: user}, nil
	}
	return Identity{}, errors.New("invalid credentials (52e)")
}

type textPages struct{}

func (textPages) Render(w http.ResponseWriter, name string, data any) error {
	_, err := fmt.Fprintf(w, "%s %+v", name, data)
	return err
}

type signInRig struct {
	ts     *httptest.Server
	auth   *countingAuth
	audit  *bytes.Buffer
	sleeps int
	mu     sync.Mutex
}

func newSignInRig(t *testing.T) *signInRig {
	t.Helper()
	rig := &signInRig{auth: &countingAuth{users: map[string]string{"alice": "s3cret-pw"}}, audit: &bytes.Buffer{}}
	sm := scs.New()
	csrf := &CSRF{Values: sm}
	s := &SignIn{
		Auth: rig.auth, Throttle: NewThrottle(ThrottleConfig{UserFree: 3, IPFree: 10}), Audit: NewAuditLog(rig.audit, nil),
		Metrics: NewMetrics(), Pages: textPages{}, Sessions: sm, CSRF: csrf, Logger: slog.New(slog.DiscardHandler),
		Sleep: func(context.Context, time.Duration) { rig.mu.Lock(); rig.sleeps++; rig.mu.Unlock() },
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
	c := *rig.ts.Client()
	c.Jar, _ = cookiejar.New(nil)
	cl := &c
	resp, err := cl.Get(rig.ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	i := strings.Index(string(body), "CSRF:")
	tok := strings.Fields(string(body)[i+5:])[0]
	form := url.Values{"username": {user}, "password": {pw}, "csrf": {tok}}
	req, _ := http.NewRequest("POST", rig.ts.URL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", rig.ts.URL)
	resp, err = cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
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
	var events []AuditRecord
	for _, l := range strings.Split(strings.TrimSpace(rig.audit.String()), "\n") {
		var r AuditRecord
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
