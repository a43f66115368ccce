//go:build unix

package winrmsim_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	azntlm "github.com/Azure/go-ntlmssp"
	"github.com/jcmturner/gofork/encoding/asn1"
	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/iana/flags"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/spnego"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/psgate/psgate/internal/testenv"
	"github.com/psgate/psgate/winrmsim"
)

const (
	krbRealm = "EXAMPLE.TEST"
	krbSPN   = "HTTP/winsrv01.example.test"
)

// forgedKDC stands in for a KDC: it holds the service's key and issues
// tickets with it, so the simulator's Kerberos acceptor is tested without
// Samba (kerberos_samba_test below uses the real KDC).
type forgedKDC struct {
	kt    *keytab.Keytab
	bytes []byte
}

func newForgedKDC(t *testing.T) *forgedKDC {
	t.Helper()
	kt := keytab.New()
	if err := kt.AddEntry(krbSPN, krbRealm, "service-secret", time.Now(), 2, etypeID.AES256_CTS_HMAC_SHA1_96); err != nil {
		t.Fatal(err)
	}
	b, err := kt.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return &forgedKDC{kt: kt, bytes: b}
}

// ticket issues a ticket for spn to user@realm valid from start for an hour,
// encrypted with the key of kt (the KDC's view of the service).
func (k *forgedKDC) ticket(t *testing.T, kt *keytab.Keytab, user, realm, spn string, start time.Time) (messages.Ticket, types.EncryptionKey) {
	t.Helper()
	tkt, key, err := messages.NewTicket(types.NewPrincipalName(nametype.KRB_NT_PRINCIPAL, user), realm,
		types.NewPrincipalName(nametype.KRB_NT_SRV_INST, spn), krbRealm, types.NewKrbFlags(), kt,
		etypeID.AES256_CTS_HMAC_SHA1_96, 2, start, start, start.Add(time.Hour), start.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return tkt, key
}

// apReq is a GSS krb5 token (AP-REQ) for tkt from user@realm, with the
// mutual flag when mutual; it also returns the authenticator as sent.
func apReq(t *testing.T, user, realm string, tkt messages.Ticket, key types.EncryptionKey, mutual bool) ([]byte, types.Authenticator) {
	t.Helper()
	cl := client.NewWithPassword(user, realm, "unused", config.New())
	gss := []int{gssapi.ContextFlagInteg, gssapi.ContextFlagConf}
	var opts []int
	if mutual {
		gss = append(gss, gssapi.ContextFlagMutual)
		opts = append(opts, flags.APOptionMutualRequired)
	}
	tok, err := spnego.NewKRB5TokenAPREQ(cl, tkt, key, gss, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := tok.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := tok.APReq.DecryptAuthenticator(key); err != nil {
		t.Fatal(err)
	}
	return b, tok.APReq.Authenticator
}

// spnegoInit wraps a krb5 token in an SPNEGO NegTokenInit, as
// masterzen/gokrb5, Windows and pyspnego send it.
func spnegoInit(t *testing.T, krb5 []byte) []byte {
	t.Helper()
	st := spnego.SPNEGOToken{Init: true, NegTokenInit: spnego.NegTokenInit{
		MechTypes: []asn1.ObjectIdentifier{gssapi.OIDKRB5.OID()}, MechTokenBytes: krb5}}
	b, err := st.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func krbSim(t *testing.T, cfg winrmsim.Config) (*winrmsim.Server, *http.Client) {
	t.Helper()
	if cfg.Users == nil {
		cfg.Users = map[string]string{"alice": "unused"}
	}
	if cfg.Auth == nil {
		cfg.Auth = []string{"kerberos"}
	}
	cfg.Logger = slog.New(slog.DiscardHandler)
	s, err := winrmsim.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	hc := &http.Client{}
	if cfg.TLS {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(s.CertPEM())
		hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	}
	t.Cleanup(hc.CloseIdleConnections)
	return s, hc
}

// post sends an empty-bodied POST (the simulator answers 200 once
// authenticated) with the Authorization header.
func post(t *testing.T, hc *http.Client, url, authz string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// checkAPRep verifies a mutual-authentication reply: a krb5 AP-REP under
// the session key echoing the authenticator's time.
func checkAPRep(t *testing.T, krb5 []byte, key types.EncryptionKey, auth types.Authenticator) {
	t.Helper()
	var k spnego.KRB5Token
	if err := k.Unmarshal(krb5); err != nil {
		t.Fatalf("reply token: %v", err)
	}
	if !k.IsAPRep() {
		t.Fatal("reply token is not an AP-REP")
	}
	plain, err := crypto.DecryptEncPart(k.APRep.EncPart, key, keyusage.AP_REP_ENCPART)
	if err != nil {
		t.Fatalf("AP-REP not encrypted with the session key: %v", err)
	}
	var part messages.EncAPRepPart
	if err := part.Unmarshal(plain); err != nil {
		t.Fatal(err)
	}
	if !part.CTime.Equal(auth.CTime) || part.Cusec != auth.Cusec {
		t.Fatalf("AP-REP time %v/%d, authenticator %v/%d", part.CTime, part.Cusec, auth.CTime, auth.Cusec)
	}
}

func TestKerberosForged(t *testing.T) {
	kdc := newForgedKDC(t)
	now := time.Now().UTC()
	other := keytab.New() // a service key the simulator does not hold
	if err := other.AddEntry(krbSPN, krbRealm, "another-secret", now, 2, etypeID.AES256_CTS_HMAC_SHA1_96); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                string
		scheme              string // "Negotiate" (SPNEGO) or "Kerberos" (raw krb5)
		user, realm, spn    string
		kt                  *keytab.Keytab
		start               time.Time
		mutual              bool
		want                int
		simRealm            string
		rawUnderNegotiation bool
	}{
		{name: "negotiate", scheme: "Negotiate", want: 200},
		{name: "negotiate mutual", scheme: "Negotiate", mutual: true, want: 200},
		{name: "kerberos mutual", scheme: "Kerberos", mutual: true, want: 200},
		{name: "kerberos", scheme: "Kerberos", want: 200},
		{name: "raw krb5 under negotiate", scheme: "Negotiate", rawUnderNegotiation: true, want: 200},
		{name: "user case and realm", scheme: "Negotiate", user: "ALICE", simRealm: "example.test", want: 200},
		{name: "unknown user", scheme: "Negotiate", user: "bob", want: 401},
		{name: "other realm", scheme: "Negotiate", realm: "OTHER.TEST", simRealm: krbRealm, want: 401},
		{name: "service key not in keytab", scheme: "Negotiate", kt: other, want: 401},
		{name: "expired ticket", scheme: "Negotiate", start: now.Add(-3 * time.Hour), want: 401},
		{name: "service principal", scheme: "Kerberos", user: "HTTP/other.example.test", want: 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user, realm, kt, start := tt.user, tt.realm, tt.kt, tt.start
			if user == "" {
				user = "alice"
			}
			if realm == "" {
				realm = krbRealm
			}
			if kt == nil {
				kt = kdc.kt
			}
			if start.IsZero() {
				start = now
			}
			s, hc := krbSim(t, winrmsim.Config{Keytab: kdc.bytes, TLS: true, Realm: tt.simRealm})
			tkt, key := kdc.ticket(t, kt, user, realm, krbSPN, start)
			krb5, auth := apReq(t, user, realm, tkt, key, tt.mutual)
			tok := krb5
			if tt.scheme == "Negotiate" && !tt.rawUnderNegotiation {
				tok = spnegoInit(t, krb5)
			}
			resp := post(t, hc, s.URL(), tt.scheme+" "+base64.StdEncoding.EncodeToString(tok))
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
			hdr := resp.Header.Get("WWW-Authenticate")
			if tt.want == 401 {
				if got := resp.Header.Values("WWW-Authenticate"); strings.Join(got, ",") != "Negotiate,Kerberos" {
					t.Fatalf("401 WWW-Authenticate %q, want Negotiate and Kerberos", got)
				}
				return
			}
			if !tt.mutual {
				if hdr != "" {
					t.Fatalf("WWW-Authenticate %q without mutual authentication", hdr)
				}
				return
			}
			scheme, b64, _ := strings.Cut(hdr, " ")
			if scheme != tt.scheme {
				t.Fatalf("reply scheme %q, want %q", scheme, tt.scheme)
			}
			reply, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				t.Fatal(err)
			}
			if tt.scheme == "Negotiate" {
				var st spnego.SPNEGOToken
				if err := st.Unmarshal(reply); err != nil || !st.Resp {
					t.Fatalf("reply is not a NegTokenResp: %v", err)
				}
				if st.NegTokenResp.NegState != 0 || !st.NegTokenResp.SupportedMech.Equal(gssapi.OIDKRB5.OID()) {
					t.Fatalf("NegTokenResp state %d mech %v", st.NegTokenResp.NegState, st.NegTokenResp.SupportedMech)
				}
				reply = st.NegTokenResp.ResponseToken
			}
			checkAPRep(t, reply, key, auth)
		})
	}
}

// The same AP-REQ twice: the second is a replay (gokrb5's replay cache).
func TestKerberosReplay(t *testing.T) {
	kdc := newForgedKDC(t)
	s, hc := krbSim(t, winrmsim.Config{Keytab: kdc.bytes, TLS: true})
	tkt, key := kdc.ticket(t, kdc.kt, "alice", krbRealm, krbSPN, time.Now().UTC())
	krb5, _ := apReq(t, "alice", krbRealm, tkt, key, false)
	h := "Kerberos " + base64.StdEncoding.EncodeToString(krb5)
	if st := post(t, hc, s.URL(), h).StatusCode; st != 200 {
		t.Fatalf("first use: %d", st)
	}
	if st := post(t, hc, s.URL(), h).StatusCode; st != 401 {
		t.Fatalf("replay: %d, want 401", st)
	}
	// A fresh authenticator with the same ticket is fine (masterzen sends one per request).
	krb5, _ = apReq(t, "alice", krbRealm, tkt, key, false)
	if st := post(t, hc, s.URL(), "Kerberos "+base64.StdEncoding.EncodeToString(krb5)).StatusCode; st != 200 {
		t.Fatalf("new authenticator: %d", st)
	}
}

// Kerberos has no message encryption here: over plain HTTP it is served
// only with AllowUnencrypted (UnencryptedAllowed), as on Windows.
func TestKerberosUnencrypted(t *testing.T) {
	kdc := newForgedKDC(t)
	for _, tt := range []struct {
		policy winrmsim.Unencrypted
		want   int
	}{{winrmsim.UnencryptedBasicOnly, 401}, {winrmsim.UnencryptedRefused, 401}, {winrmsim.UnencryptedAllowed, 200}} {
		s, hc := krbSim(t, winrmsim.Config{Keytab: kdc.bytes, Unencrypted: tt.policy})
		tkt, key := kdc.ticket(t, kdc.kt, "alice", krbRealm, krbSPN, time.Now().UTC())
		krb5, _ := apReq(t, "alice", krbRealm, tkt, key, false)
		if st := post(t, hc, s.URL(), "Negotiate "+base64.StdEncoding.EncodeToString(spnegoInit(t, krb5))).StatusCode; st != tt.want {
			t.Fatalf("policy %d over http: %d, want %d", tt.policy, st, tt.want)
		}
	}
}

// With negotiate and kerberos both on, an NTLMSSP token under Negotiate
// still gets its NTLM CHALLENGE.
func TestKerberosAlongsideNTLM(t *testing.T) {
	kdc := newForgedKDC(t)
	s, hc := krbSim(t, winrmsim.Config{Keytab: kdc.bytes, Auth: []string{"negotiate", "kerberos"}})
	neg, err := azntlm.NewNegotiateMessage("", "")
	if err != nil {
		t.Fatal(err)
	}
	resp := post(t, hc, s.URL(), "Negotiate "+base64.StdEncoding.EncodeToString(neg))
	ch, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(resp.Header.Get("WWW-Authenticate"), "Negotiate "))
	if resp.StatusCode != 401 || err != nil || !strings.HasPrefix(string(ch), "NTLMSSP\x00\x02") {
		t.Fatalf("NTLM negotiate: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
}

func TestKerberosConfig(t *testing.T) {
	for name, kt := range map[string][]byte{"no keytab": nil, "not a keytab": []byte("garbage")} {
		_, err := winrmsim.NewServer(winrmsim.Config{Users: map[string]string{"alice": "x"}, Auth: []string{"kerberos"}, Keytab: kt})
		if !errors.Is(err, winrmsim.ErrConfig) {
			t.Errorf("%s: %v, want ErrConfig", name, err)
		}
	}
}

// A real ticket from the Samba KDC (deploy/testenv/samba-ad.sh), sent raw
// as "Kerberos" with mutual authentication; the AP-REP is checked.
func TestKerberosSambaTicket(t *testing.T) {
	k := testenv.SambaKerberos(t, "svc-winsrv01", krbSPN)
	conf, err := config.Load(k.Krb5Conf)
	if err != nil {
		t.Fatal(err)
	}
	cl := client.NewWithPassword("alice", k.Realm, k.UserPassword, conf, client.DisablePAFXFAST(true))
	defer cl.Destroy()
	if err := cl.Login(); err != nil {
		t.Fatalf("login alice@%s: %v", k.Realm, err)
	}
	tkt, key, err := cl.GetServiceTicket(krbSPN)
	if err != nil {
		t.Fatal(err)
	}
	s, hc := krbSim(t, winrmsim.Config{Keytab: k.Keytab, TLS: true, Realm: k.Realm})
	krb5, auth := apReq(t, "alice", k.Realm, tkt, key, true)
	resp := post(t, hc, s.URL(), "Kerberos "+base64.StdEncoding.EncodeToString(krb5))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	scheme, b64, _ := strings.Cut(resp.Header.Get("WWW-Authenticate"), " ")
	reply, err := base64.StdEncoding.DecodeString(b64)
	if scheme != "Kerberos" || err != nil {
		t.Fatalf("reply header %q", resp.Header.Get("WWW-Authenticate"))
	}
	checkAPRep(t, reply, key, auth)
}
