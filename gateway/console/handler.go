package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/gorilla/websocket"

	"github.com/psgate/psgate/session"
)

// Buffer sizes of a socket (see NewHandler).
const (
	readBufferSize  = 1024
	writeBufferSize = 4096
)

// handler upgrades authorized requests and runs one conn per socket.
type handler struct {
	cfg      Config
	upgrader websocket.Upgrader
	bufs     sync.Pool // output encode buffers of all sockets (conn.send)
}

// NewHandler returns the http.Handler of GET /console/{id}/ws. Everything is
// checked before the upgrade: a same-origin Origin header, a signed-in user,
// a valid csrf query parameter, the psgate.v1 subprotocol (403 otherwise) and
// a session of that user (404 otherwise, the same answer whether the session
// does not exist or belongs to someone else).
func NewHandler(cfg Config) (http.Handler, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	h := &handler{cfg: cfg}
	h.upgrader = websocket.Upgrader{
		// Memory of an idle socket (docs/PERFORMANCE.md "Gateway"): the
		// socket gets a small reader of its own rather than reusing net/http's
		// 4 KiB one (which would keep the finished HTTP request reachable for
		// the life of the socket; see ServeHTTP) — browser frames are
		// keystrokes, and a larger frame is read past the buffer straight into
		// the message. Write buffers come from a pool shared by all sockets and
		// go back after each message, so an idle socket holds none.
		ReadBufferSize:  readBufferSize,
		WriteBufferSize: writeBufferSize,
		WriteBufferPool: &sync.Pool{},
		Subprotocols:    []string{Subprotocol},
		// The origin is checked in ServeHTTP, before the session is touched.
		CheckOrigin: func(*http.Request) bool { return true },
		Error: func(w http.ResponseWriter, _ *http.Request, status int, _ error) {
			http.Error(w, http.StatusText(status), status)
		},
	}
	return h, nil
}

func (h *handler) deny(w http.ResponseWriter, r *http.Request, status int, why string) {
	h.cfg.Logger.Info("console websocket refused", "status", status, "reason", why,
		"remote", r.RemoteAddr, "path", r.URL.Path)
	http.Error(w, http.StatusText(status), status)
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || !websocket.IsWebSocketUpgrade(r) {
		h.deny(w, r, http.StatusBadRequest, "not a websocket upgrade")
		return
	}
	if err := sameOrigin(r); err != nil {
		h.deny(w, r, http.StatusForbidden, err.Error())
		return
	}
	user, ok := h.cfg.User(r)
	if !ok || user == "" {
		h.deny(w, r, http.StatusForbidden, "not signed in")
		return
	}
	token := r.URL.Query().Get("csrf")
	if token == "" || !h.cfg.CheckCSRF(r, token) {
		h.deny(w, r, http.StatusForbidden, "missing or invalid csrf token")
		return
	}
	if !slices.Contains(websocket.Subprotocols(r), Subprotocol) {
		h.deny(w, r, http.StatusForbidden, "subprotocol "+Subprotocol+" not offered")
		return
	}
	id := h.cfg.SessionID(r)
	c := newConn(h.cfg)
	c.bufs = &h.bufs
	s, detach, err := h.attach(r, id, user, c)
	if errors.Is(err, errNotAuthorized) {
		h.deny(w, r, http.StatusForbidden, err.Error())
		return
	}
	if err != nil {
		if errors.Is(err, session.ErrNotFound) || errors.Is(err, session.ErrClosed) {
			h.deny(w, r, http.StatusNotFound, "no such session of the user")
			return
		}
		if errors.Is(err, session.ErrTooManyClients) {
			h.deny(w, r, http.StatusTooManyRequests, "the console is open in too many windows")
			return
		}
		h.cfg.Logger.Error("console attach failed", "session", id, "user", user, "err", err)
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		return
	}
	ws, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		detach()
		h.cfg.Logger.Info("console websocket upgrade failed", "session", id, "err", err)
		return
	}
	release := func() {}
	if h.cfg.SignInEnded != nil {
		c.ended, c.expired, release = h.cfg.SignInEnded(r)
	}
	h.cfg.Logger.Debug("console attached", "session", id, "user", user, "remote", r.RemoteAddr)
	// The socket outlives this handler: returning lets net/http drop the
	// hijacked connection's buffers, the request, its headers and contexts
	// (~10 KB per socket) instead of keeping them for the whole console.
	go func() {
		c.run(ws, s, detach)
		release()
		h.cfg.Logger.Debug("console detached", "session", id, "user", user)
	}()
}

// errNotAuthorized marks a refusal by Config.Authorize.
var errNotAuthorized = errors.New("reconnect not authorized")

// getter is implemented by *session.Manager: with it, Authorize runs before
// the client is attached (no hello, no activity for a refused socket).
type getter interface {
	Get(id, user string) (*session.Session, error)
}

// attach finds the user's session, applies Config.Authorize and attaches c.
func (h *handler) attach(r *http.Request, id, user string, c *conn) (*session.Session, func(), error) {
	if h.cfg.Authorize == nil {
		return h.cfg.Sessions.Attach(id, user, c)
	}
	if g, ok := h.cfg.Sessions.(getter); ok {
		s, err := g.Get(id, user)
		if err != nil {
			return nil, nil, err
		}
		if err := h.cfg.Authorize(r, s); err != nil {
			return nil, nil, fmt.Errorf("%w: session %s: %w", errNotAuthorized, id, err)
		}
		detach, err := s.Attach(c)
		if err != nil {
			return nil, nil, fmt.Errorf("attach session %s: %w", id, err)
		}
		return s, detach, nil
	}
	s, detach, err := h.cfg.Sessions.Attach(id, user, c)
	if err != nil {
		return nil, nil, err
	}
	if err := h.cfg.Authorize(r, s); err != nil {
		detach()
		return nil, nil, fmt.Errorf("%w: session %s: %w", errNotAuthorized, id, err)
	}
	return s, detach, nil
}

// sameOrigin demands an Origin header whose host equals the request's Host.
func sameOrigin(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return errors.New("missing Origin header")
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("malformed Origin %q", origin)
	}
	if r.TLS != nil && u.Scheme != "https" {
		return fmt.Errorf("plain-HTTP Origin %q on a TLS connection", origin)
	}
	if !strings.EqualFold(u.Host, r.Host) {
		return fmt.Errorf("foreign Origin %q for host %q", origin, r.Host)
	}
	return nil
}
