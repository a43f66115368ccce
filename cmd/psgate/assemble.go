package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/psgate/psgate/access"
	"github.com/psgate/psgate/audit"
	"github.com/psgate/psgate/authz"
	"github.com/psgate/psgate/backend/winrs"
	"github.com/psgate/psgate/gateway"
	"github.com/psgate/psgate/identity"
	"github.com/psgate/psgate/identity/ldap"
	"github.com/psgate/psgate/identity/local"
	"github.com/psgate/psgate/mfa"
	"github.com/psgate/psgate/session"
	"github.com/psgate/psgate/web"
)

// hooks are what `demo`, tests and benchmarks add to a configured gateway;
// `serve` uses none.
type hooks struct {
	// options replaces the rules' gateway options (default: this host).
	options *authz.Options
	// auditOut replaces the audit destination of the config.
	auditOut io.Writer
	// route adjusts each WinRS console's config (demo: the published name
	// is the in-process simulator).
	route func(*winrs.Config)
	// credentials gives target credentials when the form has none (demo:
	// the simulator's account); default the sign-in's own password.
	credentials func(identity.Identity, gateway.Target) (string, string, bool)
	// sessions tunes the session manager's config (tests).
	sessions func(*session.Config)
	// registry replaces the config's session registry and sign-in store
	// (benchmarks); cookies nil keeps sign-ins in memory.
	registry session.Registry
	cookies  scs.Store
	// node names this gateway in the registry (default host:listen).
	node string
}

// assembled is a gateway built from a config: the public handler and the
// parts that serve, demo and the benchmarks drive beside it.
type assembled struct {
	app     *gateway.App
	metrics *gateway.Metrics
	mgr     *session.Manager
	rules   *authz.Store
	audit   *audit.Log
	closers []func() error
}

// Close releases what assemble opened, last first.
func (a *assembled) Close() error {
	for i := len(a.closers) - 1; i >= 0; i-- {
		_ = a.closers[i]()
	}
	a.closers = nil
	return nil
}

// assemble is psgate's one composition root: identity provider, rules,
// the access bridge, audit, session registry and manager, the console
// backend and the HTTP gateway, from cfg (defaults applied, validated).
func assemble(cfg *config, h hooks, logger *slog.Logger) (_ *assembled, err error) {
	a := &assembled{}
	defer func() {
		if err != nil {
			_ = a.Close()
		}
	}()
	opts := authz.Options{}
	if h.options != nil {
		opts = *h.options
	} else {
		host, _ := os.Hostname()
		opts.GatewayHost = host
	}
	var ready []gateway.ReadyCheck
	auth, dir, err := a.identity(cfg, logger, &ready)
	if err != nil {
		return nil, err
	}
	if a.rules, err = authz.OpenStore(authz.StoreConfig{Path: cfg.Rules, Logger: logger, Options: opts,
		MaxFileSize: cfg.RulesMaxFileSize}); err != nil {
		return nil, fmt.Errorf("assemble: %w", err)
	}
	ready = append(ready, gateway.ReadyCheck{Name: "rules", Check: func(context.Context) error { return a.rules.Err() }})
	acfg := access.Config{Rules: a.rules, Machine: machineName(opts)}
	if dir != nil {
		acfg.Directory = dir
	}
	authorizer, err := access.New(acfg)
	if err != nil {
		return nil, fmt.Errorf("assemble: %w", err)
	}
	if a.audit, err = a.openAudit(cfg, h); err != nil {
		return nil, err
	}
	reg, cookies := h.registry, h.cookies
	if reg == nil {
		var closeReg func() error
		if reg, cookies, closeReg, err = openRegistry(cfg, logger); err != nil {
			return nil, fmt.Errorf("assemble: %w", err)
		}
		a.closers = append(a.closers, closeReg)
	}
	if p, ok := reg.(interface{ Ping(context.Context) error }); ok {
		ready = append(ready, gateway.ReadyCheck{Name: "session store", Check: p.Ping})
	}
	var csrfKey []byte // the sign-in form's token key: shared by the gateways of one Redis
	if sh, ok := reg.(interface {
		SharedSecret(context.Context, string) ([]byte, error)
	}); ok {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		csrfKey, err = sh.SharedSecret(ctx, "csrf-sign-in-form")
		cancel()
		if err != nil {
			return nil, fmt.Errorf("assemble: %w", err)
		}
	}
	node := h.node
	if node == "" {
		host, _ := os.Hostname()
		node = host + ":" + cfg.Listen
	}
	scfg := session.Config{
		Registry: reg, Node: node, MaxPerUser: cfg.Sessions.MaxPerUser, IdleTimeout: cfg.Sessions.IdleTimeout,
		IdleWarning: cfg.Sessions.IdleWarning, BufferBytes: cfg.Sessions.DisconnectedBuffer, MaxClients: cfg.Sessions.MaxClients,
		ScrollbackBytes: cfg.Sessions.Scrollback, Logger: logger,
		Audit: a.audit.Sink(logger),
	}
	if h.sessions != nil {
		h.sessions(&scfg)
	}
	if a.mgr, err = session.NewManager(scfg); err != nil {
		return nil, fmt.Errorf("assemble: %w", err)
	}
	a.closers = append(a.closers, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return a.mgr.Shutdown(ctx) // after serve's own Shutdown: nothing left to do
	})
	if err := a.gateway(cfg, h, auth, authorizer, cookies, csrfKey, ready, logger); err != nil {
		return nil, err
	}
	return a, nil
}

// identity opens the configured identity provider; dir is its directory
// (LDAP / AD) or nil.
func (a *assembled) identity(cfg *config, logger *slog.Logger, ready *[]gateway.ReadyCheck) (identity.Authenticator, identity.Directory, error) {
	switch {
	case cfg.Identity.Local != nil:
		users, err := local.New(local.Config{Path: cfg.Identity.Local.UsersFile, Logger: logger})
		if err != nil {
			return nil, nil, fmt.Errorf("assemble: %w", err)
		}
		return users.Authenticator(), nil, nil
	case cfg.Identity.LDAP != nil:
		d, err := openDirectory(cfg.Identity.LDAP)
		if err != nil {
			return nil, nil, fmt.Errorf("assemble: %w", err)
		}
		a.closers = append(a.closers, d.Close)
		*ready = append(*ready, gateway.ReadyCheck{Name: "directory", Check: d.Ping})
		return d.Authenticator(), d, nil
	}
	return nil, nil, fmt.Errorf("assemble: no identity provider configured")
}

// openAudit opens the audit destination: the hook's writer, the config's
// file, or stdout.
func (a *assembled) openAudit(cfg *config, h hooks) (*audit.Log, error) {
	w := h.auditOut
	if w == nil {
		w = os.Stdout
		if f := cfg.Audit.File; f != "" && f != "-" {
			af, err := os.OpenFile(f, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
			if err != nil {
				return nil, fmt.Errorf("assemble: audit file: %w", err)
			}
			a.closers = append(a.closers, af.Close)
			w = af
		}
	}
	return audit.NewLog(w, nil), nil
}

// gateway builds the HTTP gateway over the assembled parts.
func (a *assembled) gateway(cfg *config, h hooks, auth identity.Authenticator, az gateway.Authorizer, cookies scs.Store,
	csrfKey []byte, ready []gateway.ReadyCheck, logger *slog.Logger) error {
	r, err := web.NewRenderer()
	if err != nil {
		return fmt.Errorf("assemble: %w", err)
	}
	a.metrics = gateway.NewMetrics()
	a.metrics.Sessions = func() (int, int) { s := a.mgr.Stats(); return s.Active, s.Disconnected }
	sm := gateway.NewSessionManager(cfg.Sessions.Lifetime, cookies)
	csrf := &gateway.CSRF{Values: sm, Key: csrfKey}
	deps := &gateway.Deps{Sessions: sm, CSRF: csrf, Pages: gateway.PagesFunc(r), Audit: a.audit, Metrics: a.metrics, Logger: logger}
	si := &gateway.SignIn{Deps: deps, Auth: auth, Throttle: gateway.NewThrottle(gateway.ThrottleConfig{})}
	if m := cfg.MFA; m.policy().Enabled() {
		st, err := openMFAStore(m, logger)
		if err != nil {
			return fmt.Errorf("assemble: %w", err)
		}
		si.Second = secondFactor{&mfa.Gate{Store: st, Policy: m.policy(), EnrolmentCodeRequired: m.EnrolmentCodeRequired}}
		si.SecondLimit = m.SecondStepTimeout
	}
	opener := &gateway.Opener{Sessions: a.mgr, Backend: winrs.Backend{Logger: logger, Route: h.route}, Credentials: h.credentials}
	if h.credentials == nil {
		pass := gateway.NewPasswords(cfg.Sessions.Lifetime, nil)
		si.OnSignIn, si.OnSignOut, opener.Credentials = pass.SignedIn, pass.SignedOut, pass.Credentials
	}
	d := cfg.Defaults
	conn := &gateway.Connect{
		Deps: deps, Authorizer: az, Opener: opener, AllowFreeTarget: *cfg.Portal.AllowFreeTarget, SessionCap: a.mgr.MaxPerUser(),
		Defaults: gateway.FormDefaults{Port: d.Port, SSLPort: d.SSLPort, Application: d.ApplicationName, UseSSL: d.UseSSL,
			Authentication: d.Authentication, AllowRedirection: d.AllowRedirection, Configuration: d.Configuration},
	}
	for i, p := range cfg.Portal.Published {
		t := publishedTarget(p, d)
		conn.Published = append(conn.Published, gateway.PublishedTarget{ID: strconv.Itoa(i), Name: p.Name,
			ComputerName: t.Computer, ConfigurationName: t.Configuration, Description: p.Description})
		conn.PublishedTargets = append(conn.PublishedTargets, t)
	}
	si.Connect = conn // the sign-in form may name a target (PSWA's one-page sign-in)
	proxies, err := gateway.ParseProxies(cfg.TrustedProxies)
	if err != nil {
		return fmt.Errorf("assemble: %w", err)
	}
	a.app, err = gateway.NewApp(gateway.AppConfig{
		SignIn: si, Connect: conn, Sessions: a.mgr, Ready: ready, Static: web.Static(), Logger: logger, Proxies: proxies,
	})
	if err != nil {
		return fmt.Errorf("assemble: %w", err)
	}
	return nil
}

// publishedTarget is a portal tile's target with the config's defaults.
func publishedTarget(p published, d defaultsConfig) gateway.Target {
	t := gateway.Target{Computer: p.Computer, Port: p.Port, UseSSL: p.UseSSL, Configuration: p.Configuration,
		Authentication: d.Authentication, Application: d.ApplicationName}
	if t.Configuration == "" {
		t.Configuration = d.Configuration
	}
	if t.Port == 0 {
		t.Port = d.Port
		if t.UseSSL {
			t.Port = d.SSLPort
		}
	}
	return t
}

var _ identity.Directory = (*ldap.Directory)(nil)
