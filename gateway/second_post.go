package gateway

import (
	"encoding/base64"
	"html/template"
	"net/http"
	"time"

	"github.com/psgate/psgate/audit"
	"github.com/psgate/psgate/identity"
)

// The second step's form fields.
const (
	FieldCode      = "code"       // the TOTP or recovery code
	FieldAdminCode = "admin_code" // the admin's one-time enrolment code
)

// SecondPost serves POST /login/second: within the time limit and the
// second step's own back-off per user, a code (or an enrolment); the
// sign-in session is created only when it passes. Every failure is the
// same "Access denied" after the same delay as a wrong password.
func (s *SignIn) SecondPost(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ci := Client(ctx)
	start := s.now()
	rec := audit.Record{RequestID: RequestID(ctx), ClientAddr: ci.Addr, XFF: ci.XFF}
	id, ok, expired := s.pending(ctx)
	if !ok || s.Second == nil {
		rec.Event, rec.Reason = audit.MFAFailure, "second step without a password step"
		if expired {
			rec.Reason = ErrSecondStepExpired.Error()
		}
		s.audit(rec)
		s.Metrics.Login("denied")
		s.deny(w, r, "", start)
		return
	}
	rec.User, rec.TypedUser = id.Name, id.Typed
	code := r.PostFormValue(FieldCode)
	at, err := s.SecondThrottle.Start(ctx, "mfa\x00"+id.Name, ci.Addr, "", s.now())
	if err != nil {
		s.secondFailed(w, r, id, rec, "throttled", start)
		return
	}
	defer at.End()
	if at.Refused != "" {
		rec.Reason = "second-step back-off by " + at.Refused + ", " + at.Wait.Round(time.Second).String() + " left"
		s.secondFailed(w, r, id, rec, "throttled", start)
		return
	}
	var method string
	var recovery []string
	if s.Second.Step(id) == StepEnrol {
		secret := s.Sessions.GetString(ctx, pendingSecretKey)
		recovery, err = s.Second.Enrol(ctx, id, secret, code, r.PostFormValue(FieldAdminCode))
		method = "enrol"
	} else {
		method, err = s.Second.Verify(ctx, id, code)
	}
	if err != nil {
		at.Fail(s.now())
		rec.Reason = err.Error()
		s.secondFailed(w, r, id, rec, "denied", start)
		return
	}
	at.Succeed()
	if method == "enrol" {
		s.audit(audit.Record{Event: audit.MFAEnrol, RequestID: rec.RequestID, User: id.Name, ClientAddr: ci.Addr, XFF: ci.XFF, Detail: "totp"})
	} else {
		s.audit(audit.Record{Event: audit.MFAUse, RequestID: rec.RequestID, User: id.Name, ClientAddr: ci.Addr, XFF: ci.XFF, Detail: method})
	}
	if !s.finishSignIn(w, r, id, rec) {
		return
	}
	if recovery != nil {
		s.renderSecond(w, r, http.StatusOK, id, SecondPage{Recovery: recovery})
		return
	}
	http.Redirect(w, r, "/portal", http.StatusSeeOther)
}

// secondFailed audits a refused second step and answers as a refused
// password does, on the second step's page while the state lasts.
func (s *SignIn) secondFailed(w http.ResponseWriter, r *http.Request, id identity.Identity, rec audit.Record, metric string, start time.Time) {
	rec.Event = audit.MFAFailure
	s.audit(rec)
	s.Metrics.Login(metric)
	s.delay(r.Context(), start)
	rec.Event, rec.Reason = audit.LogonFailure, ""
	s.audit(rec)
	s.renderSecond(w, r, http.StatusUnauthorized, id, SecondPage{Error: MessageAccessDenied, RequestID: rec.RequestID})
}

// finishSignIn turns the half-signed-in state into the sign-in session:
// a new token, the user and identity keys, a fresh CSRF token; saved before
// it is audited (4099). False means the unavailable page was written.
func (s *SignIn) finishSignIn(w http.ResponseWriter, r *http.Request, id identity.Identity, rec audit.Record) bool {
	ctx := r.Context()
	idJSON, err := id.Marshal()
	if err == nil {
		err = s.Sessions.RenewToken(ctx)
	}
	if err != nil {
		s.Metrics.Login("unavailable")
		s.storeUnavailable(w, r, "renew", err)
		return false
	}
	s.clearPending(ctx)
	s.Sessions.Put(ctx, sessionUserKey, id.Name)
	s.Sessions.Put(ctx, sessionIdentityKey, idJSON)
	s.Sessions.Remove(ctx, csrfKey)
	if !s.commitSignIn(w, r) {
		s.Metrics.Login("unavailable")
		return false
	}
	rec.Event, rec.User, rec.Reason = audit.SignIn, id.Name, ""
	s.audit(rec)
	s.Metrics.Login("ok")
	return true
}

func dataURL(png []byte) template.URL {
	if len(png) == 0 {
		return ""
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
}
