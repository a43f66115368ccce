package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/psgate/psgate/authz"
)

// newRuleGetCmd is `psgate rule get` (Get-PswaAuthorizationRule).
func newRuleGetCmd(e *env, rf *ruleFlags) *cobra.Command {
	var idFlags []int
	var names []string
	var output string
	cmd := &cobra.Command{
		Use:   "get [ID…]",
		Short: "Show rules, all or by Id or name; a rules file that does not load is reported",
		Example: `  psgate rule get
  psgate rule get --id 0 --id 3 -o json
  psgate rule get --name ops -o xml > ops-rules.xml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			ids, err := parseIDs(idFlags, args)
			if err != nil {
				return err
			}
			_, rules, err := loadRules(e, rf)
			if err != nil {
				return fmt.Errorf("rule get: %w", err)
			}
			sel, missing := selectRules(rules, ids, names)
			for _, m := range missing {
				fmt.Fprintf(e.stderr, "psgate: rule get: %s: %v\n", m, authz.ErrRuleNotFound)
			}
			if len(sel) == 0 {
				return errNo
			}
			return printRules(e.ctx, e.stdout, ruleResolver(e), output, sel)
		},
	}
	cmd.Flags().IntSliceVar(&idFlags, "id", nil, "rule `Id` (repeatable)")
	cmd.Flags().StringArrayVar(&names, "name", nil, "rule `name`, exact and case-insensitive (repeatable)")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output `format`: table, json or xml")
	return cmd
}

// parseIDs merges --id values and positional Ids.
func parseIDs(flags []int, args []string) ([]int, error) {
	ids := append([]int(nil), flags...)
	for _, a := range args {
		n, err := strconv.Atoi(a)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("rule Id %q: want a non-negative integer", a)
		}
		ids = append(ids, n)
	}
	return ids, nil
}

// selectRules returns the rules with the given Ids or names (all rules when
// neither is given), sorted by Id, and the selectors that matched nothing.
func selectRules(rules []authz.Rule, ids []int, names []string) (sel []authz.Rule, missing []string) {
	if len(ids) == 0 && len(names) == 0 {
		return rules, nil
	}
	want := map[int]bool{}
	for _, id := range ids {
		want[id] = false
	}
	seenName := map[string]bool{}
	for _, r := range rules {
		hit := false
		if _, ok := want[r.ID]; ok {
			want[r.ID], hit = true, true
		}
		for _, n := range names {
			if strings.EqualFold(n, r.Name) {
				seenName[strings.ToLower(n)], hit = true, true
			}
		}
		if hit {
			sel = append(sel, r)
		}
	}
	for _, id := range ids {
		if !want[id] {
			missing = append(missing, fmt.Sprintf("Id %d", id))
			want[id] = true
		}
	}
	for _, n := range names {
		if !seenName[strings.ToLower(n)] {
			missing = append(missing, fmt.Sprintf("name %q", n))
			seenName[strings.ToLower(n)] = true
		}
	}
	return sel, missing
}
