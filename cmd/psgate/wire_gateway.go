package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/psgate/psgate/audit"
	"github.com/psgate/psgate/gateway"
	"github.com/psgate/psgate/session"
	"github.com/psgate/psgate/web"
)

// identityCache remembers the identity (groups) resolved at sign-in, since
// the cookie session keeps only the user name. lookup, when set, is asked
// first (the local users file knows groups without a password).
type identityCache struct {
	inner  gateway.Authenticator
	lookup func(user string) (gateway.Identity, bool)
	mu     sync.Mutex
	ids    map[string]gateway.Identity
}

func (c *identityCache) Authenticate(ctx context.Context, user, password string) (gateway.Identity, error) {
	id, err := c.inner.Authenticate(ctx, user, password)
	if err == nil {
		c.mu.Lock()
		if c.ids == nil {
			c.ids = map[string]gateway.Identity{}
		}
		c.ids[id.Name] = id
		c.mu.Unlock()
	}
	return id, err
}

func (c *identityCache) Identity(_ context.Context, user string) (gateway.Identity, bool) {
	if c.lookup != nil {
		if id, ok := c.lookup(user); ok {
			return id, true
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.ids[user]
	return id, ok
}

// publishedTile is one portal tile and the target behind it.
type publishedTile struct {
	Name, Description string
	Target            gateway.Target
}

// gatewayDeps are the parts of a running gateway.
type gatewayDeps struct {
	auth      *identityCache
	authz     gateway.Authorizer
	mgr       *session.Manager
	opener    gateway.SessionOpener
	tiles     []publishedTile
	allowFree bool
	defaults  gateway.FormDefaults
	audit     *audit.Log
	lifetime  time.Duration
	ready     []gateway.ReadyCheck
	// pass, when set, keeps sign-in passwords in process for targets
	// without alternate credentials.
	pass *passthrough
	// cookies stores the sign-in sessions; nil keeps them in memory.
	cookies scs.Store
	// trustedProxies are the CIDRs whose X-Forwarded-For is believed
	// (config trusted_proxies); without them every client behind a reverse
	// proxy is the proxy's address (one shared address back-off).
	trustedProxies []string
	logger         *slog.Logger
}

// buildApp assembles the public handler from its parts.
func buildApp(d gatewayDeps) (*gateway.App, *gateway.Metrics, error) {
	r, err := web.NewRenderer()
	if err != nil {
		return nil, nil, fmt.Errorf("build gateway: %w", err)
	}
	if d.lifetime == 0 {
		d.lifetime = 12 * time.Hour
	}
	metrics := gateway.NewMetrics()
	metrics.Sessions = func() (int, int) { s := d.mgr.Stats(); return s.Active, s.Disconnected }
	sm := gateway.NewSessionManager(d.lifetime, d.cookies)
	csrf := &gateway.CSRF{Values: sm}
	si := &gateway.SignIn{
		Auth: d.auth, Throttle: gateway.NewThrottle(gateway.ThrottleConfig{}), Audit: d.audit, Metrics: metrics,
		Pages: gateway.PagesFunc(r), Sessions: sm, CSRF: csrf, Logger: d.logger,
	}
	if d.pass != nil {
		si.OnSignIn, si.OnSignOut = d.pass.signIn, d.pass.signOut
	}
	conn := &gateway.Connect{
		SignIn: si, Authorizer: d.authz, Opener: d.opener, Defaults: d.defaults, AllowFreeTarget: d.allowFree,
		Identity: d.auth.Identity, Logger: d.logger,
	}
	for i, t := range d.tiles {
		conn.Published = append(conn.Published, gateway.PublishedTarget{
			ID: strconv.Itoa(i), Name: t.Name, ComputerName: t.Target.Computer,
			ConfigurationName: t.Target.Configuration, Description: t.Description,
		})
		conn.PublishedTargets = append(conn.PublishedTargets, t.Target)
	}
	si.Connect = conn
	proxies, err := gateway.ParseProxies(d.trustedProxies)
	if err != nil {
		return nil, nil, fmt.Errorf("build gateway: %w", err)
	}
	app, err := gateway.NewApp(gateway.AppConfig{
		SignIn: si, Connect: conn, Sessions: d.mgr, Ready: d.ready, Static: web.Static(), Logger: d.logger,
		Proxies: proxies,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("build gateway: %w", err)
	}
	return app, metrics, nil
}
