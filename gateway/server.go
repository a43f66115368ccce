package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/chi/v5"
)

// ReadyCheck is one /readyz condition (rules loaded, directory reachable).
type ReadyCheck struct {
	Name  string
	Check func(ctx context.Context) error
}

// RouterConfig assembles the public router.
type RouterConfig struct {
	SignIn   *SignIn
	Sessions *scs.SessionManager
	CSRF     *CSRF
	Metrics  *Metrics
	Proxies  []netip.Prefix
	Ready    []ReadyCheck
	// Static serves /static/ (the web package's assets); nil serves none.
	Static http.Handler
	// Home serves GET /; default SignIn.Form.
	Home http.HandlerFunc
	// Mount adds further routes (portal, console) inside the session and
	// CSRF layers; nil adds none.
	Mount func(r chi.Router)
	// MaxBody caps request bodies; default 64 KiB.
	MaxBody int64
	// BodyTimeout bounds the time a client may take to send a request
	// body (BodyDeadline; the websocket is not affected); default 10s.
	BodyTimeout time.Duration
	Logger      *slog.Logger
}

// DefaultBodyTimeout is how long a client may take to send a request body
// (64 KiB at most) after its headers, on the gateway and the admin API.
const DefaultBodyTimeout = 10 * time.Second

// NewRouter returns the public handler. Middleware order: request ID, real
// IP, recover, security headers, body deadline, body limit; then health endpoints (no
// session); then the sign-in session's load/save (Deps.loadAndSave: a 503
// page when the store fails) and CSRF for everything else.
func NewRouter(c RouterConfig) http.Handler {
	if c.MaxBody == 0 {
		c.MaxBody = 64 << 10
	}
	if c.BodyTimeout == 0 {
		c.BodyTimeout = DefaultBodyTimeout
	}
	r := chi.NewRouter()
	r.Use(RequestIDMiddleware, RealIPMiddleware(c.Proxies), Recover(c.Logger), SecurityHeaders, BodyDeadline(c.BodyTimeout), LimitBody(c.MaxBody))
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	r.Method(http.MethodGet, "/readyz", newReadiness(c.Ready, c.Logger))
	r.Method(http.MethodGet, "/metrics", c.Metrics)
	if c.Static != nil {
		r.Handle("/static/*", c.Static)
	}
	r.Group(func(r chi.Router) {
		r.Use(c.SignIn.Deps.loadAndSave, c.CSRF.Middleware)
		if c.Home != nil {
			r.Get("/", c.Home)
		} else {
			r.Get("/", c.SignIn.Form)
		}
		r.Post("/login", c.SignIn.Post)
		r.Get(PathSecond, c.SignIn.SecondForm)
		r.Post(PathSecond, c.SignIn.SecondPost)
		r.Post("/logout", c.SignIn.SignOut)
		if c.Mount != nil {
			c.Mount(r)
		}
	})
	return r
}

// NewSessionManager returns scs configured as the gateway needs it: Secure,
// HttpOnly, SameSite=Strict cookie, absolute lifetime, in-memory store
// unless store is given. Only the user name and the CSRF token are kept.
func NewSessionManager(lifetime time.Duration, store scs.Store) *scs.SessionManager {
	sm := scs.New()
	if store != nil {
		sm.Store = store
	}
	sm.Lifetime = lifetime
	sm.Cookie.Name = "psgate_session"
	sm.Cookie.Secure = true
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteStrictMode
	sm.Cookie.Persist = false
	// Not scs's default (a line on the standard logger and a plain 500):
	// the gateway's own load/save (Deps.loadAndSave) logs through slog and
	// writes a styled 503; this only answers for code that uses scs's.
	sm.ErrorFunc = func(w http.ResponseWriter, _ *http.Request, _ error) {
		http.Error(w, MessageStoreUnavailable, http.StatusServiceUnavailable)
	}
	return sm
}
