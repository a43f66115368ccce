package authz

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	aliceSID   = "S-1-5-21-1004336348-1177238915-682003330-1105"
	helpSID    = "S-1-5-21-1004336348-1177238915-682003330-1201"
	srv2SID    = "S-1-5-21-1004336348-1177238915-682003330-2001"
	webSrvsSID = "S-1-5-21-1004336348-1177238915-682003330-2101"
)

func TestDecide(t *testing.T) {
	tests := []struct {
		name    string
		rules   []Rule
		req     Request
		want    []int // matched rule Ids
		invalid []int
	}{
		{name: "no rules denies everyone", rules: nil,
			req: Request{Caller: caller(`EXAMPLE\alice`), Target: Target{Name: "srv1"}}},
		{name: "doc *,*,PswaEndpoint allows anyone to the endpoint",
			rules: rules("*|*|PswaEndpoint"),
			req:   Request{Caller: caller(`EXAMPLE\bob`), Target: Target{Name: "anything"}, Configuration: "PswaEndpoint"},
			want:  []int{0}},
		{name: "doc *,*,PswaEndpoint case-insensitive configuration",
			rules: rules("*|*|PswaEndpoint"),
			req:   Request{Caller: caller(`EXAMPLE\bob`), Target: Target{Name: "x"}, Configuration: "pswaENDPOINT"},
			want:  []int{0}},
		{name: "doc *,*,PswaEndpoint denies the default configuration",
			rules: rules("*|*|PswaEndpoint"),
			req:   Request{Caller: caller(`EXAMPLE\bob`), Target: Target{Name: "x"}}},
		{name: "doc Level1Support group member allowed",
			rules: rules(`g:EXAMPLE\Level1Support|*|PswaEndpoint`),
			req: Request{Caller: caller(`EXAMPLE\carol`, `EXAMPLE\Staff`, `example\level1support`),
				Target: Target{Name: "srv9"}, Configuration: "PswaEndpoint"},
			want: []int{0}},
		{name: "doc Level1Support non-member denied",
			rules: rules(`g:EXAMPLE\Level1Support|*|PswaEndpoint`),
			req:   Request{Caller: caller(`EXAMPLE\dave`, `EXAMPLE\Staff`), Target: Target{Name: "srv9"}, Configuration: "PswaEndpoint"}},
		{name: "doc group rule does not match a user of the same name",
			rules: rules(`g:EXAMPLE\Level1Support|*|PswaEndpoint`),
			req:   Request{Caller: caller(`EXAMPLE\Level1Support`), Target: Target{Name: "srv9"}, Configuration: "PswaEndpoint"}},
		{name: "doc Admins any configuration",
			rules: rules(`g:EXAMPLE\Admins|*|*`, `g:EXAMPLE\BasicSupport|*|PswaEndpoint`),
			req:   Request{Caller: caller(`EXAMPLE\eve`, `EXAMPLE\Admins`), Target: Target{Name: "dc1"}, Configuration: "Microsoft.PowerShell"},
			want:  []int{0}},
		{name: "doc BasicSupport only the endpoint",
			rules: rules(`g:EXAMPLE\Admins|*|*`, `g:EXAMPLE\BasicSupport|*|PswaEndpoint`),
			req:   Request{Caller: caller(`EXAMPLE\frank`, `EXAMPLE\BasicSupport`), Target: Target{Name: "dc1"}, Configuration: "Microsoft.PowerShell"}},
		{name: "doc any-match lists every matching rule",
			rules: rules(`g:EXAMPLE\Admins|*|*`, `g:EXAMPLE\BasicSupport|*|PswaEndpoint`),
			req: Request{Caller: caller(`EXAMPLE\gina`, `EXAMPLE\BasicSupport`, `EXAMPLE\Admins`),
				Target: Target{Name: "dc1"}, Configuration: "PswaEndpoint"},
			want: []int{0, 1}},
		{name: "doc workgroup PswaServer\\chrisLocal typed as .\\",
			rules: rules(`PswaServer\chrisLocal|*|Microsoft.PowerShell`),
			req:   Request{Caller: caller(`.\chrislocal`), Target: Target{Name: "localhost"}},
			want:  []int{0}},
		{name: "workgroup localhost\\user means GATEWAY\\user",
			rules: rules(`PswaServer\chrisLocal|*|Microsoft.PowerShell`),
			req:   Request{Caller: caller(`LOCALHOST\chrisLocal`), Target: Target{Name: "x"}},
			want:  []int{0}},
		{name: "workgroup rule stored as .\\user",
			rules: rules(`.\chrisLocal|*|*`),
			req:   Request{Caller: caller(`PSWASERVER\chrislocal`), Target: Target{Name: "x"}},
			want:  []int{0}},
		{name: "other machine's user does not match",
			rules: rules(`PswaServer\chrisLocal|*|*`),
			req:   Request{Caller: caller(`OTHER\chrisLocal`), Target: Target{Name: "x"}}},
		{name: "empty rule configuration is Microsoft.PowerShell",
			rules: rules(`*|*|`),
			req:   Request{Caller: caller(`A\b`), Target: Target{Name: "x"}, Configuration: "microsoft.powershell"},
			want:  []int{0}},
		{name: "empty request configuration is Microsoft.PowerShell",
			rules: rules(`*|*|Microsoft.PowerShell`),
			req:   Request{Caller: caller(`A\b`), Target: Target{Name: "x"}, Configuration: ""},
			want:  []int{0}},
		{name: "localhost target means the gateway",
			rules: rules(`*|pswaserver.example.test|*`),
			req:   Request{Caller: caller(`A\b`), Target: Target{Name: "LocalHost"}},
			want:  []int{0}},
		{name: "dot target means the gateway via an alias",
			rules: rules(`*|192.0.2.10|*`),
			req:   Request{Caller: caller(`A\b`), Target: Target{Name: "."}},
			want:  []int{0}},
		{name: "rule destination localhost means the gateway",
			rules: rules(`*|localhost|*`),
			req:   Request{Caller: caller(`A\b`), Target: Target{Name: "PSWASERVER.example.test."}},
			want:  []int{0}},
		{name: "target case and trailing dot",
			rules: rules(`*|srv1.example.test|*`),
			req:   Request{Caller: caller(`A\b`), Target: Target{Name: "SRV1.Example.Test."}},
			want:  []int{0}},
		{name: "target URI reduced to host",
			rules: rules(`*|srv1.example.test|*`),
			req:   Request{Caller: caller(`A\b`), Target: Target{Name: "https://SRV1.example.test:5986/wsman"}},
			want:  []int{0}},
		{name: "target host:port",
			rules: rules(`*|srv1.example.test|*`),
			req:   Request{Caller: caller(`A\b`), Target: Target{Name: "srv1.example.test:5985"}},
			want:  []int{0}},
		{name: "IPv6 canonical text, brackets and port",
			rules: rules(`*|2001:db8::1|*`),
			req:   Request{Caller: caller(`A\b`), Target: Target{Name: "[2001:DB8:0:0:0:0:0:1]:5986"}},
			want:  []int{0}},
		{name: "IPv6 rule in long form",
			rules: rules(`*|2001:0db8:0000::0001|*`),
			req:   Request{Caller: caller(`A\b`), Target: Target{Name: "2001:db8::1"}},
			want:  []int{0}},
		{name: "IPv6 literal as domain name",
			rules: rules(`*|2001:db8::1|*`),
			req:   Request{Caller: caller(`A\b`), Target: Target{Name: "2001-db8--1.ipv6-literal.net"}},
			want:  []int{0}},
		{name: "IPv4-mapped IPv6 is the IPv4 address",
			rules: rules(`*|10.0.0.1|*`),
			req:   Request{Caller: caller(`A\b`), Target: Target{Name: "::ffff:10.0.0.1"}},
			want:  []int{0}},
		{name: "workgroup short name is not the FQDN",
			rules: rules(`*|srv1.example.test|*`),
			req:   Request{Caller: caller(`A\b`), Target: Target{Name: "srv1"}}},
		{name: "directory says short name, FQDN and IP are one computer",
			rules: rules(`*|srv1.example.test|*`),
			req: Request{Caller: caller(`A\b`),
				Target: Target{Name: "10.1.2.3", Aliases: []string{"srv1", "srv1.example.test."}}},
			want: []int{0}},
		{name: "partial names never match",
			rules: rules(`*|srv1|*`),
			req:   Request{Caller: caller(`A\b`), Target: Target{Name: "srv10"}}},
		{name: "user SID rule matches caller SID case-insensitively",
			rules: rules(aliceSID + "|*|*"),
			req: Request{Caller: Caller{Principal: Principal{Name: `EXAMPLE\alice`, SID: strings.ToLower(aliceSID)}},
				Target: Target{Name: "x"}},
			want: []int{0}},
		{name: "user SID rule is invalid when caller SID unknown",
			rules:   rules(aliceSID + "|*|*"),
			req:     Request{Caller: caller(`EXAMPLE\alice`), Target: Target{Name: "x"}},
			invalid: []int{0}},
		{name: "user SID rule is a plain no-match for a resolved caller without SID",
			rules: rules(aliceSID + "|*|*"),
			req:   Request{Caller: Caller{Principal: Principal{Name: `EXAMPLE\alice`}, Resolved: true}, Target: Target{Name: "x"}}},
		{name: "invalid rule whose other parts cannot match is just no match",
			rules: rules(aliceSID + "|*|OtherEndpoint"),
			req:   Request{Caller: caller(`EXAMPLE\alice`), Target: Target{Name: "x"}}},
		{name: "group SID rule matches via tokenGroups",
			rules: rules("g:" + helpSID + "|*|*"),
			req: Request{Caller: Caller{Principal: Principal{Name: `EXAMPLE\alice`, SID: aliceSID},
				Groups: []Principal{{Name: `EXAMPLE\helpdesk`, SID: helpSID}}, Resolved: true}, Target: Target{Name: "x"}},
			want: []int{0}},
		{name: "group SID rule invalid when groups have no SIDs",
			rules:   rules("g:" + helpSID + "|*|*"),
			req:     Request{Caller: caller(`EXAMPLE\alice`, `EXAMPLE\helpdesk`), Target: Target{Name: "x"}},
			invalid: []int{0}},
		{name: "group by LDAP DN",
			rules: rules("g:cn=helpdesk,ou=groups,dc=example,dc=test|*|*"),
			req: Request{Caller: Caller{Principal: Principal{Name: "alice"},
				Groups: []Principal{{Name: "helpdesk", DN: "CN=Helpdesk,OU=Groups,DC=example,DC=test"}}}, Target: Target{Name: "x"}},
			want: []int{0}},
		{name: "user by UPN alias",
			rules: rules("alice@example.test|*|*"),
			req:   Request{Caller: Caller{Principal: Principal{Name: `EXAMPLE\alice`, Aliases: []string{"Alice@Example.Test"}}}, Target: Target{Name: "x"}},
			want:  []int{0}},
		{name: "destination SID rule matches any form the directory maps to it",
			rules: rules("*|" + srv2SID + "|*"),
			req:   Request{Caller: caller(`A\b`), Target: Target{Name: "10.0.0.2", SID: srv2SID, Resolved: true}},
			want:  []int{0}},
		{name: "destination SID rule invalid when target not resolved",
			rules:   rules("*|" + srv2SID + "|*"),
			req:     Request{Caller: caller(`A\b`), Target: Target{Name: "srv2"}},
			invalid: []int{0}},
		{name: "destination SID rule no match for a non-directory target",
			rules: rules("*|" + srv2SID + "|*"),
			req:   Request{Caller: caller(`A\b`), Target: Target{Name: "srv2", Resolved: true}}},
		{name: "computer group by name",
			rules: rules(`*|cg:EXAMPLE\WebServers|*`),
			req:   Request{Caller: caller(`A\b`), Target: Target{Name: "web1", Groups: []Principal{{Name: `example\webservers`}}}},
			want:  []int{0}},
		{name: "computer group by SID",
			rules: rules(`*|cg:` + webSrvsSID + `|*`),
			req:   Request{Caller: caller(`A\b`), Target: Target{Name: "web1", SID: srv2SID, Groups: []Principal{{SID: webSrvsSID}}}},
			want:  []int{0}},
		{name: "computer group non-member",
			rules: rules(`*|cg:EXAMPLE\WebServers|*`),
			req:   Request{Caller: caller(`A\b`), Target: Target{Name: "db1"}}},
		{name: "a match and an invalid rule: allowed, invalid still reported",
			rules:   rules(aliceSID+"|*|*", `EXAMPLE\alice|*|*`),
			req:     Request{Caller: caller(`EXAMPLE\alice`), Target: Target{Name: "x"}},
			want:    []int{1},
			invalid: []int{0}},
		{name: "test ignores user with *",
			rules: rules(`EXAMPLE\alice|srv1|*`, `EXAMPLE\bob|srv2|*`),
			req:   Request{AnyUser: true, Target: Target{Name: "srv2"}},
			want:  []int{1}},
		{name: "test ignores computer with *",
			rules: rules(`EXAMPLE\alice|srv1|*`, `EXAMPLE\alice|srv2|Other`, `EXAMPLE\bob|srv2|*`),
			req:   Request{AnyTarget: true, Caller: caller(`EXAMPLE\alice`)},
			want:  []int{0}},
		{name: "test ignores configuration with *",
			rules: rules(`EXAMPLE\alice|srv1|*`, `EXAMPLE\alice|srv1|Other`, `EXAMPLE\alice|srv2|Other`),
			req:   Request{AnyConfiguration: true, Caller: caller(`EXAMPLE\alice`), Target: Target{Name: "srv1"}},
			want:  []int{0, 1}},
		{name: "all dimensions ignored lists every rule",
			rules: rules(`EXAMPLE\alice|srv1|*`, `g:G|cg:CG|Other`),
			req:   Request{AnyUser: true, AnyTarget: true, AnyConfiguration: true},
			want:  []int{0, 1}},
		{name: "user names compare case-insensitively",
			rules: rules(`example\ALICE|SRV1|microsoft.POWERSHELL`),
			req:   Request{Caller: caller(`EXAMPLE\alice`), Target: Target{Name: "srv1"}},
			want:  []int{0}},
		{name: "non-ASCII names compare case-insensitively",
			rules: rules(`g:EXAMPLE\ÄDMINS|ŚRV1|*`),
			req:   Request{Caller: caller(`EXAMPLE\zoë`, `example\ädmins`), Target: Target{Name: "śrv1"}},
			want:  []int{0}},
		{name: "configuration must match exactly, not by prefix",
			rules: rules(`*|*|Pswa`),
			req:   Request{Caller: caller(`A\b`), Target: Target{Name: "x"}, Configuration: "PswaEndpoint"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPolicy(tc.rules, testOpts)
			for _, mode := range []string{"decide", "explain"} {
				var d Decision
				if mode == "decide" {
					d = p.Decide(tc.req)
				} else {
					d = p.Explain(tc.req)
					if len(d.Reasons) != len(tc.rules) {
						t.Errorf("explain: %d reasons for %d rules", len(d.Reasons), len(tc.rules))
					}
				}
				want := tc.want
				if want == nil {
					want = []int{}
				}
				if diff := cmp.Diff(want, ids(d.Matched)); diff != "" {
					t.Errorf("%s: matched (-want +got):\n%s", mode, diff)
				}
				var inv []int
				for _, r := range d.Invalid {
					inv = append(inv, r.Rule.ID)
				}
				if diff := cmp.Diff(tc.invalid, inv); diff != "" {
					t.Errorf("%s: invalid (-want +got):\n%s", mode, diff)
				}
				if d.Allowed != (len(tc.want) > 0) {
					t.Errorf("%s: Allowed = %v", mode, d.Allowed)
				}
				wantErr := len(tc.want) == 0 && len(tc.invalid) > 0
				if got := errors.Is(d.Err(), ErrInvalidRules); got != wantErr {
					t.Errorf("%s: Err() = %v, want ErrInvalidRules %v", mode, d.Err(), wantErr)
				}
			}
		})
	}
}

func TestExplainText(t *testing.T) {
	rs := []Rule{rule(4, `g:EXAMPLE\helpdesk|srv2.example.test|*`), rule(5, `EXAMPLE\bob|*|Other`),
		rule(6, aliceSID+"|*|*"), rule(7, `g:EXAMPLE\admins|cg:EXAMPLE\DCs|Microsoft.PowerShell`)}
	p := NewPolicy(rs, testOpts)
	d := p.Explain(Request{Caller: caller(`EXAMPLE\alice`, `EXAMPLE\helpdesk`), Target: Target{Name: "srv1"}})
	want := []string{
		`rule 4: user matches via group EXAMPLE\helpdesk; computer 'srv1' ≠ 'srv2.example.test'; configuration * matches every configuration`,
		`rule 5: user 'EXAMPLE\alice' ≠ 'EXAMPLE\bob'; computer * matches every computer; configuration 'Microsoft.PowerShell' ≠ 'Other'`,
		`rule 6: user ` + aliceSID + ` is a SID and the caller's SID is unknown; computer * matches every computer; configuration * matches every configuration`,
		`rule 7: user 'EXAMPLE\alice' is not in group EXAMPLE\admins; computer 'srv1' is not in group EXAMPLE\DCs; configuration matches Microsoft.PowerShell`,
	}
	var got []string
	for _, r := range d.Reasons {
		got = append(got, r.Text)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("reasons (-want +got):\n%s", diff)
	}
	if d.Reasons[2].Outcome != Invalid || d.Reasons[0].Outcome != NoMatch {
		t.Errorf("outcomes: %v %v", d.Reasons[2].Outcome, d.Reasons[0].Outcome)
	}
}
