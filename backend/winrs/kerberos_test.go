//go:build unix

package winrs

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/psgate/psgate/backend/wsman"

	"github.com/psgate/psgate/internal/testenv"
	"github.com/psgate/psgate/winrmsim"
)

// The Kerberos path against the real KDC of the Samba AD test domain
// (deploy/testenv/samba-ad.sh): the backend's Kerberos transport
// (kerberos.go) gets a ticket for HTTP/winsrv01.example.test from the KDC on
// 127.0.0.1:88 and the simulator verifies each request's AP-REQ with that
// SPN's keytab, exported from Samba.

const (
	krbAccount = "svc-winsrv01"
	krbSPN     = "HTTP/winsrv01.example.test"
)

// sambaKerberos skips (fails with PSGATE_TEST_REQUIRE=1) without the Samba
// test domain.
func sambaKerberos(t testing.TB) *testenv.Kerberos {
	t.Helper()
	return testenv.SambaKerberos(t, krbAccount, krbSPN)
}

// krbTarget starts a Kerberos-only simulator over HTTPS with the SPN's
// keytab and returns a backend Config for alice that reaches it by address
// (the name winsrv01.example.test resolves nowhere) with the SPN set.
func krbTarget(t testing.TB, k *testenv.Kerberos) (*winrmsim.Server, Config) {
	t.Helper()
	return krbTargetWith(t, k, winrmsim.Config{TLS: true})
}

// krbTargetWith is krbTarget with the simulator's TLS and Unencrypted
// settings taken from sim.
func krbTargetWith(t testing.TB, k *testenv.Kerberos, sim winrmsim.Config) (*winrmsim.Server, Config) {
	t.Helper()
	s, err := winrmsim.NewServer(winrmsim.Config{
		Users:       map[string]string{"alice": "unused-with-kerberos"},
		Auth:        []string{"kerberos"},
		Keytab:      k.Keytab,
		Realm:       k.Realm,
		TLS:         sim.TLS,
		Unencrypted: sim.Unencrypted,
		Logger:      slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, Config{Endpoint: wsman.Endpoint{Host: s.Host(), Port: s.Port(), HTTPS: sim.TLS, CACertPEM: s.CertPEM(), Auth: "kerberos",
		Realm: k.Realm, KrbConf: k.Krb5Conf, SPN: k.SPN,
		Username: "alice", Password: k.UserPassword, ConnectTimeout: 10 * time.Second, OperationTimeout: 2 * time.Second}}
}

func TestKerberosSambaConsole(t *testing.T) {
	k := sambaKerberos(t)
	s, cfg := krbTarget(t, k)
	c, rec := startSim(t, cfg)
	out, ev := run(t, c, rec, "Write-Output 'hello'")
	if ev.Kind != Prompt || !ev.Success || out[StreamStdout] != "hello\r\n" {
		t.Fatalf("got %q %+v", out, ev)
	}
	out, ev = run(t, c, rec, "whoami")
	if ev.Kind != Prompt || !ev.Success || out[StreamStdout] != "winsrv01\\alice\r\n" {
		t.Fatalf("whoami: got %q %+v", out, ev)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if n := s.OpenShells(); n != 0 {
		t.Fatalf("%d shells open after Close", n)
	}
}

func TestKerberosSambaWrongPassword(t *testing.T) {
	k := sambaKerberos(t)
	s, cfg := krbTarget(t, k)
	cfg.Password = "not-" + k.UserPassword
	_, err := Start(context.Background(), cfg, func(Event) {})
	if !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("Start with a wrong password: %v, want ErrInvalidCredentials", err)
	}
	t.Logf("wrong password: %v", err)
	if n := s.OpenShells(); n != 0 {
		t.Fatalf("%d shells open", n)
	}
}

func TestKerberosSambaUnknownSPN(t *testing.T) {
	k := sambaKerberos(t)
	_, cfg := krbTarget(t, k)
	cfg.SPN = "HTTP/nosuchhost.example.test"
	_, err := Start(context.Background(), cfg, func(Event) {})
	if !errors.Is(err, ErrUnknownComputer) {
		t.Fatalf("Start with an unknown SPN: %v, want ErrUnknownComputer", err)
	}
	t.Logf("unknown SPN: %v", err)
}

// A ticket for a service whose key the target does not hold (the KDC knows
// the SPN, the target's keytab is another's) is refused by the target: 401.
func TestKerberosSambaWrongServiceKey(t *testing.T) {
	k := sambaKerberos(t)
	_, cfg := krbTarget(t, k)
	cfg.SPN = "HOST/dc1.example.test" // the DC's own SPN: its key is not in the keytab
	_, err := Start(context.Background(), cfg, func(Event) {})
	if !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("Start with another service's ticket: %v, want ErrInvalidCredentials (401)", err)
	}
	t.Logf("another service's ticket: %v", err)
}

// The Kerberos transport has no message encryption, so over plain HTTP
// the body goes in clear: a target with Windows' default
// AllowUnencrypted=false refuses it (401, ErrInvalidCredentials), one with
// AllowUnencrypted=true serves it.
func TestKerberosSambaPlainHTTP(t *testing.T) {
	k := sambaKerberos(t)
	_, cfg := krbTargetWith(t, k, winrmsim.Config{})
	if _, err := Start(context.Background(), cfg, func(Event) {}); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("AllowUnencrypted=false: %v, want ErrInvalidCredentials", err)
	}
	_, cfg = krbTargetWith(t, k, winrmsim.Config{Unencrypted: winrmsim.UnencryptedAllowed})
	c, rec := startSim(t, cfg)
	if out, ev := run(t, c, rec, "Write-Output 'clear'"); ev.Kind != Prompt || !ev.Success || out[StreamStdout] != "clear\r\n" {
		t.Fatalf("AllowUnencrypted=true: got %q %+v", out, ev)
	}
}

// No KDC answers (a closed port on 127.0.0.1): no logon servers, not an
// unreachable target. Needs no Samba.
func TestKerberosNoKDC(t *testing.T) {
	_, cfg := simTarget(t, "kerberos", true)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	kdc := l.Addr().String()
	l.Close() // nothing listens there now
	cfg.Realm, cfg.SPN = "EXAMPLE.TEST", "HTTP/winsrv01.example.test"
	cfg.KrbConf = filepath.Join(t.TempDir(), "krb5.conf")
	if err := os.WriteFile(cfg.KrbConf, []byte(testenv.Krb5Conf(cfg.Realm, kdc)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Start(context.Background(), cfg, func(Event) {})
	if !errors.Is(err, ErrNoLogonServers) {
		t.Fatalf("Start without a KDC: %v, want ErrNoLogonServers", err)
	}
	t.Logf("no KDC: %v", err)
}

// BenchmarkKerberosSambaRoundTrip is one command (input line -> prompt)
// through the console with Kerberos over HTTPS against the Samba KDC, next to
// Basic over HTTPS. The console logs in once; each request carries a new
// AP-REQ for the cached ticket (masterzen's ClientKerberos, used before,
// ran an AS and a TGS exchange for every request: ~28 ms per round trip).
func BenchmarkKerberosSambaRoundTrip(b *testing.B) {
	k := sambaKerberos(b)
	_, krb := krbTarget(b, k)
	_, basic := simTarget(b, "basic", true)
	benchRoundTrips(b, []namedConfig{{"basic-https", basic}, {"kerberos-https", krb}})
}
