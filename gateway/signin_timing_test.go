package gateway

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/psgate/psgate/audit"
	"github.com/psgate/psgate/identity"
)

// clockAuth refuses every sign-in after advancing a fake clock by the time
// its directory would take for that name.
type clockAuth struct {
	mu   *sync.Mutex
	now  *time.Time
	cost map[string]time.Duration
}

func (a clockAuth) Authenticate(_ context.Context, user, _ string) (identity.Identity, error) {
	a.mu.Lock()
	*a.now = a.now.Add(a.cost[user])
	a.mu.Unlock()
	return identity.Identity{}, errors.New("invalid credentials")
}

// TestSignInFailureTimingEqual: a failure is answered FailDelay after the
// request started whatever the bind took, so an unknown name (refused after
// one search) and a known one (search and bind) cannot be told apart by
// the answer's timing.
func TestSignInFailureTimingEqual(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	sm := scs.New()
	s := &SignIn{
		Deps: &Deps{Audit: audit.NewLog(&bytes.Buffer{}, nil), Metrics: NewMetrics(), Pages: textPages{}, Sessions: sm, CSRF: &CSRF{Values: sm}, Logger: slog.New(slog.DiscardHandler), FailDelay: time.Second, Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }, Sleep: func(_ context.Context, d time.Duration) {
			mu.Lock()
			now = now.Add(d)
			mu.Unlock()
		}},
		Auth: clockAuth{mu: &mu, now: &now, cost: map[string]time.Duration{
			"ghost": 5 * time.Millisecond, "alice": 300 * time.Millisecond}},
		Throttle: NewThrottle(ThrottleConfig{UserFree: 100, IPFree: 100}),
	}
	h := sm.LoadAndSave(http.HandlerFunc(s.Post))
	took := map[string]time.Duration{}
	for _, user := range []string{"ghost", "alice"} {
		start := s.now()
		req := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"username": {user}, "password": {"wrong-pw"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized {
			t.Fatalf("%s: status %d, want 401", user, rec.Code)
		}
		took[user] = s.now().Sub(start)
	}
	if took["ghost"] != took["alice"] || took["ghost"] != time.Second {
		t.Errorf("failure answered after %v (unknown name) and %v (known name), want both %v", took["ghost"], took["alice"], time.Second)
	}
}

// slowAuth refuses every sign-in after a short wait (a bind in flight) and
// counts the binds.
type slowAuth struct {
	mu    sync.Mutex
	binds int
}

func (a *slowAuth) Authenticate(context.Context, string, string) (identity.Identity, error) {
	a.mu.Lock()
	a.binds++
	a.mu.Unlock()
	time.Sleep(20 * time.Millisecond)
	return identity.Identity{}, errors.New("invalid credentials (52e)")
}

// TestSignInParallelGuessesThrottled: wrong passwords for one name sent all
// at once reach the directory no more often than sent one by one (UserFree
// failures, then the one that starts the back-off), so a burst cannot lock
// the account in AD past the throttle.
func TestSignInParallelGuessesThrottled(t *testing.T) {
	auth := &slowAuth{}
	sm := scs.New()
	s := &SignIn{
		Deps:     &Deps{Audit: audit.NewLog(&bytes.Buffer{}, nil), Metrics: NewMetrics(), Pages: textPages{}, Sessions: sm, CSRF: &CSRF{Values: sm}, Logger: slog.New(slog.DiscardHandler), Sleep: func(context.Context, time.Duration) {}},
		Auth:     auth,
		Throttle: NewThrottle(ThrottleConfig{UserFree: 3, IPFree: 1000}),
	}
	h := sm.LoadAndSave(http.HandlerFunc(s.Post))
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Go(func() {
			user := []string{"alice", `CORP\Alice`, "ALICE@corp.test"}[i%3]
			req := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"username": {user}, "password": {"guess"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", rec.Code)
			}
		})
	}
	wg.Wait()
	if auth.binds > 4 {
		t.Errorf("%d binds for 12 parallel guesses, want at most 4 (UserFree 3 + the one that starts the back-off)", auth.binds)
	}
	if n := len(s.Throttle.busy); n != 0 {
		t.Errorf("%d in-flight entries left, want 0", n)
	}
}
