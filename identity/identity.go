// Package identity is the identity seam of psgate: the Authenticator that
// checks a gateway user's password, and the one structured Identity it
// returns (name forms, SID, DN, UPN, groups with their kind and SID).
//
// The Identity is what the gateway keeps in the sign-in session (scs; with
// the Redis store it is shared by every gateway), so a user signed in on
// one gateway is known to all of them without a second bind. Providers
// live in subpackages: identity/ldap (LDAP and Active Directory, go-ldap)
// and identity/local (the built-in users file). Nothing here does I/O.
package identity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// Provider names the identity provider that resolved an Identity.
type Provider string

// The providers.
const (
	ProviderAD    Provider = "ad"    // Active Directory: SIDs, DOMAIN\name
	ProviderLDAP  Provider = "ldap"  // generic LDAP: DNs, uid
	ProviderLocal Provider = "local" // the built-in users file
)

// Identity is one signed-in gateway user as its provider resolved it. It
// never holds a password.
type Identity struct {
	// Name is the canonical account name, shown and used for caps and
	// sessions: DOMAIN\sAMAccountName (AD), the naming attribute's value of
	// the entry's DN (generic LDAP), the user name (local).
	Name     string   `json:"name"`
	Provider Provider `json:"provider"`
	// SID (AD), DN (directory users) and UPN (AD, when set).
	SID string `json:"sid,omitempty"`
	DN  string `json:"dn,omitempty"`
	UPN string `json:"upn,omitempty"`
	// Typed is the name as typed at sign-in (for the audit log).
	Typed string `json:"typed,omitempty"`
	// Groups are every group the user is in, directly or through nesting.
	Groups []Group `json:"groups,omitempty"`
}

// Group is one group of a user or a computer.
type Group struct {
	Name string `json:"name"` // DOMAIN\name (AD), cn (LDAP), the group name (local)
	SID  string `json:"sid,omitempty"`
	DN   string `json:"dn,omitempty"`
	// Security is false for an AD distribution group (rules may only name
	// security groups); directory and local groups are otherwise security groups.
	Security bool `json:"security"`
}

// IsZero reports whether id is the zero Identity (nobody signed in).
func (id Identity) IsZero() bool { return id.Name == "" }

// Marshal encodes id for the sign-in store.
func (id Identity) Marshal() ([]byte, error) {
	b, err := json.Marshal(id)
	if err != nil {
		return nil, fmt.Errorf("encoding identity %q: %w", id.Name, err)
	}
	return b, nil
}

// Unmarshal decodes an Identity that Marshal encoded.
func Unmarshal(b []byte) (Identity, error) {
	var id Identity
	if err := json.Unmarshal(b, &id); err != nil {
		return Identity{}, fmt.Errorf("decoding identity: %w", err)
	}
	if id.Name == "" {
		return Identity{}, errors.New("decoding identity: no name")
	}
	return id, nil
}

// Authenticator checks gateway credentials (directory or users file). Its
// error is the real reason, for the audit log; users never see it.
type Authenticator interface {
	Authenticate(ctx context.Context, user, password string) (Identity, error)
}
