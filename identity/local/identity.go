package local

import (
	"context"
	"fmt"

	"github.com/psgate/psgate/identity"
)

// Identity is u as the identity seam carries it: a local account and its
// local groups (the access bridge names both MACHINE\name, as PSWA's
// workgroup rules do).
func (u User) Identity() identity.Identity {
	id := identity.Identity{Name: u.Name, Provider: identity.ProviderLocal}
	for _, g := range u.Groups {
		id.Groups = append(id.Groups, identity.Group{Name: g, Security: true})
	}
	return id
}

// Authenticator is s as an identity.Authenticator.
func (s *Store) Authenticator() identity.Authenticator { return authenticator{s} }

type authenticator struct{ s *Store }

func (a authenticator) Authenticate(_ context.Context, user, password string) (identity.Identity, error) {
	u, err := a.s.Authenticate(user, password)
	if err != nil {
		return identity.Identity{}, fmt.Errorf("local users: authenticate %q: %w", user, err)
	}
	id := u.Identity()
	id.Typed = user
	return id, nil
}
