package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newRuleCmd is a placeholder until its owner lands it.
func newRuleCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:    "rule",
		Short:  "not built yet",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("rule: not built yet")
		},
	}
}
