package gateway

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2/memstore"

	"github.com/psgate/psgate/audit"
	"github.com/psgate/psgate/identity"
)

// countingStore is a memory scs store that counts what is written to it.
type countingStore struct {
	*memstore.MemStore
	commits atomic.Int64
}

func (s *countingStore) Commit(token string, b []byte, expiry time.Time) error {
	s.commits.Add(1)
	return s.MemStore.Commit(token, b, expiry)
}

func anonymousRig(t *testing.T) (http.Handler, *countingStore, *CSRF) {
	t.Helper()
	store := &countingStore{MemStore: memstore.NewWithCleanupInterval(0)}
	sm := NewSessionManager(time.Hour, store)
	csrf := &CSRF{Values: sm}
	si := &SignIn{
		Deps: &Deps{Audit: audit.NewLog(io.Discard, nil), Metrics: NewMetrics(), Pages: textPages{}, Sessions: sm,
			CSRF: csrf, Logger: slog.New(slog.DiscardHandler), Sleep: func(context.Context, time.Duration) {}},
		Auth:     &countingAuth{users: map[string]string{"alice": "pw"}},
		Throttle: NewThrottle(ThrottleConfig{}),
	}
	return NewRouter(RouterConfig{SignIn: si, Sessions: sm, CSRF: csrf, Metrics: si.Metrics, Logger: slog.New(slog.DiscardHandler)}), store, csrf
}

// TestAnonymousRequestsStoreNothing: 100,000 GET / without a cookie (the
// sign-in form, each with a CSRF token) write nothing to the sign-in store
// and leave the gateway's heap flat (issue 12 #1: each used to keep a
// ≈1 KB session for 12 h; 200,000 took the gateway from 60 to 287 MB, and
// with Redis they would have filled Redis). A failed sign-in stores
// nothing either; a successful one does.
func TestAnonymousRequestsStoreNothing(t *testing.T) {
	h, store, _ := anonymousRig(t)
	get := func() *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "https://gw.example/", nil))
		return w
	}
	for range 1000 { // warm up pools and caches
		get()
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range 100_000 {
		if w := get(); w.Code != http.StatusOK {
			t.Fatalf("GET / = %d", w.Code)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if n := store.commits.Load(); n != 0 {
		t.Errorf("anonymous GET / wrote %d sign-in sessions, want 0", n)
	}
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("heap after 100,000 anonymous GET /: %+d bytes", grew)
	if grew > 4<<20 {
		t.Errorf("heap grew by %d bytes over 100,000 anonymous requests, want flat (< 4 MiB)", grew)
	}

	// The form still works: its token, bound to the pre-sign-in cookie.
	w := get()
	tok := csrfFromBody(t, w.Body.String())
	cookie := w.Result().Cookies()[0]
	post := func(form url.Values, c *http.Cookie) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "https://gw.example/login", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Origin", "https://gw.example")
		if c != nil {
			r.AddCookie(c)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	if w := post(url.Values{"csrf": {tok}, "username": {"alice"}, "password": {"wrong"}}, cookie); w.Code != http.StatusUnauthorized {
		t.Errorf("failed sign-in = %d, want 401", w.Code)
	}
	if n := store.commits.Load(); n != 0 {
		t.Errorf("a failed sign-in wrote %d sessions, want 0", n)
	}
	r := httptest.NewRequest(http.MethodPost, "https://gw.example/logout", strings.NewReader(url.Values{"csrf": {tok}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", "https://gw.example")
	r.AddCookie(cookie)
	if w := httptest.NewRecorder(); func() int { h.ServeHTTP(w, r); return w.Code }() != http.StatusForbidden {
		t.Errorf("a pre-sign-in token was accepted for POST /logout: %d", w.Code)
	}
	if w := post(url.Values{"csrf": {tok}, "username": {"alice"}, "password": {"pw"}}, nil); w.Code != http.StatusForbidden {
		t.Errorf("token without its cookie = %d, want 403", w.Code)
	}
	other := &http.Cookie{Name: preSignInCookie, Value: randomToken()}
	if w := post(url.Values{"csrf": {tok}, "username": {"alice"}, "password": {"pw"}}, other); w.Code != http.StatusForbidden {
		t.Errorf("token with another client's cookie = %d, want 403", w.Code)
	}
	if w := post(url.Values{"csrf": {tok}, "username": {"alice"}, "password": {"pw"}}, cookie); w.Code != http.StatusSeeOther {
		t.Errorf("sign-in = %d, want 303", w.Code)
	}
	if n := store.commits.Load(); n == 0 {
		t.Error("a successful sign-in stored no session")
	}
}

func csrfFromBody(t *testing.T, body string) string {
	t.Helper()
	_, rest, ok := strings.Cut(body, "CSRF:")
	if !ok {
		t.Fatalf("no csrf token in %q", body)
	}
	tok, _, _ := strings.Cut(rest, " ")
	return strings.TrimSpace(tok)
}

// TestKnownDevicePassesUserBackoff: a guesser who fails on purpose puts the
// user into back-off, but the owner's browser (a known device: it signed in
// before) still signs in; a stranger's browser, and the guesser's, are
// backed off; a known device that keeps failing gets a back-off of its own
// (issue 12, "decide and document").
func TestKnownDevicePassesUserBackoff(t *testing.T) {
	h, _, _ := anonymousRig(t)
	type browser struct{ jar []*http.Cookie }
	do := func(b *browser, addr, pw string) int {
		get := httptest.NewRequest(http.MethodGet, "https://gw.example/", nil)
		get.RemoteAddr = addr + ":1000"
		for _, c := range b.jar {
			get.AddCookie(c)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, get)
		b.jar = merge(b.jar, w.Result().Cookies())
		form := url.Values{"csrf": {csrfFromBody(t, w.Body.String())}, "username": {"alice"}, "password": {pw}}
		r := httptest.NewRequest(http.MethodPost, "https://gw.example/login", strings.NewReader(form.Encode()))
		r.RemoteAddr = addr + ":1000"
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Origin", "https://gw.example")
		for _, c := range b.jar {
			r.AddCookie(c)
		}
		w = httptest.NewRecorder()
		h.ServeHTTP(w, r)
		b.jar = merge(b.jar, w.Result().Cookies())
		return w.Code
	}
	owner, guesser, stranger := &browser{}, &browser{}, &browser{}
	if code := do(owner, "192.0.2.1", "pw"); code != http.StatusSeeOther {
		t.Fatalf("owner's first sign-in = %d", code)
	}
	for i := range 6 { // UserFree 3: the user backs off
		if code := do(guesser, "198.51.100.7", "guess"); code != http.StatusUnauthorized {
			t.Fatalf("guess %d = %d", i, code)
		}
	}
	if code := do(stranger, "192.0.2.9", "pw"); code != http.StatusUnauthorized {
		t.Errorf("a new browser with the right password during the back-off = %d, want refused", code)
	}
	owner.jar = dropSession(owner.jar)
	if code := do(owner, "192.0.2.1", "pw"); code != http.StatusSeeOther {
		t.Errorf("the owner's known device during the back-off = %d, want signed in", code)
	}
	owner.jar = dropSession(owner.jar)
	for range 4 { // DeviceFree 3: the device backs off too
		do(owner, "192.0.2.1", "wrong")
	}
	if code := do(owner, "192.0.2.1", "pw"); code != http.StatusUnauthorized {
		t.Errorf("a known device past its own failures = %d, want refused", code)
	}
}

// merge replaces jar's cookies by name with set's (deleted ones dropped).
func merge(jar, set []*http.Cookie) []*http.Cookie {
	for _, c := range set {
		out := jar[:0:0]
		for _, j := range jar {
			if j.Name != c.Name {
				out = append(out, j)
			}
		}
		if c.MaxAge >= 0 && c.Value != "" {
			out = append(out, c)
		}
		jar = out
	}
	return jar
}

// dropSession signs the browser out (forgets its sign-in session).
func dropSession(jar []*http.Cookie) []*http.Cookie {
	out := jar[:0:0]
	for _, c := range jar {
		if c.Name != "psgate_session" {
			out = append(out, c)
		}
	}
	return out
}

// TestSessionWithoutIdentityIsSignedOut: a sign-in session that holds a
// user name but no identity (written by a psgate from before the identity
// was stored) counts as signed out, so the user signs in again once rather
// than landing on a portal that cannot open anything.
func TestSessionWithoutIdentityIsSignedOut(t *testing.T) {
	sm := NewSessionManager(time.Hour, nil)
	d := &Deps{Sessions: sm, Logger: slog.New(slog.DiscardHandler)}
	ctx, err := sm.Load(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	sm.Put(ctx, sessionUserKey, "alice")
	if u := d.User(ctx); u != "" {
		t.Errorf("User = %q for a session without identity, want signed out", u)
	}
	b, _ := identity.Identity{Name: "alice", Provider: identity.ProviderLocal}.Marshal()
	sm.Put(ctx, sessionIdentityKey, b)
	if u := d.User(ctx); u != "alice" {
		t.Errorf("User = %q with an identity, want alice", u)
	}
	if id, ok := d.Identity(ctx); !ok || id.Name != "alice" {
		t.Errorf("Identity = %+v, %v", id, ok)
	}
}
