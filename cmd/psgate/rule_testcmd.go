package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/psgate/psgate/authz"
)

// ruleTestFlags are the inputs of `psgate rule test`.
type ruleTestFlags struct {
	user, computer, uri, configuration string
	memberOf, computerMemberOf         []string
	explain                            bool
	output                             string
}

// newRuleTestCmd is `psgate rule test` (Test-PswaAuthorizationRule).
func newRuleTestCmd(e *env, rf *ruleFlags) *cobra.Command {
	var tf ruleTestFlags
	cmd := &cobra.Command{
		Use:   "test --user U (--computer C | --uri URI) [--configuration NAME]",
		Short: "Show every rule that lets a user reach a computer; exit 0 if any, 1 if none",
		Long: `Show every rule that matches, as the gateway would decide at sign-in.
'*' as --user, --computer or --configuration ignores that dimension. A URI is
reduced to its host. Until a directory is configured, group membership comes
from --member-of (user groups) and --computer-member-of (computer groups).`,
		Example: `  psgate rule test --user 'EXAMPLE\alice' --member-of 'EXAMPLE\helpdesk' --computer srv1 --explain
  psgate rule test --user 'EXAMPLE\alice' --computer '*'        # every rule that applies to alice
  psgate rule test --user '.\chrisLocal' --uri https://localhost:5986/wsman`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(tf.output); err != nil {
				return err
			}
			req, err := tf.request()
			if err != nil {
				return err
			}
			_, rules, err := loadRules(e, rf)
			if err != nil {
				return fmt.Errorf("rule test: %w", err)
			}
			p := authz.NewPolicy(rules, gatewayOptions(e))
			return reportTest(e, tf, p, req)
		},
	}
	f := cmd.Flags()
	f.StringVar(&tf.user, "user", "", "gateway user `DOMAIN\\name` (or a SID), '*' to ignore (required)")
	f.StringVar(&tf.computer, "computer", "", "target `computer` as typed on the sign-in page, '*' to ignore")
	f.StringVar(&tf.uri, "uri", "", "target connection `URI` (its host is tested)")
	f.StringVar(&tf.configuration, "configuration", "", "session configuration `name` (default Microsoft.PowerShell), '*' to ignore")
	f.StringArrayVar(&tf.memberOf, "member-of", nil, "a `group` the user belongs to (repeatable)")
	f.StringArrayVar(&tf.computerMemberOf, "computer-member-of", nil, "a `group` the computer belongs to (repeatable)")
	f.BoolVar(&tf.explain, "explain", false, "say for every rule why it matches or not")
	f.StringVarP(&tf.output, "output", "o", "table", "output `format`: table, json (the whole decision) or xml")
	return cmd
}

// request turns the flags into an authz.Request.
func (tf ruleTestFlags) request() (authz.Request, error) {
	var req authz.Request
	switch {
	case tf.user == "":
		return req, fmt.Errorf("rule test: --user is required ('*' to ignore the user)")
	case (tf.computer == "") == (tf.uri == ""):
		return req, fmt.Errorf("rule test: give --computer or --uri (one of them; --computer '*' to ignore)")
	}
	for what, v := range map[string]string{"user": tf.user, "computer": tf.computer, "configuration": tf.configuration} {
		if v != authz.Wildcard && strings.Contains(v, authz.Wildcard) {
			return req, fmt.Errorf("rule test: %s %q: %w", what, v, authz.ErrPartialWildcard)
		}
	}
	req.AnyUser = tf.user == authz.Wildcard
	req.AnyTarget = tf.computer == authz.Wildcard
	req.AnyConfiguration = tf.configuration == authz.Wildcard
	req.Caller.Name = tf.user
	if authz.IsSID(tf.user) {
		req.Caller.SID = tf.user
	}
	for _, g := range tf.memberOf {
		req.Caller.Groups = append(req.Caller.Groups, principalOf(g))
	}
	req.Target.Name = tf.computer
	if tf.uri != "" {
		req.Target.Name = tf.uri // NormalizeTarget reduces a URI to its host
	}
	for _, g := range tf.computerMemberOf {
		req.Target.Groups = append(req.Target.Groups, principalOf(g))
	}
	req.Configuration = tf.configuration
	return req, nil
}

// principalOf is a group given on the command line, by name or SID.
func principalOf(s string) authz.Principal {
	if authz.IsSID(s) {
		return authz.Principal{Name: s, SID: s}
	}
	return authz.Principal{Name: s}
}

// reportTest prints the verdict: reasons (with --explain), warnings for rules
// that cannot be evaluated, then the matching rules. No match is exit 1.
func reportTest(e *env, tf ruleTestFlags, p *authz.Policy, req authz.Request) error {
	if tf.output == "json" {
		return reportTestJSON(e, tf, p, req)
	}
	var d authz.Decision
	if tf.explain {
		d = p.Explain(req)
		for _, r := range d.Reasons {
			fmt.Fprintf(e.stdout, "%-8s %s\n", r.Outcome.String()+":", r.Text)
		}
		fmt.Fprintln(e.stdout)
	} else {
		d = p.Decide(req)
	}
	for _, r := range d.Invalid {
		fmt.Fprintf(e.stderr, "psgate: warning: rule %d (%s) cannot be evaluated: %s\n", r.Rule.ID, r.Rule.Name, r.Text)
	}
	if !d.Allowed {
		if tf.explain {
			fmt.Fprintln(e.stdout, "denied: no rule matches")
		}
		if err := d.Err(); err != nil {
			fmt.Fprintf(e.stderr, "psgate: %v\n", err)
		}
		return errNo
	}
	return printRules(e.ctx, e.stdout, ruleResolver(e), tf.output, d.Matched)
}

// reportTestJSON prints the whole Decision (with reasons under --explain).
func reportTestJSON(e *env, tf ruleTestFlags, p *authz.Policy, req authz.Request) error {
	d := p.Decide(req)
	if tf.explain {
		d = p.Explain(req)
	}
	if d.Matched == nil {
		d.Matched = []authz.Rule{}
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return err
	}
	if !d.Allowed {
		return errNo
	}
	return nil
}
