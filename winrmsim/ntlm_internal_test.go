package winrmsim

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bodgit/ntlmssp"
)

// handshake runs bodgit/ntlmssp's client (masterzen's Encryption and the
// backend use it) against newChallenge/verify and returns both sides.
func handshake(t testing.TB, user, domain, password string, tamper func(type3 []byte)) (*ntlmssp.Client, ntlmResult, error) {
	t.Helper()
	c, err := ntlmssp.NewClient(ntlmssp.SetUserInfo(user, password), ntlmssp.SetDomain(domain), ntlmssp.SetVersion(ntlmssp.DefaultVersion()))
	if err != nil {
		t.Fatal(err)
	}
	m1, err := c.Authenticate(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	neg, err := parseNegotiate(m1)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := newChallenge(neg, "WINSRV01", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	m3, err := c.Authenticate(ch.msg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tamper != nil {
		tamper(m3)
	}
	am, err := parseAuthenticate(m3)
	if err != nil {
		return c, ntlmResult{}, err
	}
	res, err := ch.verify(am, func(_, name string) (string, string, bool) {
		if name == "alice" || name == "ALICE" {
			return "alice", "S3cret!", true
		}
		return "", "", false
	})
	return c, res, err
}

func TestNTLMVerify(t *testing.T) {
	tests := []struct {
		name, user, domain, password string
		tamper                       func([]byte)
		ok                           bool
	}{
		{"right password", "alice", "", "S3cret!", nil, true},
		{"any domain", "ALICE", "CONTOSO", "S3cret!", nil, true},
		{"wrong password", "alice", "", "wrong", nil, false},
		{"unknown user", "bob", "", "S3cret!", nil, false},
		{"MIC tampered", "alice", "", "S3cret!", func(m []byte) { m[80] ^= 1 }, false},
		{"flags tampered (MIC covers them)", "alice", "", "S3cret!", func(m []byte) { m[62] ^= 0x08 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, res, err := handshake(t, tt.user, tt.domain, tt.password, tt.tamper)
			if tt.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, errNTLMRefused) {
				t.Fatalf("err = %v, want errNTLMRefused", err)
			}
			if tt.ok && (res.user != "alice" || !res.sec.canSeal()) {
				t.Fatalf("result %+v", res)
			}
		})
	}
}

// frame builds a request body as masterzen/pywinrm do.
func frame(sealed, sig []byte, length int) []byte {
	var b bytes.Buffer
	b.WriteString(sealBoundary + "\tContent-Type: " + sealProtocol + "\r\n")
	b.WriteString("\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=" + strconv.Itoa(length) + "\r\n")
	b.WriteString(sealBoundary + sealOctetHeader)
	b.Write([]byte{byte(len(sig)), 0, 0, 0})
	b.Write(sig)
	b.Write(sealed)
	b.WriteString(sealEnd)
	return b.Bytes()
}

// TestClientSendsMIC makes sure the MIC check is exercised: bodgit (as
// Windows clients) announces one because the target info has a timestamp.
func TestClientSendsMIC(t *testing.T) {
	var sent bool
	_, _, err := handshake(t, "alice", "", "S3cret!", func(m []byte) {
		am, err := parseAuthenticate(m)
		sent = err == nil && len(am.nt) > 44 && micSent(am.nt[44:])
	})
	if err != nil || !sent {
		t.Fatalf("err %v, MIC sent %v", err, sent)
	}
}

func TestSealBothWays(t *testing.T) {
	c, res, err := handshake(t, "alice", "", "S3cret!", nil)
	if err != nil {
		t.Fatal(err)
	}
	cs := c.SecuritySession()
	for i, msg := range []string{"<env:Envelope>one</env:Envelope>", "two --Encrypted Boundary\r\n inside", ""} {
		sealed, sig, err := cs.Wrap([]byte(msg))
		if err != nil {
			t.Fatal(err)
		}
		got, err := res.sec.unsealBody(frame(sealed, sig, len(msg)))
		if err != nil || string(got) != msg {
			t.Fatalf("request %d: %q %v", i, got, err)
		}
		reply := []byte("reply " + msg)
		length, rsig, rsealed, err := sealParts(res.sec.sealBody(reply))
		if err != nil || length != len(reply) {
			t.Fatalf("reply %d framing: %d %v", i, length, err)
		}
		plain, err := cs.Unwrap(rsealed, rsig)
		if err != nil || !bytes.Equal(plain, reply) {
			t.Fatalf("reply %d: client unwrap %q %v", i, plain, err)
		}
	}
}

func TestUnsealRefuses(t *testing.T) {
	tests := []struct {
		name string
		mod  func(sealed, sig []byte) []byte
	}{
		{"body bit flipped", func(sealed, sig []byte) []byte { sealed[3] ^= 1; return frame(sealed, sig, len(sealed)) }},
		{"signature bit flipped", func(sealed, sig []byte) []byte { sig[5] ^= 1; return frame(sealed, sig, len(sealed)) }},
		{"length mismatch", func(sealed, sig []byte) []byte { return frame(sealed, sig, len(sealed)+1) }},
		{"no closing boundary", func(sealed, sig []byte) []byte {
			return bytes.TrimSuffix(frame(sealed, sig, len(sealed)), []byte(sealEnd))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, res, err := handshake(t, "alice", "", "S3cret!", nil)
			if err != nil {
				t.Fatal(err)
			}
			sealed, sig, err := c.SecuritySession().Wrap([]byte("<env:Envelope>payload</env:Envelope>"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := res.sec.unsealBody(tt.mod(sealed, sig)); !errors.Is(err, errSealed) {
				t.Fatalf("err = %v, want errSealed", err)
			}
		})
	}
	// A replayed message fails on its sequence number.
	c, res, err := handshake(t, "alice", "", "S3cret!", nil)
	if err != nil {
		t.Fatal(err)
	}
	sealed, sig, _ := c.SecuritySession().Wrap([]byte("once"))
	body := frame(sealed, sig, 4)
	if _, err := res.sec.unsealBody(body); err != nil {
		t.Fatal(err)
	}
	if _, err := res.sec.unsealBody(body); !errors.Is(err, errSealed) {
		t.Fatalf("replay: err = %v", err)
	}
}

// TestNTLMScheme: "Authorization: NTLM <token>" works like Negotiate and the
// challenge comes back under the same scheme; a SPNEGO token is refused.
func TestNTLMScheme(t *testing.T) {
	s, err := NewServer(Config{Users: map[string]string{"alice": "S3cret!"}, Auth: []string{"ntlm"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tr := &http.Transport{MaxConnsPerHost: 1}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	post := func(auth string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, s.URL(), nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	c, err := ntlmssp.NewClient(ntlmssp.SetUserInfo("alice", "S3cret!"), ntlmssp.SetVersion(ntlmssp.DefaultVersion()))
	if err != nil {
		t.Fatal(err)
	}
	m1, _ := c.Authenticate(nil, nil)
	r := post("NTLM " + base64.StdEncoding.EncodeToString(m1))
	challenge, ok := strings.CutPrefix(r.Header.Get("WWW-Authenticate"), "NTLM ")
	if r.StatusCode != http.StatusUnauthorized || !ok {
		t.Fatalf("NEGOTIATE: %d %q", r.StatusCode, r.Header.Get("WWW-Authenticate"))
	}
	m2, err := base64.StdEncoding.DecodeString(challenge)
	if err != nil {
		t.Fatal(err)
	}
	m3, err := c.Authenticate(m2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := post("NTLM " + base64.StdEncoding.EncodeToString(m3)); r.StatusCode != http.StatusOK {
		t.Fatalf("AUTHENTICATE: %d", r.StatusCode)
	}
	// SPNEGO NegTokenInit (ASN.1 application tag 0x60) is not built.
	if r := post("Negotiate YIIBhgYGKwYBBQUCoIIBejCCAXagMDAuBgorBgEEAYI3AgIKBgkqhkiC9xIBAgIGCSqGSIb3EgECAgYKKwYBBAGCNwICHg=="); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("SPNEGO token: %d", r.StatusCode)
	}
}
