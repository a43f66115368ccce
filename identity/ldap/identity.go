package ldap

import (
	"context"
	"errors"
	"fmt"

	"github.com/psgate/psgate/identity"
)

// Identity is u as the identity seam carries it: AD users with their SID,
// every user with its DN, groups with their SIDs and DNs.
func (d *Directory) Identity(u *User) identity.Identity {
	id := identity.Identity{Name: u.Name, Provider: identity.ProviderLDAP, SID: u.SID, DN: u.DN, UPN: u.UPN}
	if d.cfg.AD {
		id.Provider = identity.ProviderAD
	}
	for _, g := range u.Groups {
		id.Groups = append(id.Groups, identity.Group{Name: g.Name, SID: g.SID, DN: g.DN, Security: true})
	}
	return id
}

// Authenticator is d as an identity.Authenticator.
func (d *Directory) Authenticator() identity.Authenticator { return authenticator{d} }

type authenticator struct{ d *Directory }

func (a authenticator) Authenticate(ctx context.Context, user, password string) (identity.Identity, error) {
	u, err := a.d.Authenticate(ctx, user, password)
	if err != nil {
		return a.d.failedAs(ctx, user, err), fmt.Errorf("directory: authenticate %q: %w", user, err)
	}
	id := a.d.Identity(u)
	id.Typed = user
	return id, nil
}

// Find implements identity.Directory.
func (d *Directory) Find(ctx context.Context, kind identity.Kind, name string) (identity.Entry, error) {
	var (
		o   Object
		err error
	)
	switch kind {
	case identity.KindUser:
		o, err = d.LookupUser(ctx, name)
	case identity.KindGroup:
		o, err = d.LookupGroup(ctx, name)
	case identity.KindComputer:
		o, err = d.LookupComputer(ctx, name)
	default:
		return identity.Entry{}, fmt.Errorf("looking up %q: unknown kind %d", name, kind)
	}
	if err != nil {
		return identity.Entry{}, err
	}
	return o.entry(), nil
}

// FindSID implements identity.Directory.
func (d *Directory) FindSID(ctx context.Context, sid string) (identity.Entry, error) {
	o, err := d.LookupSID(ctx, sid)
	if err != nil {
		return identity.Entry{}, err
	}
	return o.entry(), nil
}

func (o Object) entry() identity.Entry {
	e := identity.Entry{Name: o.Name, SID: o.SID, DN: o.DN, DNSHostName: o.DNSHostName, Security: o.IsSecurityGroup}
	switch o.Kind {
	case KindUser:
		e.Kind = identity.KindUser
	case KindGroup:
		e.Kind = identity.KindGroup
	case KindComputer:
		e.Kind = identity.KindComputer
	}
	for _, g := range o.Groups {
		e.Groups = append(e.Groups, identity.Group{Name: g.Name, SID: g.SID, DN: g.DN, Security: true})
	}
	return e
}

// failedAs is the Identity a refused sign-in of typed reports: the typed
// name, and the account's canonical name when the service account finds
// it (so that the audit lines of `bob@example.test` and `EXAMPLE\bob` name
// the same account). Not looked up when the directory is unavailable or the
// name is not one a sign-in accepts.
func (d *Directory) failedAs(ctx context.Context, typed string, err error) identity.Identity {
	id := identity.Identity{Typed: typed}
	if errors.Is(err, ErrUnavailable) || ctx.Err() != nil || checkInput(typed) != nil {
		return id
	}
	name := typed
	if d.cfg.AD {
		var err error
		if name, err = d.adBindName(typed); err != nil {
			return id
		}
	}
	_ = d.withService(ctx, func(c *conn) error { // one search, no groups
		e, err := d.findUser(c, name)
		if err == nil {
			o := d.toObject(e)
			id.Name, id.SID, id.DN = o.Name, o.SID, o.DN
		}
		return err
	})
	return id
}
