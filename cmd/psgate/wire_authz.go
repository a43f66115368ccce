package main

import (
	"context"
	"strings"

	"github.com/psgate/psgate/authz"
	"github.com/psgate/psgate/gateway"
)

// rulesAuthorizer implements gateway.Authorizer over the shared rules file.
// A local (users file) identity is MACHINE\name, as the rule CLI stores
// `--user name` in a workgroup; directory identities carry SIDs or DNs.
type rulesAuthorizer struct {
	store   *authz.Store
	machine string
}

func (a rulesAuthorizer) Authorize(_ context.Context, id gateway.Identity, t gateway.Target) (bool, string, error) {
	req := authz.Request{Caller: caller(id, a.machine), Target: authz.Target{Name: t.Display()}, Configuration: t.Configuration}
	d := a.store.Decide(req)
	if d.Allowed {
		return true, "", nil
	}
	if err := d.Err(); err != nil {
		return false, "", err
	}
	return false, "no authorization rule allows " + id.Name + " on " + t.Display() + " (" + t.Configuration + ")", nil
}

// caller builds the authz principal of a gateway identity.
func caller(id gateway.Identity, machine string) authz.Caller {
	c := authz.Caller{Principal: principal(id.Name, machine)}
	for _, g := range id.Groups {
		c.Groups = append(c.Groups, principal(g, machine))
	}
	return c
}

func principal(name, machine string) authz.Principal {
	switch {
	case authz.IsSID(name):
		return authz.Principal{Name: name, SID: name}
	case strings.Contains(name, "="):
		return authz.Principal{Name: name, DN: name}
	case strings.ContainsAny(name, `\@`):
		return authz.Principal{Name: name}
	}
	return authz.Principal{Name: machine + `\` + name, Aliases: []string{name}}
}
