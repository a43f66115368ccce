package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/psgate/psgate/backend"
	"github.com/psgate/psgate/identity"
	"github.com/psgate/psgate/session"
)

// Opener opens console sessions: the session layer (cap, registry,
// lifecycle) over a console backend. It implements SessionOpener.
type Opener struct {
	Sessions *session.Manager
	Backend  backend.Backend
	// Credentials gives the target credential when the form has no
	// alternate one: the sign-in's password kept by Passwords, or (the
	// demo) the simulator's account. nil: alternate credentials only.
	Credentials func(id identity.Identity, t Target) (user, password string, ok bool)
}

// Open implements SessionOpener.
func (o *Opener) Open(ctx context.Context, id identity.Identity, t Target, clientAddr string) (string, error) {
	user, password := t.AltUser, t.AltPassword
	if user == "" && o.Credentials != nil {
		if u, p, ok := o.Credentials(id, t); ok {
			user, password = u, p
		}
	}
	if user == "" {
		return "", fmt.Errorf("open session to %s for %s: %w", t.Display(), id.Name, ErrNoCredentials)
	}
	bt := t.backendTarget(user, password)
	start := func(ctx context.Context, emit func(session.Event)) (session.Shell, error) {
		return o.Backend.Start(ctx, bt, emit)
	}
	req := session.OpenRequest{User: id.Name, Target: t.Display(), Configuration: t.Configuration, ClientAddr: clientAddr}
	s, err := o.Sessions.Open(ctx, req, start)
	if err != nil {
		if errors.Is(err, session.ErrCapReached) {
			return "", fmt.Errorf("open session for %s: %w: %w", id.Name, ErrCapReached, err)
		}
		return "", fmt.Errorf("open session to %s for %s: %w", t.Display(), id.Name, err)
	}
	return s.ID(), nil
}

// backendTarget is where the backend connects: the typed computer with the
// form's port, SSL and application name, or the connection URI's scheme,
// port and path.
func (t Target) backendTarget(user, password string) backend.Target {
	bt := backend.Target{Host: t.Host(), Port: t.Port, HTTPS: t.UseSSL, Auth: t.Authentication,
		Configuration: t.Configuration, Username: user, Password: password}
	if t.Application != "" && t.Application != "WSMAN" {
		bt.Path = "/" + t.Application
	}
	if t.URI != nil {
		bt.HTTPS, bt.Port = t.URI.Scheme == "https", uriPort(t.URI)
		if t.URI.Path != "" {
			bt.Path = t.URI.Path
		}
	}
	return bt
}

func uriPort(u *url.URL) int {
	p, err := strconv.Atoi(u.Port())
	if err != nil {
		return 0
	}
	return p
}

// Passwords keeps each signed-in user's gateway password in this process
// only (never in the sign-in store), for targets opened without alternate
// credentials: PSWA passes the sign-in credential on. An entry is wiped at
// sign-out and expires with the sign-in lifetime.
type Passwords struct {
	ttl time.Duration
	now func() time.Time
	mu  sync.Mutex
	m   map[string]passEntry
}

type passEntry struct {
	user, password string
	expires        time.Time
}

// NewPasswords keeps passwords for ttl; now defaults to time.Now.
func NewPasswords(ttl time.Duration, now func() time.Time) *Passwords {
	if now == nil {
		now = time.Now
	}
	return &Passwords{ttl: ttl, now: now, m: map[string]passEntry{}}
}

// SignedIn keeps id's password (SignIn.OnSignIn).
func (p *Passwords) SignedIn(id identity.Identity, password string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.m[id.Name] = passEntry{user: id.Name, password: password, expires: p.now().Add(p.ttl)}
}

// SignedOut wipes user's password (SignIn.OnSignOut).
func (p *Passwords) SignedOut(user string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.m, user)
}

// Credentials gives id's sign-in credential (Opener.Credentials).
func (p *Passwords) Credentials(id identity.Identity, _ Target) (string, string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.m[id.Name]
	if !ok || p.now().After(e.expires) {
		delete(p.m, id.Name)
		return "", "", false
	}
	return e.user, e.password, true
}
