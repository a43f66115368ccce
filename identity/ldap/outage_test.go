package ldap

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psgate/psgate/identity"
)

// freezer is a TCP proxy on 127.0.0.1 in front of a test directory that
// can stop forwarding (a frozen DC: connections accepted, nothing answered).
type freezer struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	frozen bool
	conns  []net.Conn
}

func newFreezer(t *testing.T, target string) *freezer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &freezer{ln: ln, target: target}
	go f.serve()
	t.Cleanup(f.close)
	return f
}

func (f *freezer) serve() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.conns = append(f.conns, c)
		frozen := f.frozen
		f.mu.Unlock()
		if frozen {
			continue // accepted, never answered
		}
		up, err := net.Dial("tcp", f.target)
		if err != nil {
			c.Close()
			continue
		}
		f.mu.Lock()
		f.conns = append(f.conns, up)
		f.mu.Unlock()
		go f.pipe(up, c)
		go f.pipe(c, up)
	}
}

// pipe copies until frozen (then it holds the bytes back) or closed.
func (f *freezer) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		f.mu.Lock()
		frozen := f.frozen
		f.mu.Unlock()
		if frozen {
			_, _ = io.Copy(io.Discard, src)
			return
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			dst.Close()
			return
		}
	}
}

func (f *freezer) freeze() { f.mu.Lock(); f.frozen = true; f.mu.Unlock() }

func (f *freezer) close() {
	f.ln.Close()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.conns {
		c.Close()
	}
}

// TestOutageIsUnavailable: a frozen directory and a refused service
// account are identity.ErrUnavailable (no verdict on the user's password),
// for AD and generic LDAP.
func TestOutageIsUnavailable(t *testing.T) {
	for _, s := range []*server{slapd(t), samba(t)} {
		t.Run(s.name, func(t *testing.T) {
			user := "bob"
			u, _ := url.Parse(s.url)
			fr := newFreezer(t, u.Host)
			cfg := s.config()
			cfg.URL, cfg.ServerName, cfg.Timeout = "ldap://"+fr.ln.Addr().String(), "localhost", 500*time.Millisecond
			d := s.open(t, cfg)
			if _, err := d.Authenticator().Authenticate(ctxT(t), user, pw); err != nil {
				t.Fatalf("through the proxy: %v", err)
			}
			fr.freeze()
			d.Close() // no pooled connection survives the freeze
			start := time.Now()
			id, err := d.Authenticator().Authenticate(ctxT(t), user, pw)
			if !errors.Is(err, identity.ErrUnavailable) || time.Since(start) > 3*time.Second {
				t.Errorf("frozen directory: %v after %v; want ErrUnavailable within the timeout", err, time.Since(start))
			}
			if id.Typed != user || id.Name != "" {
				t.Errorf("frozen directory: identity %+v, want the typed name only", id)
			}
			bad := s.config()
			bad.BindPassword = "not-the-service-password"
			bd := s.open(t, bad)
			if _, err := bd.LookupUser(ctxT(t), user); !errors.Is(err, identity.ErrUnavailable) {
				t.Errorf("service account refused, lookup: %v; want ErrUnavailable", err)
			}
			if !s.ad { // AD binds as the user; generic LDAP searches first
				if _, err := bd.Authenticator().Authenticate(ctxT(t), user, pw); !errors.Is(err, identity.ErrUnavailable) {
					t.Errorf("service account refused, sign-in: %v; want ErrUnavailable", err)
				}
			}
		})
	}
}

// TestFailedSignInNamesAccount: a refused sign-in by another spelling of
// the name reports the account (for the audit), and the typed name.
func TestFailedSignInNamesAccount(t *testing.T) {
	cases := map[*server][2]string{slapd(t): {"uid=bob,ou=people,", "bob"}, samba(t): {"bob@example.test", `EXAMPLE\bob`}}
	for s, c := range cases {
		typed := c[0]
		if strings.HasSuffix(typed, ",") {
			typed += s.env["BASE_DN"]
		}
		id, err := s.open(t, s.config()).Authenticator().Authenticate(context.Background(), typed, "Wr0ng-guess")
		if !errors.Is(err, ErrInvalidCredentials) || id.Typed != typed || id.Name != c[1] {
			t.Errorf("%s: %+v, %v; want %s typed as %s", s.name, id, err, c[1], typed)
		}
	}
}
