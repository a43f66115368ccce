package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
)

// Authorizer decides whether user may connect to target with configuration
// (PSWA rules, wrapped from authz). An error means the rules could not be
// used (event 267); allowed false with a reason is a plain refusal (259).
type Authorizer interface {
	Authorize(ctx context.Context, id Identity, target Target) (allowed bool, reason string, err error)
}

// SessionOpener opens a console session for the user (session.Manager plus
// the WinRS backend, wired in cmd). It returns the new session's ID.
type SessionOpener interface {
	Open(ctx context.Context, id Identity, target Target, clientAddr string) (sessionID string, err error)
}

// ErrCapReached is what a SessionOpener returns (wrapped) when the user's
// session cap is reached; the page may say so plainly.
var ErrCapReached = errors.New("session limit reached")

// MessageCapReached is the one failure text that is not "Access denied".
const MessageCapReached = "Session limit reached: end one of your sessions first."

// Connect serves POST /sessions: a new console session from the portal.
type Connect struct {
	SignIn     *SignIn
	Authorizer Authorizer
	Opener     SessionOpener
	Defaults   FormDefaults
	// AllowFreeTarget false refuses typed computers and URIs (server side).
	AllowFreeTarget bool
	Published       []PublishedTarget
	// PublishedTargets are the targets behind Published, by index.
	PublishedTargets []Target
	// Identity looks up the signed-in user's identity (groups) by name.
	Identity func(ctx context.Context, user string) (Identity, bool)
	Logger   *slog.Logger
}

// Post handles the new-session form.
func (c *Connect) Post(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	user := c.SignIn.User(ctx)
	id, ok := c.Identity(ctx, user)
	if user == "" || !ok {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if err := r.ParseForm(); err != nil {
		c.fieldErrors(w, r, map[string]string{"": "The form could not be read."})
		return
	}
	var target Target
	if v := r.PostForm.Get(FieldPublished); v != "" {
		i, err := strconv.Atoi(v)
		if err != nil || i < 0 || i >= len(c.PublishedTargets) {
			c.fieldErrors(w, r, map[string]string{FieldPublished: "Unknown published computer."})
			return
		}
		target = c.PublishedTargets[i]
	} else {
		t, errs := ParseTarget(r.PostForm, c.Defaults, c.AllowFreeTarget)
		if errs != nil {
			c.fieldErrors(w, r, errs)
			return
		}
		target = t
	}
	ci := Client(ctx)
	rec := AuditRecord{RequestID: RequestID(ctx), User: user, ClientAddr: ci.Addr, XFF: ci.XFF, Target: target.Display(), Configuration: target.Configuration}
	allowed, reason, err := c.Authorizer.Authorize(ctx, id, target)
	switch {
	case err != nil:
		rec.Event, rec.Reason = EventAuthorizationInvalidRules, err.Error()
		c.SignIn.Metrics.Authz("error")
	case !allowed:
		rec.Event, rec.Reason = EventGatewayAuthorizationFailure, reason
		c.SignIn.Metrics.Authz("deny")
	}
	if rec.Event != 0 {
		c.SignIn.audit(rec)
		c.denied(w, r, MessageAccessDenied)
		return
	}
	c.SignIn.Metrics.Authz("allow")
	sid, err := c.Opener.Open(ctx, id, target, ci.Addr)
	if err != nil {
		rec.Event, rec.Reason = EventLogonFailure, err.Error()
		c.SignIn.audit(rec)
		if errors.Is(err, ErrCapReached) {
			c.denied(w, r, MessageCapReached)
			return
		}
		c.denied(w, r, MessageAccessDenied)
		return
	}
	http.Redirect(w, r, "/console/"+sid, http.StatusSeeOther)
}

func (c *Connect) denied(w http.ResponseWriter, r *http.Request, msg string) {
	c.SignIn.delay(r.Context())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	if err := c.SignIn.Pages.Render(w, PageDenied, DeniedPage{RequestID: RequestID(r.Context()), Message: msg}); err != nil {
		c.Logger.Error("render denied page", "err", err)
	}
}

func (c *Connect) fieldErrors(w http.ResponseWriter, r *http.Request, errs map[string]string) {
	page := PortalPage{User: c.SignIn.User(r.Context()), Published: c.Published, AllowFreeTarget: c.AllowFreeTarget,
		Errors: errs, CSRF: c.SignIn.CSRF.Token(r.Context())}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	if err := c.SignIn.Pages.Render(w, PagePortal, page); err != nil {
		c.Logger.Error("render portal page", "err", err)
	}
}
