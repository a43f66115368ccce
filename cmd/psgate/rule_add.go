package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/psgate/psgate/authz"
)

// newRuleAddCmd is `psgate rule add` (Add-PswaAuthorizationRule).
func newRuleAddCmd(e *env, rf *ruleFlags) *cobra.Command {
	var spec authz.RuleSpec
	var output string
	cmd := &cobra.Command{
		Use:   "add [USER COMPUTER CONFIGURATION]",
		Short: "Add rules (one per --user / --user-group, all in one atomic write)",
		Example: `  psgate rule add --user-group 'EXAMPLE\Level1Support' --computer '*' --configuration PswaEndpoint
  psgate rule add --user 'EXAMPLE\alice' --user 'EXAMPLE\bob' --computer srv1.example.test --configuration '*' --name ops
  psgate rule add '*' '*' '*' --force     # everyone everywhere: the authorization layer is off`,
		Args: cobra.MaximumNArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			if err := positional(cmd, args, &spec); err != nil {
				return err
			}
			rules, err := spec.Build(e.ctx, ruleResolver(e))
			if err != nil {
				return fmt.Errorf("rule add: %w", err)
			}
			s, err := openRules(e, rf)
			if err != nil {
				return err
			}
			added, err := s.Add(e.ctx, rules)
			if errors.Is(err, authz.ErrRulesFileGone) {
				return fmt.Errorf("rule add: %w, or pass --create to start a new file with only the rules added now", err)
			}
			if err != nil {
				return fmt.Errorf("rule add: %w", err)
			}
			return printRules(e.ctx, e.stdout, ruleResolver(e), output, added)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&spec.Users, "user", nil, "user `DOMAIN\\name` or '*' (repeatable: one rule each)")
	f.StringArrayVar(&spec.UserGroups, "user-group", nil, "user group `DOMAIN\\group` (repeatable: one rule each)")
	f.StringVar(&spec.Computer, "computer", "", "target computer `name` (FQDN recommended), IP or '*'")
	f.StringVar(&spec.ComputerGroup, "computer-group", "", "target computer `group`")
	f.StringVar(&spec.Configuration, "configuration", "", "session configuration `name` (endpoint) or '*' (required)")
	f.StringVar(&spec.Name, "name", "", "rule `name` (default \"Rule <Id>\"; need not be unique)")
	f.BoolVar(&spec.Force, "force", false, "allow the rule '* * *' (everyone, every computer, every configuration)")
	f.BoolVar(&rf.create, "create", false, "start a new rules file even where a deleted one was (a .bak or the lock file shows it)")
	f.StringVarP(&output, "output", "o", "table", "output `format`: table, json or xml")
	return cmd
}

// positional applies PSWA's shorthand "add USER COMPUTER CONFIGURATION" and
// checks that a configuration was given (it is mandatory, as in PSWA).
func positional(cmd *cobra.Command, args []string, spec *authz.RuleSpec) error {
	if len(args) > 0 {
		if len(args) != 3 {
			return fmt.Errorf("rule add: positional form is USER COMPUTER CONFIGURATION, got %d values", len(args))
		}
		if len(spec.Users)+len(spec.UserGroups) > 0 || spec.Computer != "" || spec.ComputerGroup != "" ||
			cmd.Flags().Changed("configuration") {
			return fmt.Errorf("rule add: give USER COMPUTER CONFIGURATION either as flags or as arguments, not both")
		}
		spec.Users, spec.Computer, spec.Configuration = []string{args[0]}, args[1], args[2]
		return nil
	}
	if !cmd.Flags().Changed("configuration") {
		return fmt.Errorf("rule add: --configuration is required (use '*' for any, or Microsoft.PowerShell)")
	}
	return nil
}
