package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/spf13/cobra"

	"github.com/psgate/psgate/audit"
	"github.com/psgate/psgate/authz"
	"github.com/psgate/psgate/gateway"
	"github.com/psgate/psgate/identity/local"
	"github.com/psgate/psgate/session"
)

// newServeCmd is `psgate serve`: the gateway from --config.
func newServeCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the gateway from the config file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(e.configPath)
			if err != nil {
				return err
			}
			return runServe(cmd.Context(), e, cfg, nil)
		},
	}
}

// runServe runs the configured gateway until ctx ends. ready, when set,
// gets the public URL once listening (tests).
func runServe(ctx context.Context, e *env, cfg *config, ready func(url string)) error {
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	var closers []func() error
	defer func() {
		for i := len(closers) - 1; i >= 0; i-- {
			_ = closers[i]()
		}
	}()

	opts := gatewayOptions(e)
	machine := machineName(opts)
	ids := &identityCache{}
	az := rulesAuthorizer{machine: machine}
	var readyChecks []gateway.ReadyCheck
	switch {
	case cfg.Identity.Local != nil:
		users, err := local.New(local.Config{Path: cfg.Identity.Local.UsersFile, Logger: logger})
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		ids.inner = localAuth{store: users}
		ids.lookup = func(u string) (gateway.Identity, bool) {
			lu, err := users.Lookup(u)
			if err != nil || lu.Disabled {
				return gateway.Identity{}, false
			}
			return gateway.Identity{Name: lu.Name, Groups: lu.Groups}, true
		}
	case cfg.Identity.LDAP != nil:
		dir, err := openDirectory(cfg.Identity.LDAP)
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		closers = append(closers, dir.Close)
		dc := &dirCallers{dir: dir}
		ids.inner = dc
		az.callerOf, az.targetOf = dc.callerOf, dc.targetOf
		readyChecks = append(readyChecks, gateway.ReadyCheck{Name: "directory", Check: dir.Ping})
	}
	rules, err := authz.OpenStore(authz.StoreConfig{Path: cfg.Rules, Logger: logger, Options: opts})
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	az.store = rules
	readyChecks = append(readyChecks, gateway.ReadyCheck{Name: "rules", Check: func(context.Context) error { return rules.Err() }})

	var aw io.Writer = e.stdout
	if f := cfg.Audit.File; f != "" && f != "-" {
		af, err := os.OpenFile(f, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("serve: audit file: %w", err)
		}
		closers = append(closers, af.Close)
		aw = af
	}
	auditLog := audit.NewLog(aw, nil)

	reg, cookies, closeReg, err := openRegistry(cfg, logger)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	closers = append(closers, closeReg)
	if p, ok := reg.(interface{ Ping(context.Context) error }); ok {
		readyChecks = append(readyChecks, gateway.ReadyCheck{Name: "session store", Check: p.Ping})
	}
	host, _ := os.Hostname()
	mgr, err := session.NewManager(session.Config{
		Registry: reg, Node: host + ":" + cfg.Listen, MaxPerUser: cfg.Sessions.MaxPerUser, IdleTimeout: cfg.Sessions.IdleTimeout,
		IdleWarning: cfg.Sessions.IdleWarning, BufferBytes: cfg.Sessions.DisconnectedBuffer, Logger: logger,
		Audit: auditLog.Sink(logger),
	})
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	d := cfg.Defaults
	pass := newPassthrough(cfg.Sessions.Lifetime)
	deps := gatewayDeps{
		auth: ids, authz: az, mgr: mgr, opener: &sessionOpener{mgr: mgr, creds: pass.creds, logger: logger}, pass: pass,
		allowFree: *cfg.Portal.AllowFreeTarget,
		defaults: gateway.FormDefaults{Port: d.Port, SSLPort: d.SSLPort, Application: d.ApplicationName, UseSSL: d.UseSSL,
			Authentication: d.Authentication, AllowRedirection: d.AllowRedirection, Configuration: d.Configuration},
		audit: auditLog, lifetime: cfg.Sessions.Lifetime, ready: readyChecks, logger: logger, cookies: cookies,
		trustedProxies: cfg.TrustedProxies,
	}
	for _, p := range cfg.Portal.Published {
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
		deps.tiles = append(deps.tiles, publishedTile{Name: p.Name, Description: p.Description, Target: t})
	}
	app, _, err := buildApp(deps)
	if err != nil {
		return err
	}
	tlsCfg, fp, err := serverTLS(cfg)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if cfg.Admin.Listen != "" {
		stop, _, err := startAdmin(ctx, cfg.Admin, mgr, logger)
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		closers = append(closers, stop)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("serve: listen: %w", err)
	}
	url := "https://" + ln.Addr().String() + "/"
	logger.Info("gateway listening", "url", url, "certificate_sha256", fp, "rules_file", cfg.Rules)
	if ready != nil {
		ready(url)
	}
	return gateway.Serve(ctx, gateway.ServeConfig{Listener: ln, TLS: tlsCfg, Handler: app, Logger: logger, Stop: mgr.Shutdown})
}

// openRegistry returns the session registry of the config's store and,
// with Redis, the shared sign-in (scs) store on the same connection.
func openRegistry(cfg *config, logger *slog.Logger) (session.Registry, scs.Store, func() error, error) {
	r := cfg.Store.Redis
	if r == nil {
		return session.NewMemoryRegistry(nil), nil, func() error { return nil }, nil
	}
	pw := ""
	switch {
	case r.PasswordFile != "":
		var err error
		if pw, err = readSecretFile("redis password file", r.PasswordFile); err != nil {
			return nil, nil, nil, err
		}
	case r.PasswordEnv != "":
		pw = os.Getenv(r.PasswordEnv)
	}
	session.RouteRedisLogs(logger)
	reg, err := session.NewRedisRegistry(session.RedisConfig{Addr: r.Addr, Password: pw, DB: r.DB})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("redis registry %s: %w", r.Addr, err)
	}
	logger.Info("session registry and sign-in store", "redis", r.Addr)
	return reg, reg.SignInStore(), reg.Close, nil
}

// serverTLS loads the configured certificate or generates a self-signed one.
func serverTLS(cfg *config) (*tls.Config, string, error) {
	var cert tls.Certificate
	var fp string
	if cfg.TLS.Cert != "" {
		c, err := tls.LoadX509KeyPair(cfg.TLS.Cert, cfg.TLS.Key)
		if err != nil {
			return nil, "", fmt.Errorf("load tls cert %s: %w", cfg.TLS.Cert, err)
		}
		cert, fp = c, gateway.Fingerprint(c.Certificate[0])
	} else {
		host, _, _ := net.SplitHostPort(cfg.Listen)
		s, err := gateway.GenerateSelfSigned([]string{host}, time.Now())
		if err != nil {
			return nil, "", err
		}
		cert, fp = s.Cert, s.Fingerprint
	}
	var pool *x509.CertPool
	if cfg.TLS.ClientCA != "" {
		b, err := os.ReadFile(cfg.TLS.ClientCA)
		if err != nil {
			return nil, "", fmt.Errorf("read tls client_ca: %w", err)
		}
		pool = x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			return nil, "", errors.New("tls client_ca: no certificate in " + cfg.TLS.ClientCA)
		}
	}
	return gateway.ServerTLSConfig(cert, pool, cfg.TLS.RequireClientCert), fp, nil
}
