package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/psgate/psgate/authz"
)

// expectFlags guard against the stale-Id hazard: Ids are reused (the lowest
// free one is taken), so "remove 4" typed after looking at an old listing may
// hit a rule added since. With --expect-*, the rule must still have that
// content, checked under the file lock, or nothing changes.
type expectFlags struct {
	name, user, computer, configuration string
}

func (x *expectFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&x.name, "expect-name", "", "refuse unless the rule's name is still `NAME`")
	f.StringVar(&x.user, "expect-user", "", "refuse unless the rule's user is still `USER` (as `rule get` shows it)")
	f.StringVar(&x.computer, "expect-computer", "", "refuse unless the rule's destination is still `COMPUTER`")
	f.StringVar(&x.configuration, "expect-configuration", "", "refuse unless the rule's configuration is still `NAME`")
}

func (x *expectFlags) set() bool { return *x != expectFlags{} }

// check compares the rule as it is now with the expected content.
func (x *expectFlags) check(e *env, r authz.Rule) error {
	res := ruleResolver(e)
	for _, c := range []struct{ what, want, got, stored string }{
		{"name", x.name, r.Name, r.Name},
		{"user", x.user, authz.DisplayUser(e.ctx, res, r), r.User},
		{"computer", x.computer, authz.DisplayDestination(e.ctx, res, r), r.Destination},
		{"configuration", x.configuration, r.ConfigurationName, r.ConfigurationName},
	} {
		if c.want != "" && !strings.EqualFold(c.want, c.got) && !strings.EqualFold(c.want, c.stored) {
			return fmt.Errorf("%w: %s is '%s', expected '%s'", authz.ErrStaleRule, c.what, c.got, c.want)
		}
	}
	return nil
}

// newRuleRemoveCmd is `psgate rule remove` (Remove-PswaAuthorizationRule).
func newRuleRemoveCmd(e *env, rf *ruleFlags) *cobra.Command {
	var idFlags []int
	var names []string
	var expect expectFlags
	var output string
	cmd := &cobra.Command{
		Use:   "remove (--id N… | --name NAME…)",
		Short: "Remove rules by Id or name in one atomic write; --expect-* guards against reused Ids",
		Example: `  psgate rule remove --id 4 --expect-name ops --expect-user 'example\alice'
  psgate rule remove --name ops          # every rule named ops, matched under the lock`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			ids, err := parseIDs(idFlags, args)
			if err != nil {
				return err
			}
			if (len(ids) == 0) == (len(names) == 0) {
				return fmt.Errorf("rule remove: give --id or --name (one of them)")
			}
			if expect.set() && len(ids) != 1 {
				return fmt.Errorf("rule remove: --expect-* applies to exactly one --id")
			}
			s, err := openRules(e, rf)
			if err != nil {
				return err
			}
			var removed []authz.Rule
			if len(names) > 0 {
				removed, err = removeByName(e, s, names)
			} else {
				removed, err = s.Remove(e.ctx, ids, func(r authz.Rule) error { return expect.check(e, r) })
			}
			if err != nil {
				return fmt.Errorf("rule remove: %w", err)
			}
			return printRules(e.ctx, e.stdout, ruleResolver(e), output, removed)
		},
	}
	cmd.Flags().IntSliceVar(&idFlags, "id", nil, "rule `Id` (repeatable)")
	cmd.Flags().StringArrayVar(&names, "name", nil, "remove every rule with this `name` (repeatable)")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "format of the removed rules: table, json or xml")
	expect.register(cmd)
	return cmd
}

// removeByName removes, in one locked write, every rule whose name is one of
// names; it fails and removes nothing when a name matches no rule.
func removeByName(e *env, s *authz.Store, names []string) ([]authz.Rule, error) {
	var removed []authz.Rule
	err := s.Update(e.ctx, func(cur []authz.Rule) ([]authz.Rule, error) {
		sel, missing := selectRules(cur, nil, names)
		if len(missing) > 0 {
			return nil, fmt.Errorf("%s: %w", strings.Join(missing, ", "), authz.ErrRuleNotFound)
		}
		removed = sel
		drop := map[int]bool{}
		for _, r := range sel {
			drop[r.ID] = true
		}
		var keep []authz.Rule
		for _, r := range cur {
			if !drop[r.ID] {
				keep = append(keep, r)
			}
		}
		return keep, nil
	})
	return removed, err
}
