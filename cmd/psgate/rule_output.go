package main

import (
	"context"
	"encoding/json"
	"io"
	"text/tabwriter"

	"github.com/psgate/psgate/authz"
)

// ruleView is a rule as `rule get -o json` shows it: the stored fields plus
// the display forms of User and Destination.
type ruleView struct {
	authz.Rule
	DisplayUser        string `json:"displayUser"`
	DisplayDestination string `json:"displayDestination"`
}

// printRules writes rules as a table (Id RuleName User Destination
// ConfigurationName, as PSWA's default view), JSON, or AuthorizationRules.xml.
func printRules(ctx context.Context, w io.Writer, res authz.Resolver, format string, rules []authz.Rule) error {
	switch format {
	case "json":
		views := make([]ruleView, 0, len(rules))
		for _, r := range rules {
			views = append(views, ruleView{r, authz.DisplayUser(ctx, res, r), authz.DisplayDestination(ctx, res, r)})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(views)
	case "xml":
		return authz.Encode(w, rules)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	tableRow(tw, "Id", "RuleName", "User", "Destination", "ConfigurationName")
	tableRow(tw, "--", "--------", "----", "-----------", "-----------------")
	for _, r := range rules {
		tableRow(tw, r.ID, r.Name, authz.DisplayUser(ctx, res, r), authz.DisplayDestination(ctx, res, r), r.ConfigurationName)
	}
	return tw.Flush()
}
