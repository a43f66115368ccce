package authz

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDecideAgreesWithExplain checks on random rules and requests that the
// indexed Decide finds exactly what the full scan of Explain finds.
func TestDecideAgreesWithExplain(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	users := []string{`*`, `D\u1`, `D\u2`, `.\u3`, `g:D\g1`, `g:D\g2`, `g:` + helpSID, aliceSID}
	dests := []string{`*`, `srv1`, `srv1.d.test`, `10.0.0.1`, `localhost`, `cg:D\cg1`, srv2SID, `cg:` + webSrvsSID}
	cfgs := []string{`*`, ``, `Microsoft.PowerShell`, `E1`}
	for round := range 200 {
		var rs []Rule
		for i := range 1 + rng.IntN(120) {
			rs = append(rs, rule(i, pick(users...)+"|"+pick(dests...)+"|"+pick(cfgs...)))
		}
		p := NewPolicy(rs, testOpts)
		for range 20 {
			c := caller(pick(`D\u1`, `D\u2`, `PSWASERVER\u3`, `X\y`), pick(`D\g1`, `D\g2`, `D\g3`))
			if rng.IntN(2) == 0 {
				c.SID, c.Groups[0].SID, c.Resolved = aliceSID, helpSID, true
			}
			tg := Target{Name: pick("srv1", "SRV1.d.test.", "10.0.0.1", "localhost", "other"),
				Groups: []Principal{{Name: pick(`D\cg1`, `D\cg2`)}}}
			if rng.IntN(2) == 0 {
				tg.SID, tg.Resolved = srv2SID, true
				tg.Groups[0].SID = webSrvsSID
			}
			req := Request{Caller: c, Target: tg, Configuration: pick("", "E1", "e2"),
				AnyUser: rng.IntN(8) == 0, AnyTarget: rng.IntN(8) == 0, AnyConfiguration: rng.IntN(8) == 0}
			d, e := p.Decide(req), p.Explain(req)
			e.Reasons = nil
			if diff := cmp.Diff(e, d); diff != "" {
				t.Fatalf("round %d: Decide differs from Explain for %s (-explain +decide):\n%s", round, fmt.Sprint(req), diff)
			}
		}
	}
}
