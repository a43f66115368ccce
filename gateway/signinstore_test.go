package gateway

import (
	"bytes"
	"context"
	"errors"
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
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/go-chi/chi/v5"

	"github.com/psgate/psgate/audit"
	"github.com/psgate/psgate/internal/testenv"
)

// failingStore is a sign-in store whose calls fail on demand, as Redis's
// do when it is stopped or frozen.
type failingStore struct {
	scs.Store
	mu           sync.Mutex
	find, commit bool
}

var errStoreDown = errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")

func (s *failingStore) set(find, commit bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.find, s.commit = find, commit
}

func (s *failingStore) Find(token string) ([]byte, bool, error) {
	s.mu.Lock()
	fail := s.find
	s.mu.Unlock()
	if fail {
		return nil, false, errStoreDown
	}
	return s.Store.Find(token)
}

func (s *failingStore) Commit(token string, b []byte, expiry time.Time) error {
	s.mu.Lock()
	fail := s.commit
	s.mu.Unlock()
	if fail {
		return errStoreDown
	}
	return s.Store.Commit(token, b, expiry)
}

type storeRig struct {
	ts      *httptest.Server
	store   *failingStore
	audit   *bytes.Buffer
	metrics *Metrics
	log     *testenv.Buffer
}

func newStoreRig(t *testing.T) *storeRig {
	t.Helper()
	rig := &storeRig{store: &failingStore{Store: memstore.NewWithCleanupInterval(0)}, audit: &bytes.Buffer{},
		metrics: NewMetrics(), log: &testenv.Buffer{}}
	sm := NewSessionManager(time.Hour, rig.store)
	csrf := &CSRF{Values: sm}
	s := &SignIn{
		Deps: &Deps{Audit: audit.NewLog(rig.audit, nil), Metrics: rig.metrics, Pages: textPages{}, Sessions: sm, CSRF: csrf,
			Logger: slog.New(slog.NewJSONHandler(rig.log, nil)), Sleep: func(context.Context, time.Duration) {}},
		Auth:     &countingAuth{users: map[string]string{"alice": "s3cret-pw"}},
		Throttle: NewThrottle(ThrottleConfig{UserFree: 3, IPFree: 10}),
	}
	// /touch is any page that changes the sign-in session and writes.
	touch := func(r chi.Router) {
		r.Get("/touch", func(w http.ResponseWriter, r *http.Request) {
			sm.Put(r.Context(), "seen", "yes")
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, PageLogin+" the handler's page")
		})
	}
	rig.ts = httptest.NewTLSServer(NewRouter(RouterConfig{SignIn: s, Sessions: sm, CSRF: csrf, Metrics: rig.metrics, Logger: s.Logger, Mount: touch}))
	t.Cleanup(rig.ts.Close)
	return rig
}

func (rig *storeRig) client() *http.Client {
	c := *rig.ts.Client()
	c.Jar, _ = cookiejar.New(nil)
	return &c
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// wantUnavailable checks the one answer to a failed store call: 503 and
// the error page saying so, nothing of the handler's page after it.
func wantUnavailable(t *testing.T, what string, code int, body string) {
	t.Helper()
	if code != http.StatusServiceUnavailable || !strings.HasPrefix(body, PageError+" ") ||
		!strings.Contains(body, MessageStoreUnavailable) || strings.Contains(body, PageLogin+" ") ||
		strings.Contains(body, "Internal Server Error") {
		t.Errorf("%s: %d %q, want 503 and only the unavailable page", what, code, body)
	}
}

// post posts form (with the sign-in page's CSRF token) to path.
func (rig *storeRig) post(t *testing.T, c *http.Client, path string, form url.Values) (int, string) {
	t.Helper()
	return postWithFormToken(t, c, rig.ts.URL, path, form)
}

// postWithFormToken fetches the sign-in page at base with c, posts form
// with its CSRF token to path and returns the answer (c's redirect policy).
func postWithFormToken(t *testing.T, c *http.Client, base, path string, form url.Values) (int, string) {
	t.Helper()
	code, body := get(t, c, base+"/")
	i := strings.Index(body, "CSRF:")
	if code != 200 || i < 0 {
		t.Fatalf("sign-in page: %d %q", code, body)
	}
	form.Set("csrf", strings.Fields(body[i+5:])[0])
	return postForm(t, c, base, path, form)
}

// postForm posts form to base+path as a same-origin browser form and
// returns the answer (c's redirect policy).
func postForm(t *testing.T, c *http.Client, base, path string, form url.Values) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestSignInStoreDown: a sign-in store that fails to load or to save gives
// the styled 503 page (never scs's plain 500 with the page under it), a
// slog line and a metric; a sign-in whose session was not saved is not
// audited as a sign-in (4099).
func TestSignInStoreDown(t *testing.T) {
	rig := newStoreRig(t)
	c := rig.client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	creds := func() url.Values { return url.Values{"username": {"alice"}, "password": {"s3cret-pw"}} }

	rig.store.set(false, true) // the commit of the sign-in fails
	code, body := rig.post(t, c, "/login", creds())
	wantUnavailable(t, "POST /login", code, body)
	if strings.Contains(rig.audit.String(), `"event":4099`) {
		t.Errorf("a sign-in the store did not save was audited as done:\n%s", rig.audit.String())
	}

	rig.store.set(false, false)
	if code, body := rig.post(t, c, "/login", creds()); code != http.StatusSeeOther {
		t.Fatalf("sign-in with the store back: %d %q", code, body)
	}
	rig.store.set(false, true) // a handler writes its page: the failed commit answers instead
	code, body = get(t, c, rig.ts.URL+"/touch")
	wantUnavailable(t, "GET /touch", code, body)
	rig.store.set(true, true) // stopped: the signed-in browser's load fails too
	code, body = get(t, c, rig.ts.URL+"/")
	wantUnavailable(t, "GET / (load fails)", code, body)

	var m strings.Builder
	_, _ = rig.metrics.WriteTo(&m)
	for _, want := range []string{`psgate_signin_store_errors_total{op="commit"} 2`, `psgate_signin_store_errors_total{op="load"} 1`, `psgate_logins_total{result="unavailable"} 1`} {
		if !strings.Contains(m.String(), want) {
			t.Errorf("metrics lack %s:\n%s", want, m.String())
		}
	}
	if n := strings.Count(rig.log.String(), `"msg":"sign-in store unavailable"`); n != 3 {
		t.Errorf("%d slog lines for 3 store failures:\n%s", n, rig.log.String())
	}
}
