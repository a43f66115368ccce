package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/psgate/psgate/identity/local"
)

func newUserListCmd(e *env, uf *userFlags) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "list [-o table|json]",
		Short: "List local users (never their hashes)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openUsers(uf, false, "")
			if err != nil {
				return err
			}
			users := s.List()
			switch output {
			case "json":
				if users == nil {
					users = []local.User{}
				}
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(users)
			case "table":
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				tableRow(tw, "NAME", "HASH", "DISABLED", "GROUPS")
				for _, u := range users {
					tableRow(tw, u.Name, u.Algorithm, u.Disabled, strings.Join(u.Groups, ","))
				}
				return tw.Flush()
			}
			return fmt.Errorf("output %q: want table or json", output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output `format`: table or json")
	return cmd
}
