package winrmsim_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	azntlm "github.com/Azure/go-ntlmssp"
	"github.com/masterzen/winrm"

	"github.com/psgate/psgate/winrmsim"
)

// newNTLMSim starts a simulator with Negotiate and Basic.
func newNTLMSim(t testing.TB, tls bool, unenc winrmsim.Unencrypted) *winrmsim.Server {
	t.Helper()
	s, err := winrmsim.NewServer(winrmsim.Config{Users: map[string]string{"alice": "S3cret!"},
		Auth: []string{"negotiate", "basic"}, TLS: tls, Unencrypted: unenc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// masterzenWith builds a masterzen client over the given transport.
func masterzenWith(t testing.TB, s *winrmsim.Server, tls bool, user, pass string, tr func() winrm.Transporter) *winrm.Client {
	t.Helper()
	ep := winrm.NewEndpoint(s.Host(), s.Port(), tls, false, s.CertPEM(), nil, nil, 10*time.Second)
	p := *winrm.DefaultParameters
	p.TransportDecorator = tr
	c, err := winrm.NewClientWithParameters(ep, user, pass, &p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ntlmTransport() winrm.Transporter { return &winrm.ClientNTLM{} }

func encryptedTransport(t testing.TB) func() winrm.Transporter {
	return func() winrm.Transporter {
		e, err := winrm.NewEncryption("ntlm")
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
}

// checkCommands runs a cmd-shell table (echo, exit code, unknown command), and a
// stdin round trip unless the client cannot (masterzen's Encryption shares
// its NTLM state between the concurrent Send and Receive, masterzen#142).
func checkCommands(t *testing.T, s *winrmsim.Server, c *winrm.Client, stdin bool) {
	t.Helper()
	tests := []struct {
		cmd            string
		stdout, stderr string
		code           int
	}{
		{"cmd /c echo hi", "hi\r\n", "", 0},
		{"cmd /c exit 7", "", "", 7},
		{"nosuch", "", "'nosuch' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n", 1},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code, err := c.RunWithContext(context.Background(), tt.cmd, &out, &errb)
		if err != nil {
			t.Fatalf("%s: %v", tt.cmd, err)
		}
		if out.String() != tt.stdout || errb.String() != tt.stderr || code != tt.code {
			t.Fatalf("%s: got %q %q %d, want %q %q %d", tt.cmd, out.String(), errb.String(), code, tt.stdout, tt.stderr, tt.code)
		}
	}
	if stdin {
		out, _, code, err := c.RunWithContextWithString(context.Background(), "powershell.exe -Command -", "Write-Output line1\r\n")
		if err != nil || !strings.Contains(out, "line1") || code != 0 {
			t.Fatalf("stdin: %q %d %v", out, code, err)
		}
	}
	if n := s.OpenShells(); n != 0 {
		t.Fatalf("open shells after run: %d", n)
	}
}

func TestMasterzenNTLM(t *testing.T) {
	tests := []struct {
		name  string
		tls   bool
		unenc winrmsim.Unencrypted
		user  string
	}{
		{"over https", true, winrmsim.UnencryptedBasicOnly, "alice"},
		{"over http with AllowUnencrypted", false, winrmsim.UnencryptedAllowed, `WINSRV01\Alice`},
		{"any domain", false, winrmsim.UnencryptedAllowed, `SOMEDOMAIN\alice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newNTLMSim(t, tt.tls, tt.unenc)
			// No stdin round trip: masterzen sends stdin and receives output
			// concurrently, and go-ntlmssp's Negotiator does each handshake
			// leg as a separate pooled request, so under load the second
			// connection's Type 1 and Type 3 can travel on different TCP
			// connections and fail with 401 — against Windows too, whose NTLM
			// state is per connection as here. The product's backend pins
			// its handshakes to one connection (gateway/winrs
			// TestSimNTLMSealed covers stdin over NTLM).
			checkCommands(t, s, masterzenWith(t, s, tt.tls, tt.user, "S3cret!", ntlmTransport), false)
		})
	}
}

func TestMasterzenNTLMEncrypted(t *testing.T) {
	s := newNTLMSim(t, false, winrmsim.UnencryptedBasicOnly)
	checkCommands(t, s, masterzenWith(t, s, false, `DOMAIN\alice`, "S3cret!", encryptedTransport(t)), false)
}

func TestMasterzenNTLMRefused(t *testing.T) {
	tests := []struct {
		name string
		tls  bool
		pass string
		tr   func() winrm.Transporter
		want string
	}{
		{"wrong password", true, "wrong", ntlmTransport, "401"},
		{"wrong password, encrypted", false, "wrong", encryptedTransport(t), "401"},
		// AllowUnencrypted=false (the default): NTLM without sealing over plain HTTP is refused.
		{"unsealed over http", false, "S3cret!", ntlmTransport, "401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newNTLMSim(t, tt.tls, winrmsim.UnencryptedBasicOnly)
			c := masterzenWith(t, s, tt.tls, "alice", tt.pass, tt.tr)
			_, err := c.RunWithContext(context.Background(), "cmd /c echo hi", &bytes.Buffer{}, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %s", err, tt.want)
			}
		})
	}
}

// TestNTLMBoundToConnection: after the handshake the connection is
// trusted without an Authorization header; a second TCP connection is not.
func TestNTLMBoundToConnection(t *testing.T) {
	s := newNTLMSim(t, false, winrmsim.UnencryptedAllowed)
	post := func(c *http.Client, basic bool) *http.Response {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, s.URL(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if basic {
			req.SetBasicAuth("alice", "S3cret!") // the Negotiator turns this into NTLM
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	tr1 := &http.Transport{MaxConnsPerHost: 1}
	defer tr1.CloseIdleConnections()
	if r := post(&http.Client{Transport: azntlm.Negotiator{RoundTripper: tr1}}, true); r.StatusCode != http.StatusOK {
		t.Fatalf("handshake: %d", r.StatusCode)
	}
	if r := post(&http.Client{Transport: tr1}, false); r.StatusCode != http.StatusOK {
		t.Fatalf("same connection without Authorization: %d, want 200", r.StatusCode)
	}
	tr2 := &http.Transport{}
	defer tr2.CloseIdleConnections()
	r := post(&http.Client{Transport: tr2}, false)
	if r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("second connection without Authorization: %d, want 401", r.StatusCode)
	}
	if got := r.Header.Values("WWW-Authenticate"); len(got) != 2 || got[0] != "Negotiate" || got[1] != `Basic realm="WSMAN"` {
		t.Fatalf("WWW-Authenticate %q", got)
	}
}

func TestUnauthorizedSchemes(t *testing.T) {
	tests := []struct {
		auth []string
		want []string
	}{
		{[]string{"basic"}, []string{`Basic realm="WSMAN"`}},
		{[]string{"ntlm"}, []string{"Negotiate"}},
		{[]string{"negotiate", "basic"}, []string{"Negotiate", `Basic realm="WSMAN"`}},
	}
	for _, tt := range tests {
		s, err := winrmsim.NewServer(winrmsim.Config{Users: map[string]string{"a": "b"}, Auth: tt.auth})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Post(s.URL(), "application/soap+xml", strings.NewReader(""))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got := resp.Header.Values("WWW-Authenticate")
		if resp.StatusCode != http.StatusUnauthorized || strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("auth %v: %d %q, want 401 %q", tt.auth, resp.StatusCode, got, tt.want)
		}
		s.Close()
	}
}

func TestBasicRefusedWhenUnencryptedRefused(t *testing.T) {
	s, err := winrmsim.NewServer(winrmsim.Config{Users: map[string]string{"alice": "pw"}, Unencrypted: winrmsim.UnencryptedRefused})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ep := winrm.NewEndpoint(s.Host(), s.Port(), false, false, nil, nil, nil, 10*time.Second)
	c, err := winrm.NewClient(ep, "alice", "pw")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.RunWithContext(context.Background(), "cmd /c echo hi", &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
		t.Fatal("Basic over plain HTTP served with UnencryptedRefused")
	}
}

// BenchmarkMasterzenRoundTrip is one RunWithContext (Create, Command,
// Receive, Signal, Delete) per op over plain HTTP: Basic, NTLM without
// sealing (AllowUnencrypted), and NTLM with message encryption (masterzen's
// Encryption runs a fresh three-leg handshake before every Post).
func BenchmarkMasterzenRoundTrip(b *testing.B) {
	tests := []struct {
		name  string
		unenc winrmsim.Unencrypted
		tr    func() winrm.Transporter
	}{
		{"basic", winrmsim.UnencryptedBasicOnly, func() winrm.Transporter { return winrm.NewClientWithDial(nil) }},
		{"ntlm", winrmsim.UnencryptedAllowed, ntlmTransport},
		{"ntlm-sealed", winrmsim.UnencryptedBasicOnly, encryptedTransport(b)},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			s := newNTLMSim(b, false, tt.unenc)
			c := masterzenWith(b, s, false, "alice", "S3cret!", tt.tr)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var out bytes.Buffer
				if code, err := c.RunWithContext(context.Background(), "cmd /c echo hi", &out, io.Discard); err != nil || code != 0 || out.String() != "hi\r\n" {
					b.Fatalf("%q %d %v", out.String(), code, err)
				}
			}
		})
	}
}
