package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// newCheckConfigCmd validates --config and reports every problem at once;
// with --online it also tries the directory as serve will use it.
func newCheckConfigCmd(e *env) *cobra.Command {
	var online bool
	cmd := &cobra.Command{
		Use:   "check-config [--online]",
		Short: "Validate the gateway config file (every problem at once)",
		Long: `Validate the gateway config file as serve does: the strict YAML, every value,
the files it names (present, secret files not readable by others). With
--online, also connect to the LDAP/AD directory: the TLS handshake (LDAPS or
StartTLS, checked against ca_file) and the service account's bind.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			cfg, err := loadConfig(e.configPath)
			if err != nil {
				return err
			}
			if errs := cfg.preflight(); len(errs) > 0 {
				return fmt.Errorf("config %s: %w", e.configPath, errors.Join(errs...))
			}
			for _, w := range cfg.warnings() {
				fmt.Fprintf(e.stderr, "psgate: WARNING: %s\n", w)
			}
			if online {
				if err := checkOnline(e.ctx, e, cfg); err != nil {
					return fmt.Errorf("config %s: %w", e.configPath, err)
				}
			}
			_, err = fmt.Fprintf(e.stdout, "%s: ok\n", e.configPath)
			return err
		},
	}
	cmd.Flags().BoolVar(&online, "online", false, "also try the directory: TLS handshake and service-account bind")
	return cmd
}

// checkOnline connects to the configured directory as the gateway does
// (dial, TLS, service bind, one read of the root DSE).
func checkOnline(ctx context.Context, e *env, cfg *config) error {
	l := cfg.Identity.LDAP
	if l == nil {
		return nil
	}
	d, err := openDirectory(l)
	if err != nil {
		return err
	}
	defer d.Close()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := d.Ping(ctx); err != nil {
		return fmt.Errorf("identity.ldap %s: %w", l.URL, err)
	}
	what := "connection"
	if l.StartTLS || strings.HasPrefix(l.URL, "ldaps://") {
		what = "TLS handshake"
	}
	if l.BindDN != "" {
		what += " and service bind"
	}
	fmt.Fprintf(e.stdout, "identity.ldap %s: %s ok\n", l.URL, what)
	return nil
}
