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
		Long: `Show every rule that matches, as the gateway would decide at connect.
'*' as --user, --computer or --configuration ignores that dimension. A URI is
reduced to its host.

With a directory in the gateway config (identity.ldap; --config), the user is
looked up as a sign-in resolves it (SID, DN, every group, nesting resolved; a
disabled account is refused) and the computer as a connect resolves it (SID,
computer groups); --explain names every SID and shows the nested path that
made the user or computer a member. --member-of and --computer-member-of add
groups, by name, DN or SID, resolved in the directory.

Without a directory, names are compared as typed and group membership comes
only from --member-of (user groups) and --computer-member-of (computer groups).`,
		Example: `  psgate rule test --config /etc/psgate/psgate.yaml --user 'EXAMPLE\bob' --computer srv1 --explain
  psgate rule test --user 'EXAMPLE\alice' --member-of 'EXAMPLE\helpdesk' --computer srv1 --explain
  psgate rule test --user 'EXAMPLE\alice' --computer '*'        # every rule that applies to alice
  psgate rule test --user '.\chrisLocal' --uri https://localhost:5986/wsman`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(tf.output); err != nil {
				return err
			}
			if err := tf.check(); err != nil {
				return err
			}
			store, rules, err := loadRules(e, rf)
			if err != nil {
				return fmt.Errorf("rule test: %w", err)
			}
			dir, err := ruleDirectory(e)
			if err != nil {
				return fmt.Errorf("rule test: %w", err)
			}
			if dir != nil {
				defer dir.Close()
				return testWithDirectory(e, tf, store, dir)
			}
			req := tf.request()
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

// check refuses flags that name no test.
func (tf ruleTestFlags) check() error {
	switch {
	case tf.user == "":
		return fmt.Errorf("rule test: --user is required ('*' to ignore the user)")
	case (tf.computer == "") == (tf.uri == ""):
		return fmt.Errorf("rule test: give --computer or --uri (one of them; --computer '*' to ignore)")
	}
	for what, v := range map[string]string{"user": tf.user, "computer": tf.computer, "configuration": tf.configuration} {
		if v != authz.Wildcard && strings.Contains(v, authz.Wildcard) {
			return fmt.Errorf("rule test: %s %q: %w", what, v, authz.ErrPartialWildcard)
		}
	}
	return nil
}

// request turns the flags into an authz.Request without a directory: the
// names as typed, groups from --member-of and --computer-member-of.
func (tf ruleTestFlags) request() authz.Request {
	var req authz.Request
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
	return req
}

// principalOf is a group given on the command line, by name or SID.
func principalOf(s string) authz.Principal {
	if authz.IsSID(s) {
		return authz.Principal{Name: s, SID: s}
	}
	return authz.Principal{Name: s}
}

// reportTest prints the verdict of p on req: reasons (with --explain),
// then reportDecision.
func reportTest(e *env, tf ruleTestFlags, p *authz.Policy, req authz.Request) error {
	d := decide(p, req, tf.explain)
	if tf.output == "json" {
		return printDecisionJSON(e, d)
	}
	if tf.explain {
		for _, r := range d.Reasons {
			fmt.Fprintf(e.stdout, "%-8s %s\n", r.Outcome.String()+":", r.Text)
		}
		fmt.Fprintln(e.stdout)
	}
	return reportDecision(e, tf, d, ruleResolver(e))
}

// decider is an authz.Policy or an authz.Store.
type decider interface {
	Decide(authz.Request) authz.Decision
	Explain(authz.Request) authz.Decision
}

// decide is p's decision on req, with every rule's reason when explain.
func decide(p decider, req authz.Request, explain bool) authz.Decision {
	if explain {
		return p.Explain(req)
	}
	return p.Decide(req)
}

// reportDecision prints warnings for rules that cannot be evaluated, then
// the matching rules (names shown through res). No match is exit 1.
func reportDecision(e *env, tf ruleTestFlags, d authz.Decision, res authz.Resolver) error {
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
	return printRules(e.ctx, e.stdout, res, tf.output, d.Matched)
}

// printDecisionJSON prints the whole Decision (with reasons under --explain).
func printDecisionJSON(e *env, d authz.Decision) error {
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
