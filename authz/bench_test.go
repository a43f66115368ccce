package authz

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// synthRules builds n rules shaped like a large deployment: half per-user
// rules to one computer, a third group rules (2,000 groups) to a computer or
// computer group, a tenth SID rules as PSWA writes them, and a few
// everyone-rules to one computer or endpoint.
func synthRules(n int) []Rule {
	rs := make([]Rule, n)
	for i := range rs {
		r := Rule{ID: i, Name: fmt.Sprintf("rule %d", i), UserType: UserAccount,
			DestinationType: DestinationComputer, ConfigurationName: "PswaEndpoint"}
		switch m := i % 20; {
		case m < 10:
			r.User = fmt.Sprintf(`EXAMPLE\user%d`, i)
			r.Destination = fmt.Sprintf("srv%d.example.test", i%500)
		case m < 16:
			r.UserType, r.User = UserGroup, fmt.Sprintf(`EXAMPLE\group%d`, i%2000)
			r.Destination = fmt.Sprintf("srv%d.example.test", i%500)
			if m == 15 {
				r.DestinationType, r.Destination = DestinationComputerGroup, fmt.Sprintf(`EXAMPLE\servers%d`, i%50)
			}
		case m < 18:
			r.User = fmt.Sprintf("S-1-5-21-1004336348-1177238915-682003330-%d", 100000+i)
			r.Destination = fmt.Sprintf("S-1-5-21-1004336348-1177238915-682003330-%d", 500000+i%500)
			r.IsCanonicalDestinationSID = true
		default:
			r.UserType, r.User = UserAll, Wildcard
			r.Destination, r.ConfigurationName = fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), "*"
		}
		rs[i] = r
	}
	return rs
}

// benchRequests are signed-in users with 10 groups each, going to one of the
// rule computers, with SIDs as a domain gateway supplies them.
func benchRequests() []Request {
	var reqs []Request
	for k := range 64 {
		c := Caller{Principal: Principal{Name: fmt.Sprintf(`EXAMPLE\user%d`, k*40),
			SID: fmt.Sprintf("S-1-5-21-1004336348-1177238915-682003330-%d", 100000+k*40+16),
			DN:  fmt.Sprintf("CN=user%d,CN=Users,DC=example,DC=test", k*40), Aliases: []string{fmt.Sprintf("user%d@example.test", k*40)}},
			Resolved: true}
		for g := range 10 {
			c.Groups = append(c.Groups, Principal{Name: fmt.Sprintf(`EXAMPLE\group%d`, (k*37+g*191)%2000),
				SID: fmt.Sprintf("S-1-5-21-1004336348-1177238915-682003330-%d", 300000+g)})
		}
		reqs = append(reqs, Request{Caller: c, Configuration: "PswaEndpoint",
			Target: Target{Name: fmt.Sprintf("srv%d.example.test", (k*40)%500), Aliases: []string{fmt.Sprintf("srv%d", (k*40)%500)},
				SID: fmt.Sprintf("S-1-5-21-1004336348-1177238915-682003330-%d", 500000+k), Resolved: true,
				Groups: []Principal{{Name: fmt.Sprintf(`EXAMPLE\servers%d`, k%50)}}}})
	}
	return reqs
}

// timeDecisions runs decide b.N times, timing each call, and reports the
// median and 99th percentile besides Go's mean ns/op.
func timeDecisions(b *testing.B, decide func(Request) Decision) {
	reqs := benchRequests()
	lat := make([]time.Duration, 0, b.N)
	allowed := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		d := decide(reqs[i%len(reqs)])
		lat = append(lat, time.Since(t0))
		if d.Allowed {
			allowed++
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(allowed)/float64(b.N), "allowed/op")
}

func BenchmarkDecide(b *testing.B) {
	for _, n := range []int{10, 1000, 100000} {
		p := NewPolicy(synthRules(n), testOpts)
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) { timeDecisions(b, p.Decide) })
	}
}

// BenchmarkStoreDecide includes the stat of the rules file that notices
// changes, as the gateway calls it.
func BenchmarkStoreDecide(b *testing.B) {
	path := filepath.Join(b.TempDir(), "AuthorizationRules.xml")
	var buf bytes.Buffer
	if err := Encode(&buf, synthRules(100000)); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	s, err := OpenStore(StoreConfig{Path: path, Options: testOpts})
	if err != nil || s.Err() != nil {
		b.Fatal(err, s.Err())
	}
	b.Run("rules=100000", func(b *testing.B) { timeDecisions(b, s.Decide) })
}

// BenchmarkExplain is the admin's full scan with reasons.
func BenchmarkExplain(b *testing.B) {
	p := NewPolicy(synthRules(1000), testOpts)
	reqs := benchRequests()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p.Explain(reqs[i%len(reqs)])
	}
}

// BenchmarkLoad measures reading a 100,000-rule file: parse, validate, index.
func BenchmarkLoad(b *testing.B) {
	var buf bytes.Buffer
	if err := Encode(&buf, synthRules(100000)); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		rs, err := DecodeBytes(data)
		if err != nil {
			b.Fatal(err)
		}
		NewPolicy(rs, testOpts)
	}
}
