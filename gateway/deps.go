package gateway

import (
	"context"
	"log/slog"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/psgate/psgate/audit"
	"github.com/psgate/psgate/identity"
)

// Deps are what the gateway's handlers share: the sign-in store and the
// CSRF tokens kept in it, the pages, the audit log, metrics, logs and the
// answer delay of failures. SignIn and Connect hold the same *Deps; neither
// reaches through the other for them.
type Deps struct {
	Sessions *scs.SessionManager
	CSRF     *CSRF
	Pages    Pages
	Audit    *audit.Log
	Metrics  *Metrics
	Logger   *slog.Logger
	// FailDelay is the wait before answering any failure (PSWA sleeps 1 s);
	// default 1s.
	FailDelay time.Duration
	// Sleep waits d or until ctx ends; default a timer (tests count calls).
	Sleep func(ctx context.Context, d time.Duration)
	// Now is the clock; default time.Now.
	Now func() time.Time
}

func (s *Deps) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// delay waits until FailDelay after start: every failure is answered at
// the same time whatever the bind took (an unknown name that the directory
// refuses after one search, a known one after search and bind), so the
// answer's timing does not tell a guesser which names exist.
func (s *Deps) delay(ctx context.Context, start time.Time) {
	d := s.FailDelay
	if d == 0 {
		d = time.Second
	}
	if d -= s.now().Sub(start); d <= 0 {
		return
	}
	if s.Sleep != nil {
		s.Sleep(ctx, d)
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// User returns the signed-in user of the request, or "".
// A sign-in session without an identity (made by a psgate from before the
// identity was stored) counts as signed out: the user signs in again once.
func (s *Deps) User(ctx context.Context) string {
	if !s.Sessions.Exists(ctx, sessionIdentityKey) {
		return ""
	}
	return s.Sessions.GetString(ctx, sessionUserKey)
}

// Identity returns the signed-in identity of the request, as the identity
// provider resolved it at sign-in (on this gateway or another sharing the
// sign-in store); ok is false when nobody is signed in.
func (s *Deps) Identity(ctx context.Context) (identity.Identity, bool) {
	b := s.Sessions.GetBytes(ctx, sessionIdentityKey)
	if len(b) == 0 {
		return identity.Identity{}, false
	}
	id, err := identity.Unmarshal(b)
	if err != nil || id.Name != s.User(ctx) {
		s.Logger.Error("sign-in session holds no valid identity", "user", s.User(ctx), "err", err)
		return identity.Identity{}, false
	}
	return id, true
}

func (s *Deps) audit(r audit.Record) {
	if err := s.Audit.Write(r); err != nil {
		s.Logger.Error("audit", "event", r.Event, "err", err)
	}
}
