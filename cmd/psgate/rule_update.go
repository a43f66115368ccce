package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/psgate/psgate/authz"
)

// ruleUpdateFlags are the fields `rule update` may change.
type ruleUpdateFlags struct {
	id                                          int
	name, user, userGroup, computer, computerGp string
	configuration                               string
	force                                       bool
	output                                      string
}

// newRuleUpdateCmd is `psgate rule update` (PSWA has no equivalent).
func newRuleUpdateCmd(e *env, rf *ruleFlags) *cobra.Command {
	var uf ruleUpdateFlags
	var expect expectFlags
	cmd := &cobra.Command{
		Use:   "update --id N [--name …] [--user … | --user-group …] [--computer … | --computer-group …] [--configuration …]",
		Short: "Change fields of one rule in place, keeping its Id",
		Example: `  psgate rule update --id 3 --configuration PswaEndpoint --expect-name ops
  psgate rule update --id 3 --user-group 'EXAMPLE\Level2Support'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(uf.output); err != nil {
				return err
			}
			if !cmd.Flags().Changed("id") {
				return fmt.Errorf("rule update: --id is required")
			}
			changed := func(n string) bool { return cmd.Flags().Changed(n) }
			if !changed("name") && !changed("user") && !changed("user-group") && !changed("computer") &&
				!changed("computer-group") && !changed("configuration") {
				return fmt.Errorf("rule update: nothing to change")
			}
			s, err := openRules(e, rf)
			if err != nil {
				return err
			}
			r, err := s.Modify(e.ctx, uf.id, func(old authz.Rule) (authz.Rule, error) {
				if err := expect.check(e, old); err != nil {
					return old, err
				}
				return uf.apply(e, changed, old)
			})
			if err != nil {
				return fmt.Errorf("rule update: %w", err)
			}
			return printRules(e.ctx, e.stdout, ruleResolver(e), uf.output, []authz.Rule{r})
		},
	}
	f := cmd.Flags()
	f.IntVar(&uf.id, "id", 0, "rule `Id` (required)")
	f.StringVar(&uf.name, "name", "", "new rule `name`")
	f.StringVar(&uf.user, "user", "", "new `user` (DOMAIN\\name or '*')")
	f.StringVar(&uf.userGroup, "user-group", "", "new user `group`")
	f.StringVar(&uf.computer, "computer", "", "new `computer` or '*'")
	f.StringVar(&uf.computerGp, "computer-group", "", "new computer `group`")
	f.StringVar(&uf.configuration, "configuration", "", "new configuration `name` or '*'")
	f.BoolVar(&uf.force, "force", false, "allow the result to be '* * *'")
	f.StringVarP(&uf.output, "output", "o", "table", "output `format`: table, json or xml")
	expect.register(cmd)
	return cmd
}

// apply builds the updated rule: changed dimensions are canonicalised like
// `rule add`; unchanged ones keep their stored form and flags exactly.
func (uf ruleUpdateFlags) apply(e *env, changed func(string) bool, old authz.Rule) (authz.Rule, error) {
	if changed("user") && changed("user-group") || changed("computer") && changed("computer-group") {
		return old, fmt.Errorf("%w: give a user or a user group, a computer or a computer group", authz.ErrUsage)
	}
	spec := authz.RuleSpec{Name: old.Name, Users: []string{authz.Wildcard}, Computer: authz.Wildcard,
		Configuration: old.ConfigurationName, Force: true}
	if changed("name") {
		spec.Name = uf.name
	}
	if changed("configuration") {
		spec.Configuration = uf.configuration
	}
	switch {
	case changed("user"):
		spec.Users = []string{uf.user}
	case changed("user-group"):
		spec.Users, spec.UserGroups = nil, []string{uf.userGroup}
	}
	switch {
	case changed("computer"):
		spec.Computer = uf.computer
	case changed("computer-group"):
		spec.Computer, spec.ComputerGroup = "", uf.computerGp
	}
	built, err := spec.Build(e.ctx, ruleResolver(e))
	if err != nil {
		return old, err
	}
	r := built[0]
	if !changed("user") && !changed("user-group") {
		r.User, r.UserType, r.IsUserGroupLocal = old.User, old.UserType, old.IsUserGroupLocal
	}
	if !changed("computer") && !changed("computer-group") {
		r.Destination, r.DestinationType = old.Destination, old.DestinationType
		r.IsComputerGroupLocal, r.IsCanonicalDestinationSID = old.IsComputerGroupLocal, old.IsCanonicalDestinationSID
	}
	if r.IsAllowAll() && !uf.force {
		return old, authz.ErrAllowAll
	}
	return r, nil
}
