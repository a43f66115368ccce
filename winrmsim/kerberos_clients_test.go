//go:build unix

package winrmsim_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/spnego"

	"github.com/psgate/psgate/internal/testenv"
	"github.com/psgate/psgate/winrmsim"
)

// sambaClientEnv prepares the Samba KDC fixture and an environment whose
// KRB5_CONFIG points at it; it skips (fails with PSGATE_TEST_REQUIRE=1)
// without the Samba test domain.
func sambaClientEnv(t *testing.T) (*testenv.Kerberos, []string) {
	t.Helper()
	k := testenv.SambaKerberos(t, "svc-winsrv01", krbSPN)
	return k, append(os.Environ(), "KRB5_CONFIG="+k.Krb5Conf)
}

// kinitScript gets alice's TGT into a credential cache with Samba's own
// Kerberos library (samba.credentials), as no kinit is installed.
const kinitScript = `
import sys
from samba.credentials import Credentials
from samba.param import LoadParm
realm, user, pw, ccache = sys.argv[1:5]
lp = LoadParm()
lp.set("realm", realm)
c = Credentials()
c.guess(lp)
c.set_username(user)
c.set_password(pw)
c.set_realm(realm)
c.get_named_ccache(lp, "FILE:" + ccache)
`

// TestKerberosSambaCurl checks the simulator's Kerberos acceptor against an
// independent initiator: curl --negotiate over MIT's GSS-API with a TGT from
// the Samba KDC (tokens built by another implementation than gokrb5's).
// curl reads WWW-Authenticate only on a 401, so it does not check the
// mutual-authentication reply (TestKerberosSambaGensec does).
func TestKerberosSambaCurl(t *testing.T) {
	k, env := sambaClientEnv(t)
	if out, err := exec.Command("curl", "-V").Output(); err != nil || !strings.Contains(string(out), "SPNEGO") {
		testenv.SkipOrFail(t, "curl with SPNEGO not available: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ccache := filepath.Join(t.TempDir(), "ccache")
	env = append(env, "KRB5CCNAME=FILE:"+ccache)
	kinit := exec.CommandContext(ctx, "/usr/bin/python3", "-c", kinitScript, k.Realm, "alice", k.UserPassword, ccache)
	kinit.Env = env
	if out, err := kinit.CombinedOutput(); err != nil {
		t.Fatalf("kinit alice with samba.credentials: %v\n%s", err, out)
	}
	for _, tt := range []struct {
		name string
		user string // simulator's Users key
		want string
	}{{"accepted", "alice", "200"}, {"unknown user", "bob", "401"}} {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := krbSim(t, winrmsim.Config{Keytab: k.Keytab, Unencrypted: winrmsim.UnencryptedAllowed,
				Users: map[string]string{tt.user: "unused"}})
			u, err := url.Parse(s.URL())
			if err != nil {
				t.Fatal(err)
			}
			host := "winsrv01.example.test" // curl asks for HTTP@<URL host>
			curl := exec.CommandContext(ctx, "curl", "-sS", "-v", "--negotiate", "-u", ":", "-X", "POST", "-d", "",
				"--resolve", host+":"+u.Port()+":127.0.0.1", "-o", "/dev/null", "-w", "%{http_code}",
				"http://"+host+":"+u.Port()+u.Path)
			curl.Env = env
			var stderr strings.Builder
			curl.Stderr = &stderr
			out, err := curl.Output()
			if err != nil || string(out) != tt.want {
				t.Fatalf("curl: %v, status %q, want %s\n%s", err, out, tt.want, stderr.String())
			}
			if tt.want == "200" && !strings.Contains(strings.ToLower(stderr.String()), "< www-authenticate: negotiate ") {
				t.Fatalf("no mutual-authentication reply:\n%s", stderr.String())
			}
		})
	}
}

// TestKerberosSambaGensec is Samba's own client (gensec SPNEGO over its
// Heimdal krb5 mechanism, mutual authentication on): the simulator's
// NegTokenResp and AP-REP must complete its security context.
func TestKerberosSambaGensec(t *testing.T) {
	k, env := sambaClientEnv(t)
	s, _ := krbSim(t, winrmsim.Config{Keytab: k.Keytab, Unencrypted: winrmsim.UnencryptedAllowed})
	py := exec.Command("/usr/bin/python3", "testdata/gensec_check.py", s.URL(), k.Realm, "alice", k.UserPassword, "winsrv01.example.test")
	py.Env = env
	out, err := py.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "\nOK\n") {
		t.Fatalf("gensec client: %v\n%s", err, out)
	}
}

// BenchmarkKerberosSambaRequest is one authenticated request (an empty POST
// over HTTPS) with a fresh AP-REQ from a gokrb5 client that logged in once
// and keeps its service ticket ("cached"), next to what masterzen's
// ClientKerberos does for every request: a new client, an AS and a TGS
// exchange with the Samba KDC, then the AP-REQ ("login-per-request").
func BenchmarkKerberosSambaRequest(b *testing.B) {
	k := testenv.SambaKerberos(b, "svc-winsrv01", krbSPN)
	conf, err := config.Load(k.Krb5Conf)
	if err != nil {
		b.Fatal(err)
	}
	s, err := winrmsim.NewServer(winrmsim.Config{Users: map[string]string{"alice": "unused"}, Auth: []string{"kerberos"},
		Keytab: k.Keytab, TLS: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CertPEM())
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	defer hc.CloseIdleConnections()
	request := func(b *testing.B, cl *client.Client) {
		req, err := http.NewRequest(http.MethodPost, s.URL(), nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := spnego.SetSPNEGOHeader(cl, req, krbSPN); err != nil {
			b.Fatal(err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.Run("cached", func(b *testing.B) {
		cl := client.NewWithPassword("alice", k.Realm, k.UserPassword, conf, client.DisablePAFXFAST(true))
		defer cl.Destroy()
		request(b, cl)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			request(b, cl)
		}
	})
	b.Run("login-per-request", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			cl := client.NewWithPassword("alice", k.Realm, k.UserPassword, conf,
				client.DisablePAFXFAST(true), client.AssumePreAuthentication(true))
			request(b, cl)
			cl.Destroy()
		}
	})
}
