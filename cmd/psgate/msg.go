package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/psgate/psgate/gateway"
	"github.com/psgate/psgate/session"
)

// newMsgCmd is `psgate msg` (RDS msg): a message to the consoles of a
// user, a session, every user listed in @FILE, or * (everyone).
func newMsgCmd(e *env) *cobra.Command {
	var af adminFlags
	var seconds int
	var wait, verbose bool
	var from string
	cmd := &cobra.Command{
		Use:   "msg (USER|SESSION|ID|@FILE|*) [MESSAGE|-]",
		Short: "Send a message to console sessions (msg)",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			text := ""
			if len(args) == 2 && args[1] != "-" {
				text = args[1]
			} else {
				b, err := io.ReadAll(io.LimitReader(e.stdin, 64<<10))
				if err != nil {
					return fmt.Errorf("msg: read message: %w", err)
				}
				text = strings.TrimRight(string(b), "\r\n")
			}
			if text == "" {
				return fmt.Errorf("msg: empty message")
			}
			to := []string{args[0]}
			if f, ok := strings.CutPrefix(args[0], "@"); ok {
				b, err := os.ReadFile(f)
				if err != nil {
					return fmt.Errorf("msg: read recipients: %w", err)
				}
				to = strings.Fields(string(b))
			}
			c, err := newAdminClient(e, af.url, af.tokenFile)
			if err != nil {
				return err
			}
			if from == "" {
				from = "Administrator"
			}
			received := 0
			for _, t := range to {
				ds, err := c.Message(cmd.Context(), gateway.AdminMessage{To: t, From: from, Text: text, Seconds: seconds, Wait: wait})
				if errors.Is(err, gateway.ErrAdminNotFound) {
					fmt.Fprintf(e.stderr, "No session for %s.\n", terminalSafe(t))
					continue
				}
				if err != nil {
					return err
				}
				for _, d := range ds {
					if d.Status == session.Delivered || d.Status == session.Acked || d.Status == session.TimedOut {
						received++
					}
					fmt.Fprintf(e.stdout, "%s (%s, %s): %s\n", terminalSafe(d.Name), terminalSafe(d.User),
						terminalSafe(d.Node), deliveryText(d.Status))
				}
			}
			if received == 0 {
				fmt.Fprintln(e.stderr, "Nobody received the message: no console of the recipients is open in a browser.")
				return errNo
			}
			return nil
		},
	}
	af.add(cmd)
	cmd.Flags().IntVar(&seconds, "time", 0, "`seconds` the message stays on screen (0 = until dismissed)")
	cmd.Flags().BoolVar(&wait, "wait", false, "wait until every recipient acknowledges (or --time passes)")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "print each delivery (always done now; kept for scripts)")
	cmd.Flags().StringVar(&from, "from", "", "sender `name` shown with the message (default Administrator)")
	return cmd
}

// deliveryText says what happened to a message in one session.
func deliveryText(s session.DeliveryStatus) string {
	switch s {
	case session.Delivered:
		return "shown"
	case session.Acked:
		return "shown and acknowledged"
	case session.TimedOut:
		return "shown, not acknowledged in time"
	case session.NoActiveSocket:
		return "not shown: the console is not open in a browser (disconnected)"
	case session.Unreachable:
		return "not shown: the gateway holding the session did not answer"
	}
	return terminalSafe(string(s))
}
