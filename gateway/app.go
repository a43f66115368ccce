package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/psgate/psgate/audit"
	"github.com/psgate/psgate/gateway/console"
	"github.com/psgate/psgate/session"
)

// ErrorPage is the data of the generic error page.
type ErrorPage struct {
	RequestID string
	Title     string // default "Something went wrong"
	Message   string
}

// WriterPages is a renderer over any io.Writer (web.Renderer).
type WriterPages interface {
	Render(w io.Writer, name string, data any) error
}

// PagesFunc adapts a WriterPages to Pages.
func PagesFunc(p WriterPages) Pages { return writerPages{p} }

type writerPages struct{ p WriterPages }

func (w writerPages) Render(rw http.ResponseWriter, name string, data any) error {
	return w.p.Render(rw, name, data)
}

// SessionService is the part of session.Manager the portal and console use.
type SessionService interface {
	console.Sessions
	Get(id, user string) (*session.Session, error)
	List(ctx context.Context, f session.Filter) ([]session.Info, error)
	Logoff(ctx context.Context, idOrName string) error
}

// AppConfig assembles the whole public gateway.
type AppConfig struct {
	SignIn   *SignIn
	Connect  *Connect
	Sessions SessionService
	Proxies  []netip.Prefix
	Ready    []ReadyCheck
	// Static serves /static/; nil serves none.
	Static http.Handler
	// Console tunes the websocket bridge; its Sessions, User, CheckCSRF,
	// SessionID and Authorize are filled in by NewApp.
	Console console.Config
	// SignInRecheck is how often open consoles check that their sign-in
	// still exists in the store (signed out on another gateway, lifetime
	// over); a sign-out on this gateway closes them at once. Default 30s.
	SignInRecheck time.Duration
	Logger        *slog.Logger
}

// App is the assembled public handler.
type App struct {
	cfg     AppConfig
	handler http.Handler
}

// NewApp wires sign-in, portal, new-session, console page and websocket,
// session end, static assets and health endpoints into one handler.
func NewApp(c AppConfig) (*App, error) {
	if c.SignIn == nil || c.SignIn.Deps == nil || c.Connect == nil || c.Sessions == nil {
		return nil, errors.New("new gateway app: SignIn (with Deps), Connect and Sessions are required")
	}
	if c.Connect.Deps == nil {
		c.Connect.Deps = c.SignIn.Deps
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.SignIn.Second != nil && c.SignIn.SecondThrottle == nil {
		c.SignIn.SecondThrottle = NewThrottle(ThrottleConfig{})
	}
	a := &App{cfg: c}
	if c.Connect.ListSessions == nil {
		c.Connect.ListSessions = a.sessionRows
	}
	cc := c.Console
	cc.Sessions = c.Sessions
	cc.User = func(r *http.Request) (string, bool) {
		u := c.SignIn.User(r.Context())
		return u, u != ""
	}
	cc.CheckCSRF = func(r *http.Request, token string) bool { return c.SignIn.CSRF.Valid(r.Context(), token) }
	cc.SessionID = func(r *http.Request) string { return chi.URLParam(r, "id") }
	watch := newSignInWatch(c.SignIn.Sessions, c.SignInRecheck, c.Logger)
	c.SignIn.watch = watch
	cc.SignInEnded = func(r *http.Request) (<-chan struct{}, func() bool, func()) {
		return watch.watch(c.SignIn.Sessions.Token(r.Context()))
	}
	cc.Authorize = func(r *http.Request, s *session.Session) error { return a.reauthorize(r, s.Info()) }
	if cc.Logger == nil {
		cc.Logger = c.Logger
	}
	if cc.OnBytes == nil && c.SignIn.Metrics != nil {
		m := c.SignIn.Metrics
		cc.OnBytes = func(in, out int) { m.WSBytesIn.Add(uint64(in)); m.WSBytesOut.Add(uint64(out)) }
	}
	ws, err := console.NewHandler(cc)
	if err != nil {
		return nil, fmt.Errorf("new gateway app: %w", err)
	}
	a.handler = NewRouter(RouterConfig{
		SignIn: c.SignIn, Sessions: c.SignIn.Sessions, CSRF: c.SignIn.CSRF, Metrics: c.SignIn.Metrics,
		Proxies: c.Proxies, Ready: c.Ready, Static: c.Static, Logger: c.Logger,
		Home: a.home,
		Mount: func(r chi.Router) {
			r.Get("/portal", a.portal)
			r.Post("/sessions", c.Connect.Post)
			r.Post("/sessions/{id}/end", a.end)
			r.Get("/console/{id}", a.consolePage)
			r.Get("/console/{id}/ws", ws.ServeHTTP)
		},
	})
	return a, nil
}

// ServeHTTP serves the gateway.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

func (a *App) user(r *http.Request) string { return a.cfg.SignIn.User(r.Context()) }

// home is GET /: the sign-in form when signed out, else the portal.
func (a *App) home(w http.ResponseWriter, r *http.Request) {
	if a.user(r) != "" {
		http.Redirect(w, r, "/portal", http.StatusSeeOther)
		return
	}
	a.cfg.SignIn.Form(w, r)
}

func (a *App) portal(w http.ResponseWriter, r *http.Request) {
	user := a.user(r)
	if user == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	c := a.cfg.Connect
	a.render(w, r, http.StatusOK, PagePortal, c.portalPage(r.Context(), user, c.blankFields(), nil))
}

// sessionRows lists the user's sessions for the portal.
func (a *App) sessionRows(ctx context.Context, user string) ([]SessionRow, error) {
	infos, err := a.cfg.Sessions.List(ctx, session.Filter{User: user})
	if err != nil {
		return nil, fmt.Errorf("list sessions of %q: %w", user, err)
	}
	now := time.Now()
	rows := make([]SessionRow, 0, len(infos))
	for _, in := range infos {
		rows = append(rows, SessionRow{
			ID: in.ID, Name: in.Name, Target: in.Target, ConfigurationName: in.Configuration, State: string(in.State),
			Started: in.Created.Format("2006-01-02 15:04 MST"), StartedISO: in.Created.UTC().Format(time.RFC3339), Idle: now.Sub(in.LastActivity).Round(time.Second).String(),
		})
	}
	return rows, nil
}

func (a *App) consolePage(w http.ResponseWriter, r *http.Request) {
	user := a.user(r)
	if user == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	id := chi.URLParam(r, "id")
	s, err := a.cfg.Sessions.Get(id, user)
	if err != nil {
		a.render(w, r, http.StatusNotFound, PageError, ErrorPage{RequestID: RequestID(r.Context()), Message: "No such session."})
		return
	}
	info := s.Info()
	if err := a.reauthorize(r, info); err != nil {
		a.cfg.Connect.denied(w, r, MessageAccessDenied)
		return
	}
	page := ConsolePage{User: user, SessionID: info.ID, SessionName: info.Name, Target: info.Target,
		WebSocketURL: "/console/" + info.ID + "/ws", CSRF: a.cfg.SignIn.CSRF.Token(r.Context())}
	a.render(w, r, http.StatusOK, PageConsole, page)
}

// end is POST /sessions/{id}/end: the owner ends a session from the portal.
func (a *App) end(w http.ResponseWriter, r *http.Request) {
	user := a.user(r)
	if user == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	id := chi.URLParam(r, "id")
	if _, err := a.cfg.Sessions.Get(id, user); err != nil {
		http.NotFound(w, r)
		return
	}
	if err := a.cfg.Sessions.Logoff(r.Context(), id); err != nil {
		a.cfg.Logger.Error("end session", "session", id, "user", user, "err", err)
	}
	http.Redirect(w, r, "/portal", http.StatusSeeOther)
}

// reauthorize checks the rules again for an existing session of the
// request's signed-in user (they may have changed since it was opened); a
// denial is audited as 259 or 267.
func (a *App) reauthorize(r *http.Request, info session.Info) error {
	ctx := r.Context()
	c := a.cfg.Connect
	id, ok := c.Identity(ctx)
	if !ok || id.Name != info.User {
		return fmt.Errorf("reauthorize session %s: the request is not signed in as %q", info.ID, info.User)
	}
	allowed, reason, err := c.Authorizer.Authorize(ctx, id, info.Target, info.Configuration)
	if err == nil && allowed {
		return nil
	}
	ci := Client(ctx)
	rec := audit.Record{RequestID: RequestID(ctx), User: info.User, ClientAddr: ci.Addr, XFF: ci.XFF,
		Target: info.Target, Configuration: info.Configuration, Session: info.ID, SessionName: info.Name}
	if err != nil {
		rec.Event, rec.Reason = audit.AuthorizationInvalidRules, err.Error()
	} else {
		rec.Event, rec.Reason = audit.GatewayAuthorizationFailure, reason
		err = fmt.Errorf("reauthorize session %s: %s", info.ID, strings.TrimSpace(reason))
	}
	c.audit(rec)
	return err
}

func (a *App) render(w http.ResponseWriter, r *http.Request, code int, page string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	if err := a.cfg.SignIn.Pages.Render(w, page, data); err != nil {
		a.cfg.Logger.Error("render page", "page", page, "request_id", RequestID(r.Context()), "err", err)
	}
}
