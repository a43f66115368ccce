package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/psgate/psgate/audit"
)

func newMFAResetCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "reset USER",
		Short: "Remove every second factor and recovery code of USER",
		Long: `Remove every second factor, recovery code and open enrolment code of USER.
With mfa.mode required (or USER in required_for_groups) the user enrols again
at the next sign-in (with an admin's code when enrolment_code_required).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, key, name, err := openMFAUser(cmd.Context(), e, args[0])
			if err != nil {
				return err
			}
			found, err := m.store.Reset(cmd.Context(), key)
			if err != nil {
				return err
			}
			if !found {
				fmt.Fprintf(e.stderr, "psgate: %s has no second factor\n", args[0])
				return errNo
			}
			if err := m.audit(e, audit.Record{User: name, Detail: "reset " + key}); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "second factors of %s removed\n", args[0])
			return nil
		},
	}
}
