package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

// mfaRow is one user of `psgate mfa list` (never a secret or code hash).
type mfaRow struct {
	Key           string     `json:"key"`
	Name          string     `json:"name"`
	TOTP          int        `json:"totp"`
	RecoveryLeft  int        `json:"recovery_left"`
	LastUsed      *time.Time `json:"last_used,omitempty"`
	EnrolmentOpen bool       `json:"enrolment_code_open"`
}

func newMFAListCmd(e *env) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "list [-o table|json]",
		Short: "List users with second factors (never secrets or codes)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := openMFACLI(e)
			if err != nil {
				return err
			}
			var rows []mfaRow
			for k, u := range m.store.List() {
				r := mfaRow{Key: k, Name: u.Name, TOTP: len(u.Factors), RecoveryLeft: len(u.Recovery),
					EnrolmentOpen: u.Enrolment != nil && time.Now().Before(u.Enrolment.Expires)}
				for _, f := range u.Factors {
					if t := f.LastUsed; !t.IsZero() && (r.LastUsed == nil || t.After(*r.LastUsed)) {
						r.LastUsed = &t
					}
				}
				rows = append(rows, r)
			}
			sortRows(rows)
			switch output {
			case "json":
				if rows == nil {
					rows = []mfaRow{}
				}
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			case "table":
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				tableRow(tw, "NAME", "KEY", "TOTP", "RECOVERY", "LAST USED", "ENROLMENT CODE")
				for _, r := range rows {
					last := "-"
					if r.LastUsed != nil {
						last = r.LastUsed.UTC().Format(time.RFC3339)
					}
					tableRow(tw, r.Name, r.Key, r.TOTP, r.RecoveryLeft, last, r.EnrolmentOpen)
				}
				return tw.Flush()
			}
			return fmt.Errorf("output %q: want table or json", output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output `format`: table or json")
	return cmd
}

func sortRows(rows []mfaRow) {
	slices.SortFunc(rows, func(a, b mfaRow) int { return strings.Compare(a.Key, b.Key) })
}
