package authz

import (
	"strings"

	"github.com/google/go-cmp/cmp/cmpopts"
)

// testOpts is the gateway used by the evaluator tests.
var testOpts = Options{GatewayHost: "pswaserver.example.test", MachineName: "PSWASERVER",
	GatewayAliases: []string{"pswaserver", "192.0.2.10"}}

// rule builds a rule from a compact "user|dest|config" description:
// "g:" prefixes a user group, "cg:" a computer group, "*" is All.
func rule(id int, desc string) Rule {
	parts := strings.Split(desc, "|")
	r := Rule{ID: id, Name: "r", User: parts[0], UserType: UserAccount,
		Destination: parts[1], DestinationType: DestinationComputer, ConfigurationName: parts[2]}
	switch {
	case r.User == "*":
		r.UserType = UserAll
	case strings.HasPrefix(r.User, "g:"):
		r.User, r.UserType = r.User[2:], UserGroup
	}
	switch {
	case r.Destination == "*":
		r.DestinationType = DestinationAll
	case strings.HasPrefix(r.Destination, "cg:"):
		r.Destination, r.DestinationType = r.Destination[3:], DestinationComputerGroup
	}
	r.IsCanonicalDestinationSID = IsSID(r.Destination)
	return r
}

func rules(descs ...string) []Rule {
	out := make([]Rule, len(descs))
	for i, d := range descs {
		out[i] = rule(i, d)
	}
	return out
}

// caller is a resolved user with the given groups (names only).
func caller(name string, groups ...string) Caller {
	c := Caller{Principal: Principal{Name: name}}
	for _, g := range groups {
		c.Groups = append(c.Groups, Principal{Name: g})
	}
	return c
}

func ids(rs []Rule) []int {
	out := []int{}
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// cmpEmpty treats nil and empty slices as equal.
var cmpEmpty = cmpopts.EquateEmpty()
