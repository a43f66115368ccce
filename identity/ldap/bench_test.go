package ldap

import "testing"

// BenchmarkAuthenticate: full sign-ins (dial, StartTLS with the pinned CA,
// bind as the user, read the user and its transitive groups) per second.
func BenchmarkAuthenticate(b *testing.B) {
	for _, tc := range []struct {
		name string
		get  func(testing.TB) *server
		user string
	}{{"samba", samba, `EXAMPLE\bob`}, {"slapd", slapd, "bob"}} {
		b.Run(tc.name, func(b *testing.B) {
			s := tc.get(b)
			d := s.open(b, s.config())
			ctx := ctxT(b)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := d.Authenticate(ctx, tc.user, pw); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signins/s")
		})
	}
}
