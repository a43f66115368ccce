package gateway

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/psgate/psgate/identity"
)

// SecondStep is what a user must do after the password.
type SecondStep int

// The second steps.
const (
	StepNone  SecondStep = iota // signed in after the password
	StepCode                    // a second-factor code (TOTP or recovery)
	StepEnrol                   // enrol a TOTP factor now, then signed in
)

// SecondFactor is the second-factor seam (mfa.Gate implements it). Its
// errors are the real reason for the audit log; users see "Access denied".
type SecondFactor interface {
	// Step says what id must do after its password.
	Step(id identity.Identity) SecondStep
	// Verify checks a code; method is "totp" or "recovery".
	Verify(ctx context.Context, id identity.Identity, code string) (method string, err error)
	// NewTOTP returns a fresh TOTP secret (base32).
	NewTOTP(id identity.Identity) (secret string, err error)
	// QR renders the otpauth:// URI of id's secret as a PNG.
	QR(id identity.Identity, secret string) (png []byte, err error)
	// Enrol adds the TOTP factor of secret, proven by code, with the
	// admin's one-time code when NeedAdminCode; it returns the recovery
	// codes to show once.
	Enrol(ctx context.Context, id identity.Identity, secret, code, adminCode string) (recovery []string, err error)
	NeedAdminCode() bool
}

// SecondStepLimit is the default absolute time limit of the half-signed-in
// state between the password and the second step.
const SecondStepLimit = 5 * time.Minute

// PathSecond is the second step's page and form.
const PathSecond = "/login/second"

// The half-signed-in state, kept in the sign-in store only for a client
// that passed the password: the identity (JSON), the deadline (Unix
// seconds) and, while enrolling, the TOTP secret shown. None of them makes
// the request signed in (Deps.User reads sessionIdentityKey only).
const (
	pendingIdentityKey = "mfa_pending_identity"
	pendingUntilKey    = "mfa_pending_until"
	pendingSecretKey   = "mfa_pending_secret"
)

// ErrSecondStepExpired is the audit reason of a second step after its limit.
var ErrSecondStepExpired = errors.New("second step after its time limit")

// startSecond begins the half-signed-in state after a good password: a new
// token (nothing of the form's session carries over), the identity and the
// deadline; then the browser goes to the second step's page.
func (s *SignIn) startSecond(w http.ResponseWriter, r *http.Request, id identity.Identity, idJSON []byte) {
	ctx := r.Context()
	if err := s.Sessions.RenewToken(ctx); err != nil {
		s.Metrics.Login("unavailable")
		s.storeUnavailable(w, r, "renew", err)
		return
	}
	limit := s.SecondLimit
	if limit == 0 {
		limit = SecondStepLimit
	}
	s.Sessions.Put(ctx, pendingIdentityKey, idJSON)
	s.Sessions.Put(ctx, pendingUntilKey, s.now().Add(limit).Unix())
	s.Sessions.Remove(ctx, csrfKey)
	if !s.commitSignIn(w, r) {
		s.Metrics.Login("unavailable")
		return
	}
	http.Redirect(w, r, PathSecond, http.StatusSeeOther)
}

// pending returns the identity of the half-signed-in state; expired is
// true when there is one but its limit passed (it is then cleared).
func (s *SignIn) pending(ctx context.Context) (id identity.Identity, ok, expired bool) {
	b := s.Sessions.GetBytes(ctx, pendingIdentityKey)
	if len(b) == 0 {
		return identity.Identity{}, false, false
	}
	if s.now().Unix() >= s.Sessions.GetInt64(ctx, pendingUntilKey) {
		s.clearPending(ctx)
		return identity.Identity{}, false, true
	}
	id, err := identity.Unmarshal(b)
	if err != nil {
		s.clearPending(ctx)
		return identity.Identity{}, false, false
	}
	return id, true, false
}

func (s *SignIn) clearPending(ctx context.Context) {
	s.Sessions.Remove(ctx, pendingIdentityKey)
	s.Sessions.Remove(ctx, pendingUntilKey)
	s.Sessions.Remove(ctx, pendingSecretKey)
}

// SecondForm serves GET /login/second: the code form, or the enrolment
// (QR code and manual key) for a user who must enrol and has not.
func (s *SignIn) SecondForm(w http.ResponseWriter, r *http.Request) {
	id, ok, _ := s.pending(r.Context())
	if !ok || s.Second == nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.renderSecond(w, r, http.StatusOK, id, SecondPage{})
}

// renderSecond renders the second step's page for id; an enrolment keeps
// the secret it showed first (a reload shows the same QR code).
func (s *SignIn) renderSecond(w http.ResponseWriter, r *http.Request, code int, id identity.Identity, page SecondPage) {
	ctx := r.Context()
	if s.Second.Step(id) == StepEnrol && page.Recovery == nil {
		secret := s.Sessions.GetString(ctx, pendingSecretKey)
		var err error
		if secret == "" {
			secret, err = s.Second.NewTOTP(id)
			s.Sessions.Put(ctx, pendingSecretKey, secret)
		}
		var qr []byte
		if err == nil {
			qr, err = s.Second.QR(id, secret)
		}
		if err != nil {
			s.Logger.Error("second step: enrolment", "request_id", RequestID(ctx), "err", err)
			s.Metrics.Login("error")
		}
		page.Enrol, page.Secret, page.QR = true, secret, dataURL(qr)
		page.NeedAdminCode = s.Second.NeedAdminCode()
	}
	page.User, page.CSRF = id.Name, s.CSRF.Token(ctx)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	if err := s.Pages.Render(w, PageSecond, page); err != nil {
		s.Logger.Error("render second step page", "request_id", RequestID(ctx), "err", err)
	}
}
