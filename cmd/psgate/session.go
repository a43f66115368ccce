package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newSessionCmd is a placeholder until its owner lands it.
func newSessionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:    "session",
		Short:  "not built yet",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("session: not built yet")
		},
	}
}
