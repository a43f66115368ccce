package mfa

import (
	"fmt"
	"strings"

	"github.com/psgate/psgate/identity"
)

// Mode is when a second factor is asked for.
type Mode string

// The modes of the mfa: section.
const (
	ModeOff      Mode = "off"      // never (the default)
	ModeOptional Mode = "optional" // from users who enrolled a factor
	ModeRequired Mode = "required" // from everyone; who has none enrols after the password
	// ModeGroups is required for members of Policy.Groups, optional for the rest.
	ModeGroups Mode = "required_for_groups"
)

// Policy decides who must pass a second factor.
type Policy struct {
	Mode Mode
	// Groups (ModeGroups) are matched against the user's groups by name
	// (case-insensitive), SID or DN.
	Groups []string
}

// Validate reports a mode that is not one of the four, or groups that do
// not go with the mode.
func (p Policy) Validate() error {
	switch p.Mode {
	case ModeOff, ModeOptional, ModeRequired:
		if len(p.Groups) > 0 {
			return fmt.Errorf("mfa: required_for_groups lists groups but the mode is %q", p.Mode)
		}
	case ModeGroups:
		if len(p.Groups) == 0 {
			return fmt.Errorf("mfa: mode %q needs at least one group", p.Mode)
		}
	default:
		return fmt.Errorf("mfa: unknown mode %q (off, optional, required, required_for_groups)", p.Mode)
	}
	return nil
}

// Enabled reports whether a second factor is ever asked for.
func (p Policy) Enabled() bool { return p.Mode != "" && p.Mode != ModeOff }

// Required reports whether id must pass (and, without a factor, enrol) a
// second factor.
func (p Policy) Required(id identity.Identity) bool {
	switch p.Mode {
	case ModeRequired:
		return true
	case ModeGroups:
		for _, g := range id.Groups {
			for _, want := range p.Groups {
				if strings.EqualFold(g.Name, want) || (g.SID != "" && strings.EqualFold(g.SID, want)) ||
					(g.DN != "" && strings.EqualFold(g.DN, want)) {
					return true
				}
			}
		}
	}
	return false
}

// KeyOf is the stable key a user's factors are stored under: "sid:" and
// the SID for AD accounts (it survives renames), "dn:" and the lower-cased
// DN for LDAP users, "local:" and the name for the users file.
func KeyOf(id identity.Identity) string {
	switch {
	case id.SID != "":
		return "sid:" + strings.ToUpper(id.SID)
	case id.DN != "":
		return "dn:" + strings.ToLower(id.DN)
	}
	return "local:" + id.Name
}
