package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newUserCmd is a placeholder until its owner lands it.
func newUserCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:    "user",
		Short:  "not built yet",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("user: not built yet")
		},
	}
}
