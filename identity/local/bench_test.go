package local

import (
	"path/filepath"
	"testing"
)

// BenchmarkAuthenticate measures sign-ins per second with the production
// argon2id parameters (DefaultParams) and bcrypt cost DefaultBcryptCost.
func BenchmarkAuthenticate(b *testing.B) {
	for _, alg := range []string{"argon2id", "bcrypt"} {
		b.Run(alg, func(b *testing.B) {
			s, err := New(Config{Path: filepath.Join(b.TempDir(), "u.yaml"), Create: true, Algorithm: alg})
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Add("alice", "correct horse", nil); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := s.Authenticate("alice", "correct horse"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signins/s")
		})
	}
}

// BenchmarkAuthenticateUnknownUser costs the same as a known user: the
// dummy hash hides which names exist.
func BenchmarkAuthenticateUnknownUser(b *testing.B) {
	s, err := New(Config{Path: filepath.Join(b.TempDir(), "u.yaml"), Create: true})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.Authenticate("mallory", "correct horse"); err == nil {
			b.Fatal("unknown user signed in")
		}
	}
}

// BenchmarkAuthenticateParallel: sign-ins per second on all cores; the
// semaphore (MaxConcurrent) bounds memory.
func BenchmarkAuthenticateParallel(b *testing.B) {
	s, err := New(Config{Path: filepath.Join(b.TempDir(), "u.yaml"), Create: true})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Add("alice", "correct horse", nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Authenticate("alice", "correct horse"); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signins/s")
}
