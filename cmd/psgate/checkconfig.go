package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newCheckConfigCmd is a placeholder until its owner lands it.
func newCheckConfigCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:    "check-config",
		Short:  "not built yet",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("check-config: not built yet")
		},
	}
}
