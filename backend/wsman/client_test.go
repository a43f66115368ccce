package wsman

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/psgate/psgate/winrmsim"
)

// httpsEndpoint is an Endpoint for srv (an httptest TLS server) as alice.
func httpsEndpoint(t *testing.T, srv *httptest.Server) Endpoint {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(u.Port())
	return Endpoint{Host: u.Hostname(), Port: port, HTTPS: true, Insecure: true, Path: "/app",
		Username: "alice", Password: "pw", ConnectTimeout: time.Second}
}

// Basic over HTTPS: the body goes out as given, the reply comes back as
// it is; a non-200 reply is a *FaultError; a non-SOAP 200 and a redirect
// are errors, the redirect not followed.
func TestClientBasic(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "alice" || p != "pw" || r.URL.Path != "/app" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		b, _ := io.ReadAll(r.Body)
		switch body := string(b); body {
		case "redirect":
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		case "html":
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html/>"))
		case "quota":
			w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(quotaFault))
		default:
			w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
			_, _ = w.Write([]byte("echo:" + body))
		}
	}))
	defer srv.Close()
	c, err := NewClient(httpsEndpoint(t, srv), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if got, err := c.Post(ctx, []byte("<x/>")); err != nil || string(got) != "echo:<x/>" {
		t.Fatalf("Post = %q, %v", got, err)
	}
	var f *FaultError
	if _, err := c.Post(ctx, []byte("quota")); !errors.As(err, &f) || f.Status != 500 || !errors.Is(err, ErrQuotaExceeded) {
		t.Fatalf("quota: %v", err)
	}
	if _, err := c.Post(ctx, []byte("html")); err == nil || !strings.Contains(err.Error(), "not SOAP") {
		t.Fatalf("html: %v", err)
	}
	if _, err := c.Post(ctx, []byte("redirect")); !errors.As(err, &f) || f.Status != http.StatusFound {
		t.Fatalf("redirect: %v", err)
	}
	e := httpsEndpoint(t, srv)
	e.Password = "wrong"
	bad, err := NewClient(e, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	if _, err := bad.Post(ctx, []byte("<x/>")); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("wrong password: %v", err)
	}
}

func TestNewClientRefuses(t *testing.T) {
	tests := []struct {
		name string
		e    Endpoint
		want string
	}{
		{"basic over http", Endpoint{Host: "h", Username: "u", Auth: "basic"}, "refused over plain HTTP"},
		{"kerberos without credential", Endpoint{Host: "h", Username: "u", Auth: "kerberos", Realm: "R"}, "no credential"},
		{"bad ca", Endpoint{Host: "h", Username: "u", HTTPS: true, CACertPEM: []byte("nope")}, "no PEM certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewClient(tt.e, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewClient = %v, want %q", err, tt.want)
			}
		})
	}
}

// NTLM with message sealing over plain HTTP against the simulator, whose
// default policy refuses an unsealed body: a Signal for a shell that does
// not exist comes back as the simulator's sealed fault, unsealed and
// parsed.
func TestClientSealedSim(t *testing.T) {
	s, err := winrmsim.NewServer(winrmsim.Config{
		Users:  map[string]string{"alice": "pw"},
		Auth:   []string{"negotiate"},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e := Endpoint{Host: s.Host(), Port: s.Port(), Username: `WINSRV01\alice`, Password: "pw", ConnectTimeout: 5 * time.Second}
	e.SetDefaults()
	c, err := NewClient(e, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	h := Header{To: e.URL(), ResourceURI: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd",
		ShellID: "NO-SUCH-SHELL", MaxEnvelopeSize: 153600, OperationTimeout: 2 * time.Second, Locale: "en-US"}
	for i := 0; i < 2; i++ { // the second on the same connection and security session
		_, err := c.Post(context.Background(), Signal(h, "CMD", SignalCtrlC))
		var f *FaultError
		if !errors.As(err, &f) || f.Code != CodeInvalidSelectors || !strings.Contains(f.Reason, "NO-SUCH-SHELL") {
			t.Fatalf("post %d: %v, want fault %d", i, err, CodeInvalidSelectors)
		}
	}
}

// TestClientReplyTooLarge: a reply over the bound is refused with
// ErrReplyTooLarge, never cut and handed on as a broken envelope (issue
// 12 #9: 8 MiB of output in one reply ended the console with "XML syntax
// error … unexpected EOF"); one just under the bound is read whole.
func TestClientReplyTooLarge(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		n := maxReply
		if string(b) == "over" {
			n++
		}
		w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
		_, _ = w.Write([]byte(strings.Repeat("x", n)))
	}))
	defer srv.Close()
	c, err := NewClient(httpsEndpoint(t, srv), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if b, err := c.Post(t.Context(), []byte("fits")); err != nil || len(b) != maxReply {
		t.Fatalf("a reply of exactly %d bytes: %d, %v", maxReply, len(b), err)
	}
	if _, err := c.Post(t.Context(), []byte("over")); !errors.Is(err, ErrReplyTooLarge) {
		t.Fatalf("a reply over the bound: %v, want ErrReplyTooLarge", err)
	}
}
