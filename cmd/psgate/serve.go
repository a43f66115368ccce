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

	"github.com/psgate/psgate/gateway"
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
	if errs := cfg.preflight(); len(errs) > 0 {
		return fmt.Errorf("serve: %w", errors.Join(errs...))
	}
	for _, w := range cfg.warnings() {
		logger.Warn("config", "warning", w)
	}
	gw, err := assemble(cfg, hooks{auditOut: auditWriter(cfg, e.stdout)}, logger)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer gw.Close()
	tlsCfg, fp, err := serverTLS(cfg)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if cfg.Admin.Listen != "" {
		stop, _, err := startAdmin(ctx, cfg.Admin, gw.mgr, logger)
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		defer stop()
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
	return gateway.Serve(ctx, gateway.ServeConfig{Listener: ln, TLS: tlsCfg, Handler: gw.app, Logger: logger, Stop: gw.mgr.Shutdown})
}

// auditWriter is where serve's audit goes without an audit file: the
// command's stdout (nil: assemble opens the configured file).
func auditWriter(cfg *config, stdout io.Writer) io.Writer {
	if f := cfg.Audit.File; f != "" && f != "-" {
		return nil
	}
	return stdout
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
