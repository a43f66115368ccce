package main

import (
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
			if _, err := loadConfig(e.configPath); err != nil {
				return err
			}
			_, err := fmt.Fprintf(e.stdout, "%s: ok\n", e.configPath)
			return err
		},
	}
}
