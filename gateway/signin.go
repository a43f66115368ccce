package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
)

// Identity is a signed-in gateway user as the Authenticator resolved it.
type Identity struct {
	Name   string   // canonical name shown and used for rules and caps
	Groups []string // canonical group names (for authorization)
}

// Authenticator checks gateway credentials (directory or local users file).
// Its error is the real reason for the audit log; users never see it.
type Authenticator interface {
	Authenticate(ctx context.Context, user, password string) (Identity, error)
}

// Pages renders a named template with page data (the web package).
type Pages interface {
	Render(w http.ResponseWriter, name string, data any) error
}

// MessageAccessDenied is the one message every sign-in failure shows.
const MessageAccessDenied = "Access denied"

const sessionUserKey = "user"

// SignIn serves the sign-in form, sign-in and sign-out.
type SignIn struct {
	Auth     Authenticator
	Throttle *Throttle
	Audit    *AuditLog
	Metrics  *Metrics
	Pages    Pages
	Sessions *scs.SessionManager
	CSRF     *CSRF
	Logger   *slog.Logger
	// Defaults prefill the optional settings of the form.
	Defaults LoginFields
	// FailDelay is the wait before answering any failure (PSWA sleeps 1 s);
	// default 1s.
	FailDelay time.Duration
	// Sleep waits d or until ctx ends; default a timer (tests count calls).
	Sleep func(ctx context.Context, d time.Duration)
	// Now is the clock; default time.Now.
	Now func() time.Time
	// OnSignIn, when set, gets the password of a successful sign-in so
	// that the process (never the cookie store) can pass it on to targets
	// opened without alternate credentials, as PSWA does. OnSignOut wipes it.
	OnSignIn  func(id Identity, password string)
	OnSignOut func(user string)
	// Connect, when set, opens a session in the same request when the
	// sign-in form names a target (computer, URI or published tile), as
	// PSWA's one-page sign-in does; without one the user lands on the portal.
	Connect http.HandlerFunc
	// Published tiles may also be picked on the sign-in form.
	Published []PublishedTarget
}

func (s *SignIn) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *SignIn) delay(ctx context.Context) {
	d := s.FailDelay
	if d == 0 {
		d = time.Second
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
func (s *SignIn) User(ctx context.Context) string { return s.Sessions.GetString(ctx, sessionUserKey) }

// Form serves GET / (the sign-in page).
func (s *SignIn) Form(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, LoginFields{}, nil)
}

func (s *SignIn) render(w http.ResponseWriter, r *http.Request, code int, f LoginFields, errs map[string]string) {
	// The token goes into the session before the header is written: scs
	// commits the session (and its cookie) with the header.
	page := LoginPage{Fields: f, Errors: errs, CSRF: s.CSRF.Token(r.Context()), Defaults: s.Defaults, AllowFreeTarget: true, Published: s.Published}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	if err := s.Pages.Render(w, PageLogin, page); err != nil {
		s.Logger.Error("render sign-in page", "request_id", RequestID(r.Context()), "err", err)
	}
}

// Post serves POST /login: validate, throttle (before any bind), authenticate.
func (s *SignIn) Post(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ci := Client(ctx)
	if err := r.ParseForm(); err != nil {
		s.Metrics.Login("invalid")
		s.render(w, r, http.StatusBadRequest, LoginFields{}, map[string]string{"": "The form could not be read."})
		return
	}
	user, password, errs := ParseCredentials(r.PostForm)
	if errs != nil {
		s.Metrics.Login("invalid")
		s.render(w, r, http.StatusBadRequest, LoginFields{UserName: user}, errs)
		return
	}
	rec := AuditRecord{RequestID: RequestID(ctx), User: user, ClientAddr: ci.Addr, XFF: ci.XFF}
	if ok, which, wait := s.Throttle.Check(user, ci.Addr, s.now()); !ok {
		rec.Event, rec.Reason = EventThrottled, "back-off by "+which+", "+wait.Round(time.Second).String()+" left"
		s.audit(rec)
		s.Metrics.Login("throttled")
		s.deny(w, r, user)
		return
	}
	id, err := s.Auth.Authenticate(ctx, user, password)
	if err != nil {
		s.Throttle.Fail(user, ci.Addr, s.now())
		rec.Event, rec.Reason = EventAuthenticationFailure, err.Error()
		s.audit(rec)
		s.Metrics.Login("denied")
		s.deny(w, r, user)
		return
	}
	s.Throttle.Success(user)
	if err := s.Sessions.RenewToken(ctx); err != nil {
		s.Logger.Error("renew session token at sign-in", "request_id", rec.RequestID, "err", err)
		s.Metrics.Login("error")
		s.deny(w, r, user)
		return
	}
	s.Sessions.Put(ctx, sessionUserKey, id.Name)
	if s.OnSignIn != nil {
		s.OnSignIn(id, password)
	}
	s.Sessions.Remove(ctx, csrfKey) // a fresh token for the signed-in session
	rec.Event, rec.User = EventSignIn, id.Name
	s.audit(rec)
	s.Metrics.Login("ok")
	f := r.PostForm
	if s.Connect != nil && (f.Get(FieldPublished) != "" || f.Get(FieldComputer) != "" || f.Get(FieldURI) != "") {
		s.Connect(w, r)
		return
	}
	http.Redirect(w, r, "/portal", http.StatusSeeOther)
}

// deny waits FailDelay, audits 261 and shows the generic message.
func (s *SignIn) deny(w http.ResponseWriter, r *http.Request, user string) {
	s.delay(r.Context())
	ci := Client(r.Context())
	s.audit(AuditRecord{Event: EventLogonFailure, RequestID: RequestID(r.Context()), User: user, ClientAddr: ci.Addr, XFF: ci.XFF})
	s.render(w, r, http.StatusUnauthorized, LoginFields{UserName: user}, map[string]string{"": MessageAccessDenied})
}

// SignOut serves POST /logout: the session token is renewed and emptied.
func (s *SignIn) SignOut(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	user := s.User(ctx)
	if err := s.Sessions.RenewToken(ctx); err != nil {
		s.Logger.Error("renew session token at sign-out", "err", err)
	}
	s.Sessions.Remove(ctx, sessionUserKey)
	s.Sessions.Remove(ctx, csrfKey)
	if user != "" && s.OnSignOut != nil {
		s.OnSignOut(user)
	}
	if user != "" {
		ci := Client(ctx)
		s.audit(AuditRecord{Event: EventSignOut, RequestID: RequestID(ctx), User: user, ClientAddr: ci.Addr, XFF: ci.XFF})
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *SignIn) audit(r AuditRecord) {
	if err := s.Audit.Write(r); err != nil {
		s.Logger.Error("audit", "event", r.Event, "err", err)
	}
}
