package authz

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestExampleRulesFile loads configs/AuthorizationRules.xml so the example
// never rots, and checks it means what its names say.
func TestExampleRulesFile(t *testing.T) {
	s, err := OpenStore(StoreConfig{Path: "../configs/AuthorizationRules.xml", Options: testOpts})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		req  Request
		want []int
	}{
		{"anyone to PswaEndpoint", Request{Caller: caller(`EXAMPLE\x`), Target: Target{Name: "db1"}, Configuration: "PswaEndpoint"}, []int{0}},
		{"admin anywhere", Request{Caller: caller(`EXAMPLE\x`, `EXAMPLE\Admins`), Target: Target{Name: "db1"}}, []int{1}},
		{"helpdesk to a web server", Request{Caller: caller(`EXAMPLE\x`, `EXAMPLE\Helpdesk`),
			Target: Target{Name: "web1", Groups: []Principal{{Name: `EXAMPLE\WebServers`}}}}, []int{2}},
		{"helpdesk elsewhere", Request{Caller: caller(`EXAMPLE\x`, `EXAMPLE\Helpdesk`), Target: Target{Name: "db1"}}, []int{}},
		{"demo user on the gateway", Request{Caller: caller(`.\demo`), Target: Target{Name: "pswaserver.example.test"}}, []int{3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, ids(s.Decide(tc.req).Matched)); diff != "" {
				t.Errorf("matched (-want +got):\n%s", diff)
			}
		})
	}
}
