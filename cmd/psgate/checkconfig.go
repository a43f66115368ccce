package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// newCheckConfigCmd validates --config and reports every problem at once.
func newCheckConfigCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "check-config",
		Short: "Validate the gateway config file (every problem at once)",
		Args:  cobra.NoArgs,
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
			_, err = fmt.Fprintf(e.stdout, "%s: ok\n", e.configPath)
			return err
		},
	}
}
