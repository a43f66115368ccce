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
	// callerOf, when set, gives the directory's view of a signed-in user
	// (SID, DN, transitive groups); default caller(id, machine).
	callerOf func(id gateway.Identity) (authz.Caller, bool)
	// targetOf, when set, resolves the computer through the directory.
	targetOf func(ctx context.Context, name string) authz.Target
}

func (a rulesAuthorizer) Authorize(ctx context.Context, id gateway.Identity, t gateway.Target) (bool, string, error) {
	c := caller(id, a.machine)
	if a.callerOf != nil {
		if dc, ok := a.callerOf(id); ok {
			c = dc
		}
	}
	tgt := authz.Target{Name: t.Display()}
	if a.targetOf != nil {
		tgt = a.targetOf(ctx, t.Host())
		tgt.Name = t.Display()
	}
	req := authz.Request{Caller: c, Target: tgt, Configuration: t.Configuration}
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
