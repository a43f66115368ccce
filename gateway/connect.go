package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/psgate/psgate/audit"
	"github.com/psgate/psgate/identity"
)

// Authorizer decides whether a signed-in identity may connect to target (a
// computer name or connection URI, as Target.Display gives it) with
// configuration (access.Authorizer: the PSWA rules). An error means the
// rules could not be used (event 267); allowed false with a reason is a
// plain refusal (259).
type Authorizer interface {
	Authorize(ctx context.Context, id identity.Identity, target, configuration string) (allowed bool, reason string, err error)
}

// SessionOpener opens a console session for the user (Opener: the session
// layer over a console backend). It returns the new session's ID.
type SessionOpener interface {
	Open(ctx context.Context, id identity.Identity, target Target, clientAddr string) (sessionID string, err error)
}

// ErrCapReached is what a SessionOpener returns (wrapped) when the user's
// session cap is reached; the page may say so plainly.
var ErrCapReached = errors.New("session limit reached")

// ErrNoCredentials is what a SessionOpener returns (wrapped) when the form
// has no alternate credentials and this gateway does not hold the user's
// sign-in password: it stays on the gateway the user signed in on, so a
// request that another gateway of a cluster answers has none. The page
// asks for alternate credentials (or a new sign-in) instead of "Access denied".
var ErrNoCredentials = errors.New("no target credentials")

// MessageNoCredentials is the page message of ErrNoCredentials.
const MessageNoCredentials = "This gateway does not hold your sign-in password (you signed in through another gateway). " +
	"Enter alternate credentials for the computer, or sign out and sign in again to use your own."

// Connect serves POST /sessions: a new console session from the portal.
type Connect struct {
	*Deps
	Authorizer Authorizer
	Opener     SessionOpener
	Defaults   FormDefaults
	// AllowFreeTarget false refuses typed computers and URIs (server side).
	AllowFreeTarget bool
	Published       []PublishedTarget
	// PublishedTargets are the targets behind Published, by index.
	PublishedTargets []Target
	// ListSessions lists the user's sessions on the portal (NewApp sets it
	// when nil); nil lists none.
	ListSessions func(ctx context.Context, user string) ([]SessionRow, error)
	// SessionCap is the per-user session limit the cap page names
	// (session.Manager.MaxPerUser); 0 names the number of sessions listed.
	SessionCap int
	Logger     *slog.Logger
}

// Post handles the new-session form.
func (c *Connect) Post(w http.ResponseWriter, r *http.Request) {
	id, ok := c.Identity(r.Context())
	if !ok {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if err := r.ParseForm(); err != nil {
		c.refuse(w, r, c.blankFields(), map[string]string{"": "The form could not be read."})
		return
	}
	target, errs := c.parse(r.PostForm)
	if errs != nil {
		c.refuse(w, r, submitted(r.PostForm, ""), errs)
		return
	}
	c.openAndRedirect(w, r, id, target)
}

// openAndRedirect opens a console on an already-parsed target and sends the
// browser to it, or answers the generic denial (sign-in with a target and
// the portal's new-session form both end here).
func (c *Connect) openAndRedirect(w http.ResponseWriter, r *http.Request, id identity.Identity, t Target) {
	sid, err := c.open(r.Context(), id, t, Client(r.Context()))
	switch {
	case errors.Is(err, ErrCapReached):
		c.capReached(w, r, id.Name)
	case errors.Is(err, ErrNoCredentials):
		c.refuseCode(w, r, http.StatusForbidden, submitted(r.PostForm, ""), map[string]string{
			"": MessageNoCredentials, FieldAltUserName: "Enter the user name and password for " + t.Display() + "."})
	case err != nil:
		c.denied(w, r, MessageAccessDenied)
	default:
		http.Redirect(w, r, "/console/"+sid, http.StatusSeeOther)
	}
}

// errDenied is open's refusal; the audit log has the reason.
var errDenied = errors.New("access denied")

// open authorizes id on t and opens a console there, auditing a refusal
// (259 rules, 267 invalid rules, 261 open failed). Its error wraps
// ErrCapReached when the user's session cap is the reason.
func (c *Connect) open(ctx context.Context, id identity.Identity, t Target, ci ClientInfo) (string, error) {
	rec := audit.Record{RequestID: RequestID(ctx), User: id.Name, ClientAddr: ci.Addr, XFF: ci.XFF,
		Target: t.Display(), Configuration: t.Configuration}
	allowed, reason, err := c.Authorizer.Authorize(ctx, id, t.Display(), t.Configuration)
	switch {
	case err != nil:
		rec.Event, rec.Reason = audit.AuthorizationInvalidRules, err.Error()
		c.Metrics.Authz("error")
	case !allowed:
		rec.Event, rec.Reason = audit.GatewayAuthorizationFailure, reason
		c.Metrics.Authz("deny")
	}
	if rec.Event != 0 {
		c.audit(rec)
		return "", errDenied
	}
	c.Metrics.Authz("allow")
	sid, err := c.Opener.Open(ctx, id, t, ci.Addr)
	if err != nil {
		rec.Event, rec.Reason = audit.LogonFailure, err.Error()
		c.audit(rec)
		return "", err
	}
	return sid, nil
}

// parse resolves the target a form names. A published tile (field
// "target") keeps the admin's computer, port, SSL, configuration and other
// settings; only the destination user name and password come from the
// form (PSWA allows them with any target), and the typed computer and URI
// must be empty. Without a tile the form is a typed target (ParseTarget).
// errs maps a field name to its message, or is nil.
func (c *Connect) parse(form url.Values) (Target, map[string]string) {
	pub := form.Get(FieldPublished)
	typed := strings.TrimSpace(form.Get(FieldComputer)) != "" || strings.TrimSpace(form.Get(FieldURI)) != ""
	if pub == "" {
		if !c.AllowFreeTarget {
			// The computer and URI fields are not on the page: the message
			// goes to the tile selector, or to the page when there is none.
			return Target{}, map[string]string{c.pickField(): "Pick a published computer."}
		}
		return ParseTarget(form, c.Defaults, true)
	}
	i, err := strconv.Atoi(pub)
	if err != nil || i < 0 || i >= len(c.PublishedTargets) {
		return Target{}, map[string]string{FieldPublished: "Unknown published computer."}
	}
	if typed {
		return Target{}, map[string]string{FieldPublished: "Pick a published computer or type one, not both."}
	}
	t := c.PublishedTargets[i]
	errs := map[string]string{}
	t.AltUser, t.AltPassword = altCredentials(form, errs)
	if len(errs) > 0 {
		return t, errs
	}
	return t, nil
}

// pickField is where "pick a published computer" shows: the tile selector
// when there are tiles, else the page.
func (c *Connect) pickField() string {
	if len(c.Published) > 0 {
		return FieldPublished
	}
	return ""
}

// blankFields are the new-session form's values before anything is typed:
// the selections default to the configured ones.
func (c *Connect) blankFields() LoginFields {
	d := c.defaultFields()
	return LoginFields{Authentication: d.Authentication, UseSSL: d.UseSSL, AllowRedirection: d.AllowRedirection}
}

// portalPage is the portal of user with the new-session form holding f and
// its field-level errors errs (nil on a plain GET /portal).
func (c *Connect) portalPage(ctx context.Context, user string, f LoginFields, errs map[string]string) PortalPage {
	page := PortalPage{User: user, Published: c.Published, AllowFreeTarget: c.AllowFreeTarget,
		Fields: f, Defaults: c.defaultFields(), Errors: errs, CSRF: c.CSRF.Token(ctx)}
	if c.ListSessions != nil {
		rows, err := c.ListSessions(ctx, user)
		if err != nil {
			c.Logger.Error("list sessions", "user", user, "err", err)
			page.Notice = "Your sessions could not be listed."
		}
		page.Sessions = rows
	}
	c.filterTiles(ctx, &page) // only the tiles some rule allows this user
	return page
}

func (c *Connect) denied(w http.ResponseWriter, r *http.Request, msg string) {
	c.delay(r.Context(), c.now())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	if err := c.Pages.Render(w, PageDenied, DeniedPage{RequestID: RequestID(r.Context()), Message: msg}); err != nil {
		c.Logger.Error("render denied page", "err", err)
	}
}

// capReached is the session-cap page: the portal itself, saying what the
// limit is, with the user's sessions to open or end (403, as PSWA refuses).
func (c *Connect) capReached(w http.ResponseWriter, r *http.Request, user string) {
	page := c.portalPage(r.Context(), user, c.blankFields(), nil)
	page.CapReached, page.SessionCap = true, c.SessionCap
	if page.SessionCap == 0 {
		page.SessionCap = len(page.Sessions)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	if err := c.Pages.Render(w, PagePortal, page); err != nil {
		c.Logger.Error("render portal page", "request_id", RequestID(r.Context()), "err", err)
	}
}

// refuse shows the portal again (400) with the submitted non-secret values
// and each message next to its field.
func (c *Connect) refuse(w http.ResponseWriter, r *http.Request, f LoginFields, errs map[string]string) {
	c.refuseCode(w, r, http.StatusBadRequest, f, errs)
}

func (c *Connect) refuseCode(w http.ResponseWriter, r *http.Request, code int, f LoginFields, errs map[string]string) {
	page := c.portalPage(r.Context(), c.User(r.Context()), f, errs)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	if err := c.Pages.Render(w, PagePortal, page); err != nil {
		c.Logger.Error("render portal page", "request_id", RequestID(r.Context()), "err", err)
	}
}

// defaultFields are the configured defaults (PSWA appSettings) as the
// new-session form shows them.
func (c *Connect) defaultFields() LoginFields {
	d := c.Defaults
	f := LoginFields{ConfigurationName: d.Configuration, Authentication: d.Authentication, UseSSL: d.UseSSL,
		ApplicationName: d.Application, AllowRedirection: d.AllowRedirection}
	if d.Port != 0 {
		f.Port = strconv.Itoa(d.Port)
	}
	if d.SSLPort != 0 {
		f.SSLPort = strconv.Itoa(d.SSLPort)
	}
	return f
}
