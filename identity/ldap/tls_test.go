package ldap

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/psgate/psgate/internal/testenv"
)

func TestTLS(t *testing.T) {
	for _, s := range []*server{slapdOrNil(t), sambaOrNil(t)} {
		if s == nil {
			continue
		}
		user := "bob"
		if s.ad {
			user = `EXAMPLE\bob`
		}
		ldaps := s.env["LDAPS_URL"]
		tests := []struct {
			name     string
			url      string
			startTLS bool
			ca       []byte
			want     error
		}{
			{"starttls pinned", s.url, true, s.ca, nil},
			{"ldaps pinned", ldaps, false, s.ca, nil},
			{"starttls other CA", s.url, true, testenv.OtherCA(t), ErrUnavailable},
			{"ldaps other CA", ldaps, false, testenv.OtherCA(t), ErrUnavailable},
			{"ldaps system roots", ldaps, false, nil, ErrUnavailable},
		}
		for _, tc := range tests {
			t.Run(s.name+"/"+tc.name, func(t *testing.T) {
				cfg := s.config()
				cfg.URL, cfg.StartTLS, cfg.CACertPEM = tc.url, tc.startTLS, tc.ca
				d := s.open(t, cfg)
				_, err := d.Authenticate(ctxT(t), user, pw)
				if !errors.Is(err, tc.want) {
					t.Fatalf("Authenticate over %s = %v, want %v", tc.name, err, tc.want)
				}
				if tc.want != nil && !strings.Contains(err.Error(), "certificate") {
					t.Errorf("error %q does not name the certificate problem", err)
				}
				if err := d.Ping(ctxT(t)); !errors.Is(err, tc.want) {
					t.Errorf("Ping = %v, want %v", err, tc.want)
				}
			})
		}
	}
}

// TestDirectoryDown: a closed port fails at once, a server that accepts
// but never answers fails when the context ends; both are ErrUnavailable.
func TestDirectoryDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := ln.Addr().String()
	ln.Close()

	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	defer func() {
		silent.Close()
		for c := range accepted {
			c.Close()
		}
	}()
	for _, tc := range []struct{ name, addr string }{{"closed port", closedAddr}, {"silent server", silent.Addr().String()}} {
		for _, ad := range []bool{false, true} {
			t.Run(tc.name, func(t *testing.T) {
				d, err := New(Config{URL: "ldap://" + tc.addr, BaseDN: "dc=example,dc=test", AD: ad,
					BindDN: "cn=svc,dc=example,dc=test", BindPassword: "x", Timeout: time.Minute})
				if err != nil {
					t.Fatal(err)
				}
				defer d.Close()
				ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
				defer cancel()
				if _, err := d.Authenticate(ctx, "bob", pw); !errors.Is(err, ErrUnavailable) {
					t.Errorf("Authenticate = %v, want ErrUnavailable", err)
				}
				ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
				defer cancel2()
				if err := d.Ping(ctx2); !errors.Is(err, ErrUnavailable) {
					t.Errorf("Ping = %v, want ErrUnavailable", err)
				}
				if _, err := d.LookupUser(ctx2, "bob"); !errors.Is(err, ErrUnavailable) {
					t.Errorf("LookupUser = %v, want ErrUnavailable", err)
				}
			})
		}
	}
}

// TestReconnect: a pooled service connection that died is replaced.
func TestReconnect(t *testing.T) {
	s := samba(t)
	d := s.open(t, s.config())
	if err := d.Ping(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if len(d.pool) != 1 {
		t.Fatalf("pool holds %d connections after Ping, want 1", len(d.pool))
	}
	c := <-d.pool
	c.raw.Close() // the server or a firewall dropped it
	d.pool <- c
	if _, err := d.LookupUser(ctxT(t), `EXAMPLE\bob`); err != nil {
		t.Fatalf("lookup after the pooled connection died: %v", err)
	}
}
