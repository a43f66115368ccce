package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/psgate/psgate/winrmsim"
)

// newWinRMSimCmd is `psgate winrm-sim`: the WinRM simulator on a fixed
// address, one log line per request, stopped by Ctrl+C (context cancel).
func newWinRMSimCmd(e *env) *cobra.Command {
	var listen, auth, path, unencrypted, keytabFile, realm string
	var users []string
	var useTLS, verbose bool
	var idleTimeout time.Duration // fault injection and quotas (docs/winrm-simulator.md)
	var maxOperations, maxShells int
	c := &cobra.Command{
		Use:   "winrm-sim",
		Short: "Run the WinRM (WS-Management cmd shell) simulator",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			level := slog.LevelInfo
			if verbose {
				level = slog.LevelDebug // every WS-Man request
			}
			cfg := winrmsim.Config{Users: map[string]string{}, Path: path,
				Logger: slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level})), TLS: useTLS}
			for _, u := range users {
				name, pass, ok := strings.Cut(u, ":")
				if !ok || name == "" {
					return fmt.Errorf("winrm-sim: --user %q: want NAME:PASSWORD", name)
				}
				cfg.Users[name] = pass
			}
			for _, a := range strings.Split(auth, ",") {
				if a = strings.TrimSpace(strings.ToLower(a)); a != "" {
					cfg.Auth = append(cfg.Auth, a)
				}
			}
			u, err := parseUnencrypted(unencrypted)
			if err != nil {
				return err
			}
			cfg.Unencrypted = u
			if idleTimeout < 0 || maxOperations < 0 || maxShells < 0 {
				return fmt.Errorf("winrm-sim: --idle-timeout %s, --max-operations %d, --max-shells-per-user %d: must not be negative",
					idleTimeout, maxOperations, maxShells)
			}
			cfg.IdleTimeout, cfg.MaxOperationsPerUser, cfg.MaxShellsPerUser = idleTimeout, maxOperations, maxShells
			if slices.Contains(cfg.Auth, "kerberos") && keytabFile == "" {
				return errors.New("winrm-sim: --auth kerberos needs --keytab FILE (the HTTP/host service keys, e.g. from samba-tool domain exportkeytab)")
			}
			if keytabFile != "" {
				b, err := os.ReadFile(keytabFile)
				if err != nil {
					return fmt.Errorf("winrm-sim: --keytab: %w", err)
				}
				cfg.Keytab = b
			}
			cfg.Realm = realm
			s, err := winrmsim.NewUnstartedServer(cfg)
			if err != nil {
				return fmt.Errorf("winrm-sim: %w", err)
			}
			l, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("winrm-sim: listen %s: %w", listen, err)
			}
			scheme := "http"
			if useTLS {
				scheme = "https"
			}
			fmt.Fprintf(e.stdout, "winrm-sim listening on %s://%s%s\n", scheme, l.Addr(), cfg.Path)
			errc := make(chan error, 1)
			go func() { errc <- s.Serve(l) }()
			select {
			case <-cmd.Context().Done():
				s.Close()
				<-errc
				return nil
			case err := <-errc:
				s.Close()
				if err != nil && !errors.Is(err, net.ErrClosed) {
					return fmt.Errorf("winrm-sim: serve: %w", err)
				}
				return nil
			}
		},
	}
	c.Flags().StringVar(&listen, "listen", "127.0.0.1:5985", "address to listen on")
	c.Flags().StringArrayVar(&users, "user", nil, "NAME:PASSWORD, a local account (any domain accepted), or DOMAIN\\NAME:PASSWORD, a domain account (reached as DOMAIN\\NAME, NAME@realm or NAME) (repeatable)")
	c.Flags().StringVar(&auth, "auth", "basic", "authentication schemes, comma-separated: basic, negotiate (NTLM; alias ntlm), kerberos (needs --keytab)")
	c.Flags().StringVar(&unencrypted, "unencrypted", "basic-only",
		"plain-HTTP bodies served unsealed (AllowUnencrypted): basic-only (NTLM must seal), allowed, refused")
	c.Flags().BoolVar(&useTLS, "tls", false, "serve HTTPS with a generated self-signed certificate")
	c.Flags().BoolVarP(&verbose, "verbose", "v", false, "log every WS-Man request (DEBUG)")
	c.Flags().StringVar(&path, "path", "/wsman", "endpoint path")
	c.Flags().DurationVar(&idleTimeout, "idle-timeout", 0, "delete shells idle this long (0: 7200s, Windows' default; a Create's IdleTimeOut wins)")
	c.Flags().IntVar(&maxOperations, "max-operations", 0, "MaxConcurrentOperationsPerUser: shells + commands per user (0: 1500)")
	c.Flags().IntVar(&maxShells, "max-shells-per-user", 0, "MaxShellsPerUser (0: 30)")
	c.Flags().StringVar(&keytabFile, "keytab", "", "keytab `file` with the service keys (HTTP/host) for --auth kerberos")
	c.Flags().StringVar(&realm, "realm", "", "accept Kerberos clients of this realm only (default: any realm the keytab's KDC issued)")
	return c
}

// parseUnencrypted maps --unencrypted to the simulator's policy.
func parseUnencrypted(v string) (winrmsim.Unencrypted, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "basic-only", "":
		return winrmsim.UnencryptedBasicOnly, nil
	case "allowed":
		return winrmsim.UnencryptedAllowed, nil
	case "refused":
		return winrmsim.UnencryptedRefused, nil
	}
	return 0, fmt.Errorf("winrm-sim: --unencrypted %q: want basic-only, allowed or refused", v)
}
