package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newWinRMSimCmd is a placeholder until its owner lands it.
func newWinRMSimCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:    "winrm-sim",
		Short:  "not built yet",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("winrm-sim: not built yet")
		},
	}
}
