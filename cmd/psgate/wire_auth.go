package main

import (
	"context"
	"fmt"

	"github.com/psgate/psgate/gateway"
	"github.com/psgate/psgate/identity/ldap"
	"github.com/psgate/psgate/identity/local"
)

// localAuth adapts the local users file to gateway.Authenticator.
type localAuth struct{ store *local.Store }

func (a localAuth) Authenticate(_ context.Context, user, password string) (gateway.Identity, error) {
	u, err := a.store.Authenticate(user, password)
	if err != nil {
		return gateway.Identity{}, fmt.Errorf("local users: authenticate %q: %w", user, err)
	}
	return gateway.Identity{Name: u.Name, Groups: u.Groups}, nil
}

// directoryAuth adapts the LDAP/AD directory to gateway.Authenticator. The
// identity carries the canonical names the rules use: AD SIDs when present,
// else DNs.
type directoryAuth struct{ dir *ldap.Directory }

func (a directoryAuth) Authenticate(ctx context.Context, user, password string) (gateway.Identity, error) {
	u, err := a.dir.Authenticate(ctx, user, password)
	if err != nil {
		return gateway.Identity{}, fmt.Errorf("directory: authenticate %q: %w", user, err)
	}
	return a.identity(u)
}

// identity maps a directory user to the gateway identity.
func (directoryAuth) identity(u *ldap.User) (gateway.Identity, error) {
	id := gateway.Identity{Name: u.Name}
	for _, g := range u.Groups {
		switch {
		case g.SID != "":
			id.Groups = append(id.Groups, g.SID)
		case g.DN != "":
			id.Groups = append(id.Groups, g.DN)
		default:
			id.Groups = append(id.Groups, g.Name)
		}
	}
	return id, nil
}
