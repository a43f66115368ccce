package gateway

import (
	"crypto/tls"
	"net"
	"testing"
	"time"
)

// TestServerTLSConfigSuites: TLS 1.2 clients get forward-secret AEAD suites
// only (a CBC-SHA-only client is refused); TLS 1.3 and TLS 1.2 GCM work.
func TestServerTLSConfigSuites(t *testing.T) {
	cert, err := GenerateSelfSigned([]string{"127.0.0.1"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", ServerTLSConfig(cert.Cert, nil, false))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) { _ = c.(*tls.Conn).Handshake(); c.Close() }(c)
		}
	}()
	dial := func(cfg *tls.Config) error {
		cfg.InsecureSkipVerify = true
		c, err := tls.Dial("tcp", ln.Addr().String(), cfg)
		if err == nil {
			c.Close()
		}
		return err
	}
	if err := dial(&tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}}); err == nil {
		t.Error("TLS 1.2 with only ECDHE-ECDSA-AES128-CBC-SHA: handshake succeeded, want refused")
	}
	if err := dial(&tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}); err != nil {
		t.Errorf("TLS 1.2 GCM: %v", err)
	}
	if err := dial(&tls.Config{MinVersion: tls.VersionTLS13}); err != nil {
		t.Errorf("TLS 1.3: %v", err)
	}
	if err := dial(&tls.Config{MaxVersion: tls.VersionTLS11}); err == nil {
		t.Error("TLS 1.1: handshake succeeded")
	}
}
