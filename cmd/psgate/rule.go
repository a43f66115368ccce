package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/psgate/psgate/access"
	"github.com/psgate/psgate/authz"
)

// defaultRulesFile is where the rules live unless --rules-file or
// PSGATE_RULES_FILE says otherwise.
const defaultRulesFile = "/etc/psgate/AuthorizationRules.xml"

// newRuleCmd is `psgate rule`: the PSWA *-PswaAuthorizationRule cmdlets.
func newRuleCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rule",
		Short: "Manage authorization rules (Add/Get/Remove/Test-PswaAuthorizationRule)",
		Long: `Manage the PSWA-compatible AuthorizationRules.xml shared by every gateway.

Rules are allow-only: a user may open a session when at least one rule matches
<user or one of its groups, computer or one of its groups, configuration>.
"*" is accepted only as a whole value (quote it in shells).`,
	}
	var rf ruleFlags
	cmd.PersistentFlags().StringVar(&rf.file, "rules-file", "",
		"rules `file` (default $PSGATE_RULES_FILE, else "+defaultRulesFile+")")
	cmd.AddCommand(
		newRuleAddCmd(e, &rf),
		newRuleGetCmd(e, &rf),
		newRuleRemoveCmd(e, &rf),
		newRuleTestCmd(e, &rf),
		newRuleUpdateCmd(e, &rf),
	)
	return cmd
}

// ruleFlags are the flags every rule subcommand shares.
type ruleFlags struct {
	file string
	// create is `rule add --create`: start a new file where a deleted one
	// was (authz.StoreConfig.Recreate).
	create bool
}

// rulesFilePath returns the rules file: the --rules-file flag when set, else
// $PSGATE_RULES_FILE, else the gateway config's rules_file, else the default.
func rulesFilePath(e *env, flag string) string {
	if flag != "" {
		return flag
	}
	if v := os.Getenv("PSGATE_RULES_FILE"); v != "" {
		return v
	}
	if c := ruleConfig(e); c != nil {
		return c.Rules
	}
	return defaultRulesFile
}

// ruleConfig is the gateway config for the rule commands, which work
// without one: nil when --config names no file; a file that does not load
// is reported on stderr and ignored.
func ruleConfig(e *env) *config {
	if e.configPath == "" {
		return nil
	}
	if _, err := os.Stat(e.configPath); err != nil {
		return nil
	}
	c, err := loadConfig(e.configPath)
	if err != nil {
		fmt.Fprintf(e.stderr, "psgate: note: ignoring the config: %v\n", err)
		return nil
	}
	return c
}

// gatewayOptions describes this host to the evaluator: "localhost" and "."
// targets mean it, and ".\user" means MACHINE\user.
func gatewayOptions(e *env) authz.Options {
	host, _ := os.Hostname()
	return authz.Options{GatewayHost: host}
}

// ruleResolver canonicalises names at add time. Until a directory is
// configured, names are stored as typed (PSWA's workgroup behaviour).
func ruleResolver(e *env) authz.Resolver {
	o := gatewayOptions(e)
	typed := authz.TypedResolver{MachineName: machineName(o)}
	if c := ruleConfig(e); c != nil && c.Identity.LDAP != nil {
		dir, err := openDirectory(c.Identity.LDAP)
		if err != nil {
			fmt.Fprintf(e.stderr, "psgate: note: names are stored as typed: %v\n", err)
			return typed
		}
		return access.NewResolver(dir, typed.MachineName)
	}
	return typed
}

func machineName(o authz.Options) string {
	if o.MachineName != "" {
		return o.MachineName
	}
	return strings.ToUpper(strings.SplitN(o.GatewayHost, ".", 2)[0])
}

// openRules opens the store on the rules file.
func openRules(e *env, rf *ruleFlags) (*authz.Store, error) {
	return authz.OpenStore(authz.StoreConfig{
		Path:     rulesFilePath(e, rf.file),
		Logger:   slog.New(slog.DiscardHandler),
		Options:  gatewayOptions(e),
		Recreate: rf.create,
	})
}

// loadRules opens the store and returns its rules, failing with the parse
// error when the file does not load. A missing file has no rules.
func loadRules(e *env, rf *ruleFlags) (*authz.Store, []authz.Rule, error) {
	s, err := openRules(e, rf)
	if err != nil {
		return nil, nil, err
	}
	if err := s.Err(); err != nil {
		if errors.Is(err, authz.ErrNoRulesFile) {
			fmt.Fprintf(e.stderr, "psgate: note: %v\n", err)
			return s, nil, nil
		}
		return nil, nil, err
	}
	return s, s.Policy().Rules(), nil
}

// checkOutput validates an -o value.
func checkOutput(o string) error {
	switch o {
	case "table", "json", "xml":
		return nil
	}
	return fmt.Errorf("-o %q: want table, json or xml", o)
}
