package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/psgate/psgate/audit"
)

func newMFAIssueCmd(e *env) *cobra.Command {
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "issue-enrolment-code USER [--ttl 24h]",
		Short: "Issue a one-time code USER needs to enrol a second factor",
		Long: `Issue a one-time enrolment code for USER, printed once (only its hash is
stored) and valid for --ttl; it replaces any earlier code of USER. With
mfa.enrolment_code_required the enrolment after the password asks for it,
so that a stolen password alone cannot enrol an attacker's device.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if ttl <= 0 || ttl > 30*24*time.Hour {
				return fmt.Errorf("--ttl %s: want up to 720h", ttl)
			}
			m, key, name, err := openMFAUser(cmd.Context(), e, args[0])
			if err != nil {
				return err
			}
			code, err := m.store.IssueEnrolmentCode(cmd.Context(), key, name, ttl)
			if err != nil {
				return err
			}
			if err := m.audit(e, audit.Record{User: name, Detail: "enrolment code issued for " + key}); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "enrolment code for %s (valid %s, once): %s\n", args[0], ttl, code)
			return nil
		},
	}
	cmd.Flags().DurationVar(&ttl, "ttl", 24*time.Hour, "how long the code is valid")
	return cmd
}
