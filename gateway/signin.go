package gateway

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/psgate/psgate/audit"
	"github.com/psgate/psgate/identity"
)

// Pages renders a named template with page data (the web package).
type Pages interface {
	Render(w http.ResponseWriter, name string, data any) error
}

// MessageAccessDenied is the one message every sign-in failure shows.
const MessageAccessDenied = "Access denied"

// The sign-in session's keys: the user's name (quick checks, sign-out)
// and the whole identity.Identity (JSON), which every gateway sharing the
// sign-in store reads instead of asking the directory again.
const (
	sessionUserKey     = "user"
	sessionIdentityKey = "identity"
)

// SignIn serves the sign-in form, sign-in and sign-out.
type SignIn struct {
	*Deps
	Auth     identity.Authenticator
	Throttle *Throttle
	// Defaults prefill the optional settings of the form.
	Defaults LoginFields
	// OnSignIn, when set, gets the password of a successful sign-in so
	// that the process (never the cookie store) can pass it on to targets
	// opened without alternate credentials, as PSWA does. OnSignOut wipes it.
	OnSignIn  func(id identity.Identity, password string)
	OnSignOut func(user string)
	// Connect, when set, opens a session in the same request when the
	// sign-in form names a target (published tile, computer or URI), as
	// PSWA's one-page sign-in does. Its Published tiles, AllowFreeTarget and
	// Defaults shape the form, and a named target is validated before the
	// bind. Without one the form has no target fields and the user lands on
	// the portal.
	Connect *Connect
	// Second, when set, is the second factor asked for after the password
	// (docs/mfa.md); SecondThrottle is its own back-off per user (default
	// NewThrottle's defaults) and SecondLimit the absolute time limit of the
	// half-signed-in state (default SecondStepLimit). A named target of the
	// form is not opened after a second step: the user lands on the portal.
	Second         SecondFactor
	SecondThrottle *Throttle
	SecondLimit    time.Duration

	// watch ends the open consoles of a sign-in at sign-out (set by NewApp).
	watch *signInWatch
}

// Form serves GET / (the sign-in page).
func (s *SignIn) Form(w http.ResponseWriter, r *http.Request) {
	d := s.defaultFields()
	f := LoginFields{Authentication: d.Authentication, UseSSL: d.UseSSL, AllowRedirection: d.AllowRedirection}
	s.render(w, r, http.StatusOK, f, nil)
}

// defaultFields are the configured defaults as the form shows them:
// SignIn.Defaults when set, else those of Connect (PSWA appSettings).
func (s *SignIn) defaultFields() LoginFields {
	if s.Defaults != (LoginFields{}) || s.Connect == nil {
		return s.Defaults
	}
	return s.Connect.defaultFields()
}

func (s *SignIn) render(w http.ResponseWriter, r *http.Request, code int, f LoginFields, errs map[string]string) {
	s.renderPage(w, r, code, LoginPage{Fields: f, Errors: errs})
}

// renderPage renders page with the form's token, defaults and targets.
func (s *SignIn) renderPage(w http.ResponseWriter, r *http.Request, code int, page LoginPage) {
	// The token goes into the session before the header is written: scs
	// commits the session (and its cookie) with the header.
	page.CSRF, page.Defaults = s.CSRF.FormToken(w, r), s.defaultFields()
	if c := s.Connect; c != nil {
		page.AllowFreeTarget, page.Published = c.AllowFreeTarget, c.Published
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	if err := s.Pages.Render(w, PageLogin, page); err != nil {
		s.Logger.Error("render sign-in page", "request_id", RequestID(r.Context()), "err", err)
	}
}

// submitted are the non-secret values of a posted sign-in form, shown
// again when it is refused (passwords never are); oversized values and
// values with invalid characters are not echoed.
func submitted(form url.Values, user string) LoginFields {
	get := func(k string) string {
		if v := form.Get(k); len(v) <= maxField && !invalidChars(v) {
			return v
		}
		return ""
	}
	on := func(k string) bool { v := form.Get(k); return v == "1" || v == "on" || v == "true" }
	f := LoginFields{
		UserName: user, Target: get(FieldPublished), ComputerName: get(FieldComputer),
		ConnectionURI: get(FieldURI), AltUserName: get(FieldAltUserName),
		ConfigurationName: get(FieldConfiguration), Authentication: get(FieldAuthentication),
		UseSSL: on(FieldUseSSL), Port: get(FieldPort), ApplicationName: get(FieldApplication),
		AllowRedirection: on(FieldRedirection),
	}
	// The URI field shows when a URI was typed, or when asked for and no
	// computer was typed (a hidden field would hide its message).
	f.UseURI = f.ConnectionURI != "" || (form.Get(FieldUseURI) == "1" && f.ComputerName == "")
	return f
}

// checkTarget validates the target part of a sign-in form before the bind.
// named reports whether the form names a target (a session opens on it
// after the sign-in); errs holds field-level messages.
func (s *SignIn) checkTarget(form url.Values) (t Target, named bool, errs map[string]string) {
	pub, typed := form.Get(FieldPublished), form.Get(FieldComputer) != "" || form.Get(FieldURI) != ""
	c := s.Connect
	switch {
	case !typed && pub == "":
		return Target{}, false, nil
	case c == nil:
		return Target{}, false, map[string]string{"": "Pick a computer on the portal after signing in."}
	case typed && !c.AllowFreeTarget:
		// The typed fields are not on the page: the message goes to the
		// published selector, or to the page when there is none.
		if len(c.Published) > 0 {
			return Target{}, true, map[string]string{FieldPublished: "Pick a published computer."}
		}
		return Target{}, true, map[string]string{"": "Pick a published computer on the portal after signing in."}
	}
	t, errs = c.parse(form)
	return t, true, errs
}

// Post serves POST /login: validate, throttle (before any bind), authenticate.
func (s *SignIn) Post(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ci := Client(ctx)
	start := s.now()
	if err := r.ParseForm(); err != nil {
		s.Metrics.Login("invalid")
		s.render(w, r, http.StatusBadRequest, LoginFields{}, map[string]string{"": "The form could not be read."})
		return
	}
	user, password, errs := ParseCredentials(r.PostForm)
	target, named, terrs := s.checkTarget(r.PostForm)
	if errs != nil || terrs != nil {
		for k, v := range terrs {
			if errs == nil {
				errs = map[string]string{}
			}
			errs[k] = v
		}
		s.Metrics.Login("invalid")
		s.render(w, r, http.StatusBadRequest, submitted(r.PostForm, user), errs)
		return
	}
	rec := audit.Record{RequestID: RequestID(ctx), User: user, TypedUser: user, ClientAddr: ci.Addr, XFF: ci.XFF}
	// The back-off before any bind: one attempt per user name at a time,
	// and the sign-ins in flight from this address count against its free
	// failures (many names guessed at once from one address).
	at, err := s.Throttle.Start(ctx, user, ci.Addr, s.CSRF.KnownDevice(r, user, s.now()), s.now())
	if err != nil {
		s.Metrics.Login("throttled")
		s.deny(w, r, user, start)
		return
	}
	defer at.End() // also after a panic in Authenticate; End is idempotent
	if at.Refused != "" {
		rec.Event, rec.Reason = audit.Throttled, "back-off by "+at.Refused+", "+at.Wait.Round(time.Second).String()+" left"
		if at.Wait == 0 {
			rec.Reason = "back-off by " + at.Refused + ": its free failures are taken by sign-ins in flight"
		}
		s.audit(rec)
		s.Metrics.Login("throttled")
		s.deny(w, r, user, start)
		return
	}
	id, err := s.Auth.Authenticate(ctx, user, password)
	if err != nil {
		s.failed(w, r, at, rec, id, err, start)
		return
	}
	at.Succeed()
	http.SetCookie(w, s.CSRF.DeviceCookie(user, s.now())) // a known device of this user from now on
	idJSON, err := id.Marshal()
	if err != nil {
		s.Logger.Error("sign-in", "request_id", rec.RequestID, "user", id.Name, "err", err)
		s.Metrics.Login("error")
		s.deny(w, r, user, start)
		return
	}
	if s.Second != nil && s.Second.Step(id) != StepNone {
		s.startSecond(w, r, id, idJSON)
		return
	}
	if err := s.Sessions.RenewToken(ctx); err != nil {
		s.Metrics.Login("unavailable")
		s.storeUnavailable(w, r, "renew", err)
		return
	}
	s.Sessions.Put(ctx, sessionUserKey, id.Name)
	s.Sessions.Put(ctx, sessionIdentityKey, idJSON)
	s.Sessions.Remove(ctx, csrfKey) // a fresh token for the signed-in session
	// Saved before it counts: a sign-in the store did not keep (Redis down)
	// is not audited as one (4099) and the user sees why.
	if !s.commitSignIn(w, r) {
		s.Metrics.Login("unavailable")
		return
	}
	if s.OnSignIn != nil {
		s.OnSignIn(id, password)
	}
	rec.Event, rec.User = audit.SignIn, id.Name
	s.audit(rec)
	s.Metrics.Login("ok")
	if named {
		s.Connect.openAndRedirect(w, r, id, target)
		return
	}
	http.Redirect(w, r, "/portal", http.StatusSeeOther)
}

// failed records a refused bind. A directory that could not answer
// (identity.ErrUnavailable: refused, timed out, TLS, the service account)
// is no guess at a password: neither back-off counts it, and it has its
// own audit event and metric. Either way the user gets the same page after
// the same delay. id is what the provider resolved before it failed (the
// account behind a UPN), when anything.
func (s *SignIn) failed(w http.ResponseWriter, r *http.Request, at *Attempt, rec audit.Record, id identity.Identity, err error, start time.Time) {
	rec.Reason = err.Error()
	if id.Name != "" {
		rec.User = id.Name
	}
	if errors.Is(err, identity.ErrUnavailable) {
		at.End()
		rec.Event = audit.DirectoryUnavailable
		s.Logger.Warn("sign-in: directory unavailable", "request_id", rec.RequestID, "user", rec.User,
			"typed_user", rec.TypedUser, "remote_addr", rec.ClientAddr, "err", err)
		s.Metrics.Login("unavailable")
	} else {
		at.Fail(s.now())
		rec.Event = audit.AuthenticationFailure
		s.Metrics.Login("denied")
	}
	s.audit(rec)
	s.denyAs(w, r, audit.Record{RequestID: rec.RequestID, User: rec.User, TypedUser: rec.TypedUser,
		ClientAddr: rec.ClientAddr, XFF: rec.XFF}, start)
}

// deny waits until FailDelay after start, audits 261 for the typed user
// and shows the generic message with the request ID.
func (s *SignIn) deny(w http.ResponseWriter, r *http.Request, user string, start time.Time) {
	ci := Client(r.Context())
	s.denyAs(w, r, audit.Record{RequestID: RequestID(r.Context()), User: user, TypedUser: user, ClientAddr: ci.Addr, XFF: ci.XFF}, start)
}

// denyAs is deny with the 261 record's names given: User the account the
// provider resolved (else the typed name), TypedUser the name as typed.
func (s *SignIn) denyAs(w http.ResponseWriter, r *http.Request, rec audit.Record, start time.Time) {
	s.delay(r.Context(), start)
	rec.Event = audit.LogonFailure
	s.audit(rec)
	s.renderPage(w, r, http.StatusUnauthorized, LoginPage{Fields: LoginFields{UserName: rec.TypedUser},
		Errors: map[string]string{"": MessageAccessDenied}, RequestID: rec.RequestID})
}

// SignOut serves POST /logout: the session token is renewed and emptied.
func (s *SignIn) SignOut(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	user := s.User(ctx)
	token := s.Sessions.Token(ctx)
	if err := s.Sessions.RenewToken(ctx); err != nil {
		s.Logger.Error("renew session token at sign-out", "err", err)
	}
	if s.watch != nil && token != "" {
		s.watch.end(token, false) // this browser's open consoles detach now
	}
	s.Sessions.Remove(ctx, sessionUserKey)
	s.Sessions.Remove(ctx, sessionIdentityKey)
	s.Sessions.Remove(ctx, csrfKey)
	s.clearPending(ctx)
	if user != "" && s.OnSignOut != nil {
		s.OnSignOut(user)
	}
	if user != "" {
		ci := Client(ctx)
		s.audit(audit.Record{Event: audit.SignOut, RequestID: RequestID(ctx), User: user, ClientAddr: ci.Addr, XFF: ci.XFF})
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
