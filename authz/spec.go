package authz

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrAllowAll marks a "* * *" rule asked for without Force: it switches the
// authorization layer off (attackers add such rules for persistence).
var ErrAllowAll = errors.New(`a rule for user *, computer * and configuration * lets everyone in; use --force if you mean it`)

// ErrUsage marks a RuleSpec that names the wrong combination of fields.
var ErrUsage = errors.New("bad rule specification")

// RuleSpec is what an administrator types to add rules, as
// Add-PswaAuthorizationRule's parameters: one or more users or user groups,
// one computer or computer group, and a configuration.
type RuleSpec struct {
	Name          string   // RuleName; default "Rule <Id>"
	Users         []string // -UserName: one rule per entry ("*" = everyone)
	UserGroups    []string // -UserGroupName: one rule per entry
	Computer      string   // -ComputerName ("*" = every computer)
	ComputerGroup string   // -ComputerGroupName
	Configuration string   // -ConfigurationName ("*" = any; "" = Microsoft.PowerShell)
	Force         bool     // allow "* * *"
}

// Build canonicalises spec through res into rules (Id -1, to be assigned by
// the store). It refuses partial wildcards, "* * *" without Force, and wrong
// combinations, with errors naming the field and value.
func (s RuleSpec) Build(ctx context.Context, res Resolver) ([]Rule, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	dest, err := s.destination(ctx, res)
	if err != nil {
		return nil, err
	}
	names, kind := s.Users, KindUser
	if len(s.UserGroups) > 0 {
		names, kind = s.UserGroups, KindUserGroup
	}
	cfg := strings.TrimSpace(s.Configuration)
	if cfg == "" {
		cfg = DefaultConfiguration
	}
	rules := make([]Rule, 0, len(names))
	for _, n := range names {
		r := dest
		r.ID, r.Name, r.ConfigurationName = -1, strings.TrimSpace(s.Name), cfg
		if err := s.user(ctx, res, kind, n, &r); err != nil {
			return nil, err
		}
		if r.IsAllowAll() && !s.Force {
			return nil, ErrAllowAll
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func (s RuleSpec) check() error {
	switch {
	case len(s.Users) > 0 && len(s.UserGroups) > 0:
		return fmt.Errorf("%w: give users or user groups, not both", ErrUsage)
	case len(s.Users) == 0 && len(s.UserGroups) == 0:
		return fmt.Errorf("%w: a user or user group is required", ErrUsage)
	case s.Computer != "" && s.ComputerGroup != "":
		return fmt.Errorf("%w: give a computer or a computer group, not both", ErrUsage)
	case s.Computer == "" && s.ComputerGroup == "":
		return fmt.Errorf("%w: a computer or computer group is required", ErrUsage)
	}
	for field, v := range map[string]string{"configuration": s.Configuration, "computer": s.Computer,
		"computer group": s.ComputerGroup} {
		if err := wildcardCheck(field, v); err != nil {
			return err
		}
	}
	for _, v := range append(append([]string{}, s.Users...), s.UserGroups...) {
		if err := wildcardCheck("user", v); err != nil {
			return err
		}
	}
	return nil
}

func wildcardCheck(field, v string) error {
	v = strings.TrimSpace(v)
	if v != Wildcard && strings.Contains(v, Wildcard) {
		return fmt.Errorf("%s '%s': %w", field, v, ErrPartialWildcard)
	}
	return nil
}

// destination fills the destination fields of a rule template.
func (s RuleSpec) destination(ctx context.Context, res Resolver) (Rule, error) {
	var r Rule
	name, kind := strings.TrimSpace(s.Computer), KindComputer
	if s.ComputerGroup != "" {
		name, kind = strings.TrimSpace(s.ComputerGroup), KindComputerGroup
	}
	if name == Wildcard {
		r.Destination, r.DestinationType = Wildcard, DestinationAll
		return r, nil
	}
	a, err := res.Resolve(ctx, kind, name)
	if err != nil {
		return r, fmt.Errorf("resolving %s '%s': %w", kind, name, err)
	}
	r.Destination, r.DestinationType = a.Name, DestinationComputer
	if kind == KindComputerGroup {
		r.DestinationType, r.IsComputerGroupLocal = DestinationComputerGroup, a.Local
	}
	if a.SID != "" {
		r.Destination, r.IsCanonicalDestinationSID = a.SID, true
	}
	return r, nil
}

// user fills the user fields of r from one typed name.
func (s RuleSpec) user(ctx context.Context, res Resolver, kind Kind, name string, r *Rule) error {
	name = strings.TrimSpace(name)
	if name == Wildcard {
		r.User, r.UserType = Wildcard, UserAll
		return nil
	}
	if name == "" || strings.HasPrefix(name, `\`) || strings.HasSuffix(name, `\`) {
		return fmt.Errorf("%w: %s '%s': want DOMAIN\\name", ErrBadValue, kind, name)
	}
	a, err := res.Resolve(ctx, kind, name)
	if err != nil {
		return fmt.Errorf("resolving %s '%s': %w", kind, name, err)
	}
	r.User, r.UserType, r.IsUserGroupLocal = a.Name, UserAccount, a.Local
	if kind == KindUserGroup {
		r.UserType = UserGroup
	}
	if a.SID != "" {
		r.User = a.SID
	}
	return nil
}

// IsAllowAll reports whether r is "* * *".
func (r Rule) IsAllowAll() bool {
	return r.UserType == UserAll && r.DestinationType == DestinationAll && r.ConfigurationName == Wildcard
}

// defaultName is the RuleName given to a rule added without one.
func defaultName(id int) string { return fmt.Sprintf("Rule %d", id) }
