//go:build unix

package winrs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/psgate/psgate/backend/wsman"
	"github.com/psgate/psgate/internal/testenv"
	"github.com/psgate/psgate/winrmsim"
)

// kdcProxy forwards TCP connections to upstream (the KDC) and counts them:
// gokrb5 opens one connection per KDC exchange (AS or TGS). It returns the
// proxy's address and the counter.
func kdcProxy(t testing.TB, upstream string) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				u, err := net.Dial("tcp", upstream)
				if err != nil {
					return
				}
				defer u.Close()
				go func() { _, _ = io.Copy(u, c); u.(*net.TCPConn).CloseWrite() }()
				_, _ = io.Copy(c, u)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().String(), &n
}

// writeKrb5Conf writes a krb5.conf for realm with its KDC at kdc.
func writeKrb5Conf(t testing.TB, realm, kdc string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "krb5.conf")
	if err := os.WriteFile(path, []byte(testenv.Krb5Conf(realm, kdc)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A console logs in at the KDC once (AS exchange, then the TGS exchange for
// the SPN's ticket) and then sends each request with a new authenticator
// for its cached ticket: commands and Receive long-polls reach the KDC no
// more. masterzen's ClientKerberos (the former transport) opened two KDC
// connections per request, so the count grew with every command.
func TestKerberosSambaKDCOncePerConsole(t *testing.T) {
	k := sambaKerberos(t)
	s, cfg := krbTarget(t, k)
	kdc, n := kdcProxy(t, "127.0.0.1:88")
	cfg.KrbConf = writeKrb5Conf(t, k.Realm, kdc)

	c, rec := startSim(t, cfg)
	login := n.Load()
	if login < 2 {
		t.Fatalf("%d KDC connections after Start, want the AS and the TGS exchange (is the proxy in the path?)", login)
	}
	for i := 0; i < 5; i++ {
		if out, ev := run(t, c, rec, "Write-Output 'once'"); ev.Kind != Prompt || !ev.Success || out[StreamStdout] != "once\r\n" {
			t.Fatalf("command %d: got %q %+v", i, out, ev)
		}
	}
	if got := n.Load(); got != login {
		t.Fatalf("%d KDC connections after 5 commands, want %d (those of the login only)", got, login)
	}
	// A second console logs in once too: its own client, its own ticket.
	c2, rec2 := startSim(t, cfg)
	if out, ev := run(t, c2, rec2, "Write-Output 'two'"); ev.Kind != Prompt || out[StreamStdout] != "two\r\n" {
		t.Fatalf("second console: got %q %+v", out, ev)
	}
	if got := n.Load(); got != 2*login {
		t.Fatalf("%d KDC connections with two consoles, want %d", got, 2*login)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c2.Close(); err != nil {
		t.Fatal(err)
	}
	if got := s.OpenShells(); got != 0 {
		t.Fatalf("%d shells open after Close", got)
	}
	t.Logf("KDC connections: %d per console", login)
}

// A 401 makes the console log in again and send the request once more
// with a new ticket: one more login, the command succeeds. Two 401s in a
// row fail the request with ErrInvalidCredentials after one re-login, not
// more. A plain-HTTP front refuses the chosen Send requests of the
// simulator behind it (AllowUnencrypted, so the front needs no TLS).
func TestKerberosSambaReloginOn401(t *testing.T) {
	k := sambaKerberos(t)
	s, cfg := krbTargetWith(t, k, winrmsim.Config{Unencrypted: winrmsim.UnencryptedAllowed})
	kdc, n := kdcProxy(t, "127.0.0.1:88")
	cfg.KrbConf = writeKrb5Conf(t, k.Realm, kdc)
	back, err := url.Parse(fmt.Sprintf("http://%s:%d", s.Host(), s.Port()))
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(back)
	rp.ErrorLog = log.New(io.Discard, "", 0) // the Receive cancelled at Close
	var refuse atomic.Int64                  // Send requests still to refuse
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), "/windows/shell/Send") && refuse.Add(-1) >= 0 {
			w.Header().Set("WWW-Authenticate", "Negotiate")
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	fa := front.Listener.Addr().(*net.TCPAddr)
	cfg.Host, cfg.Port = fa.IP.String(), fa.Port

	c, rec := startSim(t, cfg)
	login := n.Load()
	refuse.Store(1)
	if out, ev := run(t, c, rec, "Write-Output 'again'"); ev.Kind != Prompt || out[StreamStdout] != "again\r\n" {
		t.Fatalf("after one 401: got %q %+v", out, ev)
	}
	if got := n.Load(); got != 2*login {
		t.Fatalf("%d KDC connections after one 401, want %d (one re-login)", got, 2*login)
	}
	refuse.Store(2)
	if err := c.Send("Write-Output 'refused'"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("Send refused twice: %v, want ErrInvalidCredentials", err)
	}
	if got := n.Load(); got != 3*login {
		t.Fatalf("%d KDC connections after two 401s, want %d (one more re-login)", got, 3*login)
	}
}

// A black-holed target with Kerberos: the login at the real KDC succeeds,
// then Start fails within ConnectTimeout (ErrUnreachable) or at the
// caller's cancel (context.Canceled), and leaves no goroutine behind (the
// gokrb5 client's TGT renewal goroutine included).
func TestKerberosSambaDeadTarget(t *testing.T) {
	k := sambaKerberos(t)
	base := func(t *testing.T) Config {
		return Config{Endpoint: wsman.Endpoint{Host: "127.0.0.1", Port: blackHole(t), HTTPS: true, Insecure: true, Auth: "kerberos",
			Realm: k.Realm, KrbConf: k.Krb5Conf, SPN: k.SPN, Username: "alice", Password: k.UserPassword}}
	}
	t.Run("connect timeout", func(t *testing.T) {
		cfg := base(t)
		cfg.ConnectTimeout = 500 * time.Millisecond
		g := runtime.NumGoroutine()
		res := make(chan error, 1)
		go func() {
			c, err := Start(context.Background(), cfg, func(Event) {})
			if c != nil {
				c.Close()
			}
			res <- err
		}()
		select {
		case err := <-res:
			if !errors.Is(err, ErrUnreachable) {
				t.Fatalf("Start = %v, want ErrUnreachable", err)
			}
			t.Logf("black-holed target: %v", err)
		case <-time.After(cfg.ConnectTimeout + 10*time.Second):
			t.Fatal("Start hung on a black-holed target")
		}
		settleGoroutines(t, g)
	})
	t.Run("caller cancels", func(t *testing.T) {
		cfg := base(t)
		cfg.ConnectTimeout = time.Hour
		g := runtime.NumGoroutine()
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(300*time.Millisecond, cancel)
		if _, err := Start(ctx, cfg, func(Event) {}); !errors.Is(err, context.Canceled) {
			t.Fatalf("Start = %v, want context.Canceled", err)
		}
		settleGoroutines(t, g)
	})
}

// A KDC that accepts and never answers: Start fails within ConnectTimeout
// with ErrNoLogonServers (gokrb5's own KDC timeout is 5 s, and takes no
// context). The abandoned login ends when the KDC's connection drops and
// leaves nothing behind. Needs no Samba.
func TestKerberosBlackHoledKDC(t *testing.T) {
	_, cfg := simTarget(t, "kerberos", true)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	cfg.Realm, cfg.SPN = "EXAMPLE.TEST", "HTTP/winsrv01.example.test"
	cfg.KrbConf = writeKrb5Conf(t, cfg.Realm, ln.Addr().String())
	cfg.ConnectTimeout = 300 * time.Millisecond
	g := runtime.NumGoroutine()
	res := make(chan error, 1)
	go func() {
		_, err := Start(context.Background(), cfg, func(Event) {})
		res <- err
	}()
	select {
	case err := <-res:
		if !errors.Is(err, ErrNoLogonServers) {
			t.Fatalf("Start = %v, want ErrNoLogonServers", err)
		}
		t.Logf("black-holed KDC: %v", err)
	case <-time.After(4 * time.Second): // less than gokrb5's own 5 s KDC timeout
		t.Fatal("Start waited for the KDC beyond ConnectTimeout")
	}
	ln.Close()
	for c := range accepted {
		c.Close() // the abandoned AS exchange fails now
	}
	settleGoroutines(t, g)
}
