package authz

import (
	"errors"
	"fmt"
	"strings"
)

// Wildcard is the only wildcard PSWA knows: a whole value of "*".
const Wildcard = "*"

// DefaultConfiguration is the session configuration an empty
// ConfigurationName stands for, in rules and in requests.
const DefaultConfiguration = "Microsoft.PowerShell"

// UserType says what a rule's User names: everyone, one account or a group.
type UserType int

// The user types, as PSWA's PswaUserType enum.
const (
	UserAll UserType = iota
	UserAccount
	UserGroup
)

// String returns the XML spelling (All, User, UserGroup).
func (t UserType) String() string {
	switch t {
	case UserAll:
		return "All"
	case UserAccount:
		return "User"
	case UserGroup:
		return "UserGroup"
	}
	return fmt.Sprintf("UserType(%d)", int(t))
}

// MarshalText implements encoding.TextMarshaler (JSON uses it).
func (t UserType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (t *UserType) UnmarshalText(b []byte) error {
	v, err := ParseUserType(string(b))
	*t = v
	return err
}

// ParseUserType parses the XML spelling of a UserType (case-insensitive).
func ParseUserType(s string) (UserType, error) {
	for _, t := range []UserType{UserAll, UserAccount, UserGroup} {
		if strings.EqualFold(s, t.String()) {
			return t, nil
		}
	}
	return 0, fmt.Errorf("%w: UserType %s", ErrBadValue, excerpt(s))
}

// DestinationType says what a rule's Destination names: every computer, one
// computer or a computer group.
type DestinationType int

// The destination types, as PSWA's PswaDestinationType enum.
const (
	DestinationAll DestinationType = iota
	DestinationComputer
	DestinationComputerGroup
)

// String returns the XML spelling (All, Computer, ComputerGroup).
func (t DestinationType) String() string {
	switch t {
	case DestinationAll:
		return "All"
	case DestinationComputer:
		return "Computer"
	case DestinationComputerGroup:
		return "ComputerGroup"
	}
	return fmt.Sprintf("DestinationType(%d)", int(t))
}

// MarshalText implements encoding.TextMarshaler (JSON uses it).
func (t DestinationType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (t *DestinationType) UnmarshalText(b []byte) error {
	v, err := ParseDestinationType(string(b))
	*t = v
	return err
}

// ParseDestinationType parses the XML spelling of a DestinationType
// (case-insensitive).
func ParseDestinationType(s string) (DestinationType, error) {
	for _, t := range []DestinationType{DestinationAll, DestinationComputer, DestinationComputerGroup} {
		if strings.EqualFold(s, t.String()) {
			return t, nil
		}
	}
	return 0, fmt.Errorf("%w: DestinationType %s", ErrBadValue, excerpt(s))
}

// Rule is one PSWA authorization rule: an allow for <user, destination,
// configuration>. User and Destination hold canonical forms (a SID, a
// DOMAIN\name, a host name or IP, or "*"), exactly as AuthorizationRules.xml
// stores them.
type Rule struct {
	ID                        int             `json:"id"`
	Name                      string          `json:"name"`
	User                      string          `json:"user"`
	UserType                  UserType        `json:"userType"`
	Destination               string          `json:"destination"`
	DestinationType           DestinationType `json:"destinationType"`
	ConfigurationName         string          `json:"configurationName"`
	IsUserGroupLocal          bool            `json:"isUserGroupLocal"`
	IsComputerGroupLocal      bool            `json:"isComputerGroupLocal"`
	IsCanonicalDestinationSID bool            `json:"isCanonicalDestinationSid"`
}

// Sentinel errors; match them with errors.Is.
var (
	// ErrBadValue marks a value a rule cannot hold.
	ErrBadValue = errors.New("bad value")
	// ErrPartialWildcard marks a value that uses "*" as part of a name.
	ErrPartialWildcard = errors.New("partial wildcards are not supported; use \"*\" alone as the whole value")
	// ErrRuleNotFound marks an Id or name that no rule has.
	ErrRuleNotFound = errors.New("rule not found")
	// ErrStaleRule marks a rule whose content changed since it was shown.
	ErrStaleRule = errors.New("rule changed since it was shown")
	// ErrNoRulesFile marks a rules file that does not exist.
	ErrNoRulesFile = errors.New("rules file does not exist")
)

// Validate reports the first problem of r, naming its Id, the field and the
// value.
func (r Rule) Validate() error {
	if r.ID < 0 {
		return fmt.Errorf("rule %d: %w: Id %d is negative", r.ID, ErrBadValue, r.ID)
	}
	if err := checkPart("UserCanonicalForm", r.User, r.UserType == UserAll); err != nil {
		return fmt.Errorf("rule %d: %w", r.ID, err)
	}
	if err := checkPart("DestinationCanonicalForm", r.Destination, r.DestinationType == DestinationAll); err != nil {
		return fmt.Errorf("rule %d: %w", r.ID, err)
	}
	if r.ConfigurationName != Wildcard && strings.Contains(r.ConfigurationName, Wildcard) {
		return fmt.Errorf("rule %d: ConfigurationName %s: %w", r.ID, excerpt(r.ConfigurationName), ErrPartialWildcard)
	}
	if r.IsCanonicalDestinationSID && !IsSID(r.Destination) {
		return fmt.Errorf("rule %d: %w: IsCanonicalDestinationSid is true but DestinationCanonicalForm %s is not a SID",
			r.ID, ErrBadValue, excerpt(r.Destination))
	}
	return nil
}

// checkPart validates a user or destination canonical form against its type.
func checkPart(elem, v string, all bool) error {
	switch {
	case all && v != Wildcard:
		return fmt.Errorf("%w: %s %s with type All (must be \"*\")", ErrBadValue, elem, excerpt(v))
	case !all && v == Wildcard:
		return fmt.Errorf("%w: %s \"*\" needs type All", ErrBadValue, elem)
	case strings.TrimSpace(v) == "":
		return fmt.Errorf("%w: %s is empty", ErrBadValue, elem)
	case v != Wildcard && strings.Contains(v, Wildcard):
		return fmt.Errorf("%s %s: %w", elem, excerpt(v), ErrPartialWildcard)
	}
	return nil
}

// IsSID reports whether s looks like a Windows SID string (S-1-…).
func IsSID(s string) bool {
	if len(s) < 5 || (s[0] != 'S' && s[0] != 's') || s[1] != '-' {
		return false
	}
	parts := strings.Split(s[2:], "-")
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if p == "" {
			return false
		}
		for _, c := range p {
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}

// configurationOf returns the effective configuration name (empty means
// Microsoft.PowerShell).
func configurationOf(s string) string {
	if s == "" {
		return DefaultConfiguration
	}
	return s
}
