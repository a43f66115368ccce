package access

import (
	"github.com/psgate/psgate/authz"
	"github.com/psgate/psgate/identity"
)

// Caller is the authz principal of a signed-in identity. Directory users
// come with their SID, DN, UPN and transitive groups, vouched for by the
// directory (Resolved). A local account and its groups are MACHINE\name,
// as `rule add --user name` stores them on a gateway without a domain
// (PSWA's workgroup behaviour), with the bare name as an alias.
func Caller(id identity.Identity, machine string) authz.Caller {
	if id.Provider == identity.ProviderLocal {
		c := authz.Caller{Principal: local(id.Name, machine)}
		for _, g := range id.Groups {
			c.Groups = append(c.Groups, local(g.Name, machine))
		}
		return c
	}
	c := authz.Caller{Principal: authz.Principal{Name: id.Name, SID: id.SID, DN: id.DN}, Resolved: true}
	if id.UPN != "" {
		c.Aliases = []string{id.UPN}
	}
	for _, g := range id.Groups {
		c.Groups = append(c.Groups, authz.Principal{Name: g.Name, SID: g.SID, DN: g.DN})
	}
	return c
}

func local(name, machine string) authz.Principal {
	return authz.Principal{Name: machine + `\` + name, Aliases: []string{name}}
}
