package gateway

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	h := SecurityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	for _, path := range []string{"/", "/missing", "/static/app.js"} {
		t.Run(path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
			want := map[string]string{
				"X-Frame-Options":        "DENY",
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "same-origin",
			}
			for k, v := range want {
				if got := rec.Header().Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			csp := rec.Header().Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("CSP %q", csp)
			}
			if !strings.HasPrefix(rec.Header().Get("Strict-Transport-Security"), "max-age=") {
				t.Error("no HSTS")
			}
			noStore := rec.Header().Get("Cache-Control") == "no-store"
			if noStore == strings.HasPrefix(path, "/static/") {
				t.Errorf("Cache-Control %q on %s", rec.Header().Get("Cache-Control"), path)
			}
		})
	}
}

func TestRealIPTrustsOnlyConfiguredProxies(t *testing.T) {
	proxies, err := ParseProxies([]string{"10.0.0.0/8", "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, remote, xff, want string
	}{
		{"no proxy", "203.0.113.5:1234", "", "203.0.113.5"},
		{"untrusted peer spoofs XFF", "203.0.113.5:1234", "1.2.3.4", "203.0.113.5"},
		{"trusted proxy", "10.1.1.1:1234", "198.51.100.7", "198.51.100.7"},
		{"chain: right-most untrusted", "10.1.1.1:1", "1.2.3.4, 198.51.100.7, 10.2.2.2", "198.51.100.7"},
		{"bare address proxy", "192.0.2.1:1", "198.51.100.9", "198.51.100.9"},
		{"garbage hop", "10.1.1.1:1", "1.2.3.4, evil", "10.1.1.1"},
		{"ipv4-mapped peer", "[::ffff:10.1.1.1]:1", "198.51.100.7", "198.51.100.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got ClientInfo
			h := RealIPMiddleware(proxies)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = Client(r.Context()) }))
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got.Addr != tt.want || got.XFF != tt.xff {
				t.Errorf("got %+v, want addr %q xff %q", got, tt.want, tt.xff)
			}
		})
	}
	if _, err := ParseProxies([]string{"nope"}); err == nil {
		t.Error("bad proxy accepted")
	}
}

func TestLimitBodyAndRecover(t *testing.T) {
	h := Recover(slog.New(slog.DiscardHandler))(LimitBody(16)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				http.Error(w, "too large", http.StatusRequestEntityTooLarge)
				return
			}
		}
		if r.URL.Path == "/panic" {
			panic("boom")
		}
	})))
	for _, tt := range []struct {
		path, body string
		want       int
	}{{"/", "small", 200}, {"/", strings.Repeat("x", 100), 413}, {"/panic", "", 500}} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", tt.path, strings.NewReader(tt.body)))
		if rec.Code != tt.want {
			t.Errorf("%s %d bytes: %d, want %d", tt.path, len(tt.body), rec.Code, tt.want)
		}
	}
}

func TestRequestID(t *testing.T) {
	var seen string
	h := RequestIDMiddleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = RequestID(r.Context()) }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if len(seen) != 16 || rec.Header().Get("X-Request-Id") != seen {
		t.Errorf("request id %q header %q", seen, rec.Header().Get("X-Request-Id"))
	}
}

// TestClientCertLayer: with require_client_cert, a client without a
// certificate from the client CA never gets a response (no sign-in form).
func TestClientCertLayer(t *testing.T) {
	now := time.Now()
	server, err := GenerateSelfSigned(nil, now)
	if err != nil {
		t.Fatal(err)
	}
	caCert, client := clientCA(t)
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "sign-in form")
	}))
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.TLS = ServerTLSConfig(server.Cert, pool, true)
	ts.StartTLS()
	defer ts.Close()
	roots := x509.NewCertPool()
	roots.AddCert(server.Cert.Leaf)
	get := func(certs []tls.Certificate) (string, error) {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: certs, ServerName: "localhost"}}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr}).Get(ts.URL)
		if err != nil {
			return "", err
		}
		defer func() { _ = resp.Body.Close() }()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	if body, err := get(nil); err == nil {
		t.Errorf("client without certificate got %q", body)
	}
	other, err := GenerateSelfSigned(nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if body, err := get([]tls.Certificate{other.Cert}); err == nil {
		t.Errorf("client with a foreign certificate got %q", body)
	}
	if body, err := get([]tls.Certificate{client}); err != nil || body != "sign-in form" {
		t.Errorf("client with a valid certificate: %q, %v", body, err)
	}
}

func TestFingerprint(t *testing.T) {
	s, err := GenerateSelfSigned([]string{"gw.example", "192.0.2.7"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Fingerprint) != 32*3-1 || s.Fingerprint != Fingerprint(s.Cert.Leaf.Raw) {
		t.Errorf("fingerprint %q", s.Fingerprint)
	}
	if err := s.Cert.Leaf.VerifyHostname("gw.example"); err != nil {
		t.Error(err)
	}
	if err := s.Cert.Leaf.VerifyHostname("192.0.2.7"); err != nil {
		t.Error(err)
	}
}

// clientCA makes a CA and a client certificate it signed.
func clientCA(t *testing.T) (*x509.Certificate, tls.Certificate) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test client CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTpl, caTpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "alice"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return ca, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
