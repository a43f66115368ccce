package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/psgate/psgate/authz"
	"github.com/psgate/psgate/backend/winrs"
	"github.com/psgate/psgate/gateway"
	"github.com/psgate/psgate/identity"
	"github.com/psgate/psgate/identity/local"
	"github.com/psgate/psgate/session"
	"github.com/psgate/psgate/winrmsim"
)

const (
	demoUser     = "demo"
	demoHost     = "WINSRV01"
	demoMachine  = "PSGATE"
	demoConfName = "Microsoft.PowerShell"
)

// demoOptions are the flags of `psgate demo`.
type demoOptions struct {
	listen   string
	password string
	// verbose logs at DEBUG (every WS-Man request of the simulator).
	verbose bool
	// ready, when set, receives the gateway's URL once it listens (tests).
	ready func(url, adminURL, tokenFile string)
	// sessions, when set, tunes the session manager's config (tests: short
	// idle timeout, a lower cap).
	sessions func(*session.Config)
	// config, when set, changes the loaded config before the gateway is
	// assembled (tests: the mfa section).
	config func(*config)
}

// newDemoCmd is `psgate demo`: the whole product on its embedded default.
func newDemoCmd(e *env) *cobra.Command {
	var o demoOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the gateway with a demo user, a rule and the built-in WinRM simulator",
		Long: `Run the whole gateway on 127.0.0.1 with a self-signed certificate, a local
user "demo", one authorization rule and the in-process WinRM simulator
(published as ` + demoHost + `). Everything lives in a temporary directory
that is removed on Ctrl+C.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runDemo(cmd.Context(), e, o) },
	}
	cmd.Flags().StringVar(&o.listen, "listen", "127.0.0.1:8443", "gateway `address`")
	cmd.Flags().StringVar(&o.password, "password", "", "demo user's `password` (default random)")
	cmd.Flags().BoolVarP(&o.verbose, "verbose", "v", false, "log at DEBUG (every WS-Man request of the simulator)")
	return cmd
}

func randomPassword() (string, error) {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random password: %w", err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b), nil
}

func runDemo(ctx context.Context, e *env, o demoOptions) (err error) {
	level := slog.LevelInfo
	if o.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	pw := o.password
	if pw == "" {
		if pw, err = randomPassword(); err != nil {
			return err
		}
	}
	dir, err := os.MkdirTemp("", "psgate-demo-")
	if err != nil {
		return fmt.Errorf("demo: temp dir: %w", err)
	}
	defer func() {
		if rerr := os.RemoveAll(dir); rerr != nil {
			err = errors.Join(err, fmt.Errorf("demo: remove %s: %w", dir, rerr))
		}
	}()

	// Local users file with the demo account.
	users, err := local.New(local.Config{Path: filepath.Join(dir, "users.yaml"), Create: true, MinPasswordLength: 1, Logger: logger})
	if err != nil {
		return fmt.Errorf("demo: users file: %w", err)
	}
	if err := users.Add(demoUser, pw, []string{"gateway-users"}); err != nil {
		return fmt.Errorf("demo: add user %s: %w", demoUser, err)
	}

	// Rules file: demo may use the simulator.
	rulesPath := filepath.Join(dir, "AuthorizationRules.xml")
	if err := writeEmptyRules(rulesPath); err != nil {
		return err
	}
	if err := addDemoRule(ctx, rulesPath, logger); err != nil {
		return err
	}

	// The simulator, over TLS with Basic (winrs refuses Basic over HTTP).
	simCert, err := gateway.GenerateSelfSigned([]string{demoHost}, time.Now())
	if err != nil {
		return fmt.Errorf("demo: simulator certificate: %w", err)
	}
	sim, err := winrmsim.NewUnstartedServer(winrmsim.Config{Users: map[string]string{demoUser: pw}, Hostname: demoHost, Logger: logger.With("component", "winrm-sim")})
	if err != nil {
		return fmt.Errorf("demo: simulator: %w", err)
	}
	simLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo: simulator listen: %w", err)
	}
	go func() {
		_ = sim.Serve(tls.NewListener(simLn, &tls.Config{Certificates: []tls.Certificate{simCert.Cert}, MinVersion: tls.VersionTLS12}))
	}()
	defer sim.Close()
	simPort := simLn.Addr().(*net.TCPAddr).Port

	// The gateway: a config in the temp dir, built like `serve` builds it,
	// plus the simulator as the published computer's route.
	cfgPath := filepath.Join(dir, "psgate.yaml")
	if err := writeDemoConfig(cfgPath, dir, o.listen, simPort); err != nil {
		return err
	}
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if o.config != nil {
		o.config(cfg)
	}
	af, err := os.OpenFile(cfg.Audit.File, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("demo: audit file: %w", err)
	}
	defer af.Close()
	gw, err := assemble(cfg, hooks{
		options:     &authz.Options{GatewayHost: "localhost", MachineName: demoMachine},
		auditOut:    io.MultiWriter(af, e.stderr),
		sessions:    o.sessions,
		credentials: func(identity.Identity, gateway.Target) (string, string, bool) { return demoUser, pw, true },
		route: func(c *winrs.Config) {
			if strings.EqualFold(c.Host, demoHost) { // typed names arrive normalised (lower case)
				c.Host, c.Port, c.HTTPS, c.Auth = "127.0.0.1", simPort, true, "basic"
				c.CACertPEM, c.TLSServerName = simCert.CertPEM, demoHost
			}
		},
	}, logger)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer gw.Close()
	mgr, app := gw.mgr, gw.app

	tok, err := randomPassword()
	if err != nil {
		return err
	}
	tokFile := filepath.Join(dir, "admin.token")
	if err := os.WriteFile(tokFile, []byte(tok+"\n"), 0o600); err != nil {
		return fmt.Errorf("demo: admin token: %w", err)
	}
	stopAdmin, adminAddr, err := startAdmin(ctx, adminConfig{Listen: "127.0.0.1:0", TokenFile: tokFile}, mgr, logger)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer stopAdmin()

	host, _, _ := net.SplitHostPort(o.listen)
	cert, err := gateway.GenerateSelfSigned([]string{host}, time.Now())
	if err != nil {
		return fmt.Errorf("demo: certificate: %w", err)
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("demo: listen: %w", err)
	}
	url := "https://" + ln.Addr().String() + "/"
	fmt.Fprintf(e.stdout, `psgate demo is running.

  URL:          %s
  User name:    %s
  Password:     %s
  Certificate:  self-signed, SHA-256 %s
  Computer:     %s (built-in WinRM simulator, %s)
  Files:        %s (removed on exit)
  Admin API:    %s

Press Ctrl+C to stop.
`, url, demoUser, pw, cert.Fingerprint, demoHost, net.JoinHostPort("127.0.0.1", strconv.Itoa(simPort)), dir,
		adminCommand(adminAddr, tokFile))
	if o.ready != nil {
		o.ready(url, "http://"+adminAddr, tokFile)
	}
	err = gateway.Serve(ctx, gateway.ServeConfig{
		Listener: ln, TLS: gateway.ServerTLSConfig(cert.Cert, nil, false), Handler: app, Logger: logger, Stop: mgr.Shutdown,
	})
	fmt.Fprintln(e.stdout, "psgate demo stopped.")
	return err
}

// writeEmptyRules creates a rules file without rules.
func writeEmptyRules(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("create rules file %s: %w", path, err)
	}
	if err := authz.Encode(f, nil); err != nil {
		f.Close()
		return fmt.Errorf("write rules file %s: %w", path, err)
	}
	return f.Close()
}

// addDemoRule allows the demo user on the simulator's computer.
func addDemoRule(ctx context.Context, path string, logger *slog.Logger) error {
	opts := authz.Options{GatewayHost: "localhost", MachineName: demoMachine}
	rules, err := authz.OpenStore(authz.StoreConfig{Path: path, Logger: logger, Options: opts})
	if err != nil {
		return fmt.Errorf("demo: rules: %w", err)
	}
	spec := authz.RuleSpec{Name: "demo on " + demoHost, Users: []string{demoUser}, Computer: demoHost, Configuration: demoConfName}
	built, err := spec.Build(ctx, authz.TypedResolver{MachineName: demoMachine})
	if err != nil {
		return fmt.Errorf("demo: build rule: %w", err)
	}
	if _, err := rules.Add(ctx, built); err != nil {
		return fmt.Errorf("demo: add rule: %w", err)
	}
	return nil
}

// writeDemoConfig writes the demo's gateway config: the users and rules
// files of dir, the simulator published as demoHost, free targets allowed.
func writeDemoConfig(path, dir, listen string, simPort int) error {
	yaml := fmt.Sprintf(`# psgate demo: written at start, removed on exit.
listen: %q
rules_file: %q
identity:
  local:
    users_file: %q
portal:
  allow_free_target: true
  published:
    - name: %q
      computer: %s
      port: %d
      use_ssl: true
      configuration: %s
      description: Built-in WinRM simulator
defaults:
  port: 5985
  ssl_port: 5986
  application_name: WSMAN
  authentication: default
  configuration: %s
audit:
  file: %q
`, listen, filepath.Join(dir, "AuthorizationRules.xml"), filepath.Join(dir, "users.yaml"), demoHost+" (simulator)",
		demoHost, simPort, demoConfName, demoConfName, filepath.Join(dir, "audit.jsonl"))
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		return fmt.Errorf("demo: write config: %w", err)
	}
	return nil
}

// adminCommand is the `session list` line the demo prints: it names the
// binary that is running (a newcomer after `make run` has no psgate on
// PATH), quoted for a POSIX shell, so that it runs as printed.
func adminCommand(adminAddr, tokFile string) string {
	self, err := os.Executable()
	if err != nil {
		self = "psgate"
	}
	return shellQuote(self) + " session list --admin-url http://" + adminAddr + " --token-file " + shellQuote(tokFile)
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+:,=@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
