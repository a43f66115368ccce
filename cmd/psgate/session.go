package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/psgate/psgate/gateway"
	"github.com/spf13/cobra"
)

// adminFlags locate the admin API.
type adminFlags struct {
	url, tokenFile string
}

func (f *adminFlags) add(cmd *cobra.Command) {
	cmd.PersistentFlags().StringVar(&f.url, "admin-url", "", "admin API `URL` (default $PSGATE_ADMIN_URL, else http://<config admin.listen>)")
	cmd.PersistentFlags().StringVar(&f.tokenFile, "token-file", "", "admin token `file` (default $PSGATE_ADMIN_TOKEN_FILE, else the config's admin.token_file)")
}

// newSessionCmd is `psgate session list|reset|logoff` (query session,
// reset session, logoff).
func newSessionCmd(e *env) *cobra.Command {
	var af adminFlags
	cmd := &cobra.Command{Use: "session", Short: "List, reset and log off console sessions (query session, reset session, logoff)"}
	af.add(cmd)
	var user, server, output string
	list := &cobra.Command{
		Use: "list", Short: "List console sessions", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := newAdminClient(e, af.url, af.tokenFile)
			if err != nil {
				return err
			}
			infos, err := c.List(cmd.Context(), user, server)
			if err != nil {
				return err
			}
			if output == "json" {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(infos)
			}
			if len(infos) == 0 {
				fmt.Fprintln(e.stderr, "No sessions.")
				return errNo
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			tableRow(tw, "SESSIONNAME", "USERNAME", "ID", "STATE", "TARGET", "CONFIGURATION", "IDLE", "SERVER", "CLIENT")
			for _, in := range infos {
				tableRow(tw, in.Name, in.User, in.ID, in.State, in.Target,
					in.Configuration, time.Since(in.LastActivity).Round(time.Second), in.Node, in.ClientAddr)
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&user, "user", "", "only this `user`'s sessions")
	list.Flags().StringVar(&server, "server", "", "only sessions owned by this gateway `node`")
	list.Flags().StringVarP(&output, "output", "o", "table", "output `format`: table|json")
	act := func(name, short string) *cobra.Command {
		return &cobra.Command{
			Use: name + " ID|NAME", Short: short, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				c, err := newAdminClient(e, af.url, af.tokenFile)
				if err != nil {
					return err
				}
				if err := c.Action(cmd.Context(), name, args[0]); err != nil {
					if errors.Is(err, gateway.ErrAdminNotFound) {
						fmt.Fprintf(e.stderr, "No session %s.\n", args[0])
						return errNo
					}
					return err
				}
				return nil
			},
		}
	}
	cmd.AddCommand(list,
		act("reset", "End a session at once (reset session)"),
		act("logoff", "Log a session off: interrupt, then close the shell (logoff)"))
	return cmd
}
