package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newMsgCmd is a placeholder until its owner lands it.
func newMsgCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:    "msg",
		Short:  "not built yet",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("msg: not built yet")
		},
	}
}
