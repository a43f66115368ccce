package authz

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeDirectory is a Resolver as the AD adapter will be: names to SIDs.
type fakeDirectory map[string]Account

func (f fakeDirectory) Resolve(_ context.Context, kind Kind, name string) (Account, error) {
	if a, ok := f[strings.ToLower(name)]; ok {
		return a, nil
	}
	return Account{}, fmt.Errorf("%s %s: %w", kind, name, ErrNotFound)
}

func (f fakeDirectory) NameOf(_ context.Context, sid string) (string, error) {
	for _, a := range f {
		if strings.EqualFold(a.SID, sid) {
			return a.Name, nil
		}
	}
	return "", ErrNotFound
}

func TestRuleSpecBuild(t *testing.T) {
	ctx := context.Background()
	typed := TypedResolver{MachineName: "PSWASERVER"}
	dir := fakeDirectory{
		`example\alice`:      {Name: `EXAMPLE\alice`, SID: aliceSID},
		`example\helpdesk`:   {Name: `EXAMPLE\helpdesk`, SID: helpSID},
		`srv2`:               {Name: `srv2.example.test`, SID: srv2SID},
		`example\webservers`: {Name: `EXAMPLE\WebServers`, SID: webSrvsSID},
		`pswaserver\ops`:     {Name: `PSWASERVER\ops`, SID: "S-1-5-21-9-9-9-1001", Local: true},
	}
	tests := []struct {
		name string
		spec RuleSpec
		res  Resolver
		want []Rule
		err  error
	}{
		{name: "workgroup names as typed, one rule per user",
			spec: RuleSpec{Users: []string{`.\chrisLocal`, `EXAMPLE\bob`}, Computer: "SRV1.example.test", Configuration: "PswaEndpoint"},
			res:  typed,
			want: []Rule{
				{ID: -1, User: `PSWASERVER\chrisLocal`, UserType: UserAccount, Destination: "SRV1.example.test",
					DestinationType: DestinationComputer, ConfigurationName: "PswaEndpoint", IsUserGroupLocal: true},
				{ID: -1, User: `EXAMPLE\bob`, UserType: UserAccount, Destination: "SRV1.example.test",
					DestinationType: DestinationComputer, ConfigurationName: "PswaEndpoint"},
			}},
		{name: "IP literal stored canonical, empty configuration is Microsoft.PowerShell",
			spec: RuleSpec{UserGroups: []string{`EXAMPLE\L1`}, Computer: "[2001:DB8:0::1]", Name: "v6"},
			res:  typed,
			want: []Rule{{ID: -1, Name: "v6", User: `EXAMPLE\L1`, UserType: UserGroup, Destination: "2001:db8::1",
				DestinationType: DestinationComputer, ConfigurationName: DefaultConfiguration}}},
		{name: "directory stores SIDs as PSWA does",
			spec: RuleSpec{Users: []string{`EXAMPLE\alice`}, Computer: "srv2", Configuration: "*"},
			res:  dir,
			want: []Rule{{ID: -1, User: aliceSID, UserType: UserAccount, Destination: srv2SID,
				DestinationType: DestinationComputer, ConfigurationName: "*", IsCanonicalDestinationSID: true}}},
		{name: "directory group to computer group",
			spec: RuleSpec{UserGroups: []string{`EXAMPLE\helpdesk`}, ComputerGroup: `EXAMPLE\WebServers`, Configuration: "E"},
			res:  dir,
			want: []Rule{{ID: -1, User: helpSID, UserType: UserGroup, Destination: webSrvsSID,
				DestinationType: DestinationComputerGroup, ConfigurationName: "E", IsCanonicalDestinationSID: true}}},
		{name: "local group flagged",
			spec: RuleSpec{UserGroups: []string{`PSWASERVER\ops`}, Computer: "*", Configuration: "E"},
			res:  dir,
			want: []Rule{{ID: -1, User: "S-1-5-21-9-9-9-1001", UserType: UserGroup, Destination: "*",
				DestinationType: DestinationAll, ConfigurationName: "E", IsUserGroupLocal: true}}},
		{name: "unknown name", res: dir, err: ErrNotFound,
			spec: RuleSpec{Users: []string{`EXAMPLE\nobody`}, Computer: "*", Configuration: "E"}},
		{name: "partial wildcard user", res: typed, err: ErrPartialWildcard,
			spec: RuleSpec{Users: []string{`EXAMPLE\adm*`}, Computer: "*", Configuration: "E"}},
		{name: "partial wildcard computer", res: typed, err: ErrPartialWildcard,
			spec: RuleSpec{Users: []string{`*`}, Computer: "web*", Configuration: "E"}},
		{name: "partial wildcard configuration", res: typed, err: ErrPartialWildcard,
			spec: RuleSpec{Users: []string{`*`}, Computer: "*", Configuration: "Pswa*"}},
		{name: "allow-all needs force", res: typed, err: ErrAllowAll,
			spec: RuleSpec{Users: []string{`*`}, Computer: "*", Configuration: "*"}},
		{name: "allow-all with force", res: typed,
			spec: RuleSpec{Users: []string{`*`}, Computer: "*", Configuration: "*", Force: true},
			want: []Rule{{ID: -1, User: "*", Destination: "*", ConfigurationName: "*"}}},
		{name: "users and groups together", res: typed, err: ErrUsage,
			spec: RuleSpec{Users: []string{`A\b`}, UserGroups: []string{`A\g`}, Computer: "*", Configuration: "E"}},
		{name: "no computer", res: typed, err: ErrUsage,
			spec: RuleSpec{Users: []string{`A\b`}, Configuration: "E"}},
		{name: "bad SAM name", res: typed, err: ErrBadValue,
			spec: RuleSpec{Users: []string{`\alice`}, Computer: "*", Configuration: "E"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.spec.Build(ctx, tc.res)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
		})
	}
	// Display turns stored SIDs back into names, and keeps unknown SIDs raw.
	r := Rule{User: aliceSID, Destination: srv2SID}
	if u, d := DisplayUser(ctx, dir, r), DisplayDestination(ctx, dir, r); u != `EXAMPLE\alice` || d != "srv2.example.test" {
		t.Errorf("display %q %q", u, d)
	}
	if u := DisplayUser(ctx, typed, r); u != aliceSID {
		t.Errorf("display without directory %q", u)
	}
}
