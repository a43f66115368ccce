package winrmsim

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/jcmturner/gokrb5/v8/keytab"
)

// Config configures a simulator. Zero values take the documented defaults.
type Config struct {
	Users            map[string]string // user -> password (Basic and NTLM); Kerberos accepts these names
	Auth             []string          // "basic", "negotiate" (NTLM; alias "ntlm"), "kerberos"; default basic (auth.go)
	Path             string            // default "/wsman"
	Hostname         string            // default "WINSRV01"
	MaxShellsPerUser int               // default 30
	Logger           *slog.Logger      // default discards
	Faults           Faults            // fault injection; zero injects none
	TLS              bool              // HTTPS with a generated self-signed certificate (127.0.0.1, localhost)
	// MaxOperationsPerUser is Windows' MaxConcurrentOperationsPerUser (default 1500); see quota.go.
	MaxOperationsPerUser int
	// IdleTimeout deletes a shell with no request for this long (default 7200 s, Windows'
	// winrs IdleTimeout); a Create's rsp:IdleTimeOut overrides it per shell.
	IdleTimeout time.Duration
	Clock       Clock // time source of idle expiry (default the system clock)
	// Unencrypted is AllowUnencrypted for plain HTTP (default UnencryptedBasicOnly: Basic is
	// served in the clear, an NTLM connection must seal its bodies); see auth.go.
	Unencrypted Unencrypted
	// Keytab (the bytes of a keytab file) holds the service keys Kerberos tickets are
	// decrypted with; required with Auth "kerberos" (kerberos.go). Realm, when set, is
	// the only client realm accepted (default: any realm the keytab's KDC vouches for).
	Keytab []byte
	Realm  string
	// Endpoints are the PowerShell session configurations served at
	// http://schemas.microsoft.com/powershell/<name> (psrp_pool.go); empty
	// serves Microsoft.PowerShell only. Another name gets the fault Windows
	// sends for an unknown configuration (2150858811).
	Endpoints map[string]Endpoint
	// OnPoolOpen, when set, is told of every runspace pool opened: who
	// opened it and which configuration (tests check exactly the allowed
	// one was opened). It is called before the Create is answered.
	OnPoolOpen func(PoolOpen)
}

// PoolOpen describes an opened runspace pool (Config.OnPoolOpen).
type PoolOpen struct {
	User          string // the authenticated user, as the simulator knows it
	Configuration string // the endpoint's name, as declared
	ShellID       string
}

func (c *Config) setDefaults() {
	if c.Path == "" {
		c.Path = "/wsman"
	}
	if c.Hostname == "" {
		c.Hostname = "WINSRV01"
	}
	if c.MaxShellsPerUser == 0 {
		c.MaxShellsPerUser = 30
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if len(c.Auth) == 0 {
		c.Auth = []string{"basic"}
	}
	c.setQuotaDefaults()
}

// Server is a running simulator.
type Server struct {
	cfg    Config
	ln     net.Listener
	hs     *http.Server
	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex
	shells map[string]*shell
	inj    *injector
	cert   []byte         // PEM, TLS only
	keytab *keytab.Keytab // Kerberos service keys (kerberos.go)
	procs  procCounter    // running remote processes (quota.go)
}

// NewUnstartedServer builds a server; call Serve.
func NewUnstartedServer(cfg Config) (*Server, error) {
	cfg.setDefaults()
	if len(cfg.Users) == 0 {
		return nil, fmt.Errorf("new simulator: %w: no users", ErrConfig)
	}
	if err := checkUsers(cfg.Users); err != nil {
		return nil, fmt.Errorf("new simulator: %w: %w", ErrConfig, err)
	}
	auth, err := normAuth(cfg.Auth)
	if err != nil {
		return nil, fmt.Errorf("new simulator: %w", err)
	}
	cfg.Auth = auth
	var kt *keytab.Keytab
	for _, a := range auth {
		if a == "kerberos" {
			if kt, err = loadKeytab(cfg.Keytab); err != nil {
				return nil, fmt.Errorf("new simulator: %w", err)
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{cfg: cfg, ctx: ctx, cancel: cancel, shells: map[string]*shell{}, inj: &injector{f: cfg.Faults}, keytab: kt}
	s.hs = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, ConnContext: s.connContext}
	if cfg.TLS {
		c, p, err := selfSigned(cfg.Hostname)
		if err != nil {
			cancel()
			return nil, fmt.Errorf("new simulator: %w", err)
		}
		s.cert = p
		s.hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{c}, MinVersion: tls.VersionTLS12}
	}
	return s, nil
}

// NewServer starts a simulator on 127.0.0.1:0.
func NewServer(cfg Config) (*Server, error) {
	s, err := NewUnstartedServer(cfg)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("new simulator: listen: %w", err)
	}
	if s.cfg.TLS {
		l = tls.NewListener(l, s.hs.TLSConfig)
	}
	s.ln = l
	go func() { _ = s.hs.Serve(l) }()
	return s, nil
}

// Serve serves on l until Close.
func (s *Server) Serve(l net.Listener) error {
	if s.cfg.TLS {
		l = tls.NewListener(l, s.hs.TLSConfig)
	}
	s.mu.Lock()
	s.ln = l
	s.mu.Unlock()
	err := s.hs.Serve(l)
	if err == http.ErrServerClosed {
		return nil
	}
	return err
}

// URL is the endpoint, e.g. http://127.0.0.1:PORT/wsman.
func (s *Server) URL() string {
	scheme := "http://"
	if s.cfg.TLS {
		scheme = "https://"
	}
	return scheme + s.ln.Addr().String() + s.cfg.Path
}

// CertPEM is the generated certificate (TLS only), for pinning.
func (s *Server) CertPEM() []byte { return s.cert }

// Host is the listening IP.
func (s *Server) Host() string { return s.ln.Addr().(*net.TCPAddr).IP.String() }

// Port is the listening port.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// OpenShells counts live shells.
func (s *Server) OpenShells() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.shells)
}

// OpenCommands counts live commands.
func (s *Server) OpenCommands() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, sh := range s.shells {
		n += sh.commandCount()
	}
	return n
}

// Close stops the server and kills every shell.
func (s *Server) Close() {
	s.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.hs.Shutdown(ctx)
	s.mu.Lock()
	shells := s.shells
	s.shells = map[string]*shell{}
	s.mu.Unlock()
	for _, sh := range shells {
		sh.close()
	}
}

// Handler is the WS-Man HTTP handler.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
	w.Header().Set("Server", "Microsoft-HTTPAPI/2.0")
	status, action := s.handle(w, r)
	s.cfg.Logger.Debug("wsman request", "remote", r.RemoteAddr, "method", r.Method, "path", r.URL.Path,
		"action", action, "status", status, "duration", time.Since(start))
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) (int, string) {
	if r.Method != http.MethodPost || !strings.EqualFold(r.URL.Path, s.cfg.Path) && r.URL.Path != "/wsman" {
		w.WriteHeader(http.StatusNotFound)
		return http.StatusNotFound, ""
	}
	auth, ok := s.authenticate(w, r) // auth.go: Basic, NTLM bound to the connection
	if !ok {
		return http.StatusUnauthorized, ""
	}
	if s.inj.before(w) {
		return 0, "dropped"
	}
	body, refused := s.readBody(r, auth) // unsealed; unencrypted bodies per Config.Unencrypted
	if refused != 0 {
		s.refuse(w, r, refused)
		return refused, ""
	}
	if len(body) == 0 {
		w.WriteHeader(http.StatusOK)
		return http.StatusOK, ""
	}
	req, err := parseEnvelope(body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return http.StatusBadRequest, ""
	}
	status, reply := s.dispatch(r.Context(), auth.user, req)
	auth.writeReply(w, status, reply)
	return status, shortAction(req.Action)
}

func shortAction(a string) string {
	if i := strings.LastIndexByte(a, '/'); i >= 0 {
		return a[i+1:]
	}
	return a
}

// checkBasic validates Basic credentials: the user as lookupUser accepts
// it (case-insensitive; DOMAIN\user and user@realm), the password exactly.
func (s *Server) checkBasic(r *http.Request) (string, bool) {
	u, p, ok := r.BasicAuth()
	if !ok {
		return "", false
	}
	key, pw, found := s.lookupUser("", u)
	if !found || pw != p {
		return "", false
	}
	return key, true
}
