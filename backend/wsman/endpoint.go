package wsman

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Endpoint says how to reach one WS-Management target and with which
// credential. The zero values of the optional fields are replaced by the
// defaults documented on each field (SetDefaults).
type Endpoint struct {
	// Host is the target computer (name or address). Required.
	Host string
	// Port defaults to 5985, or 5986 when HTTPS is set.
	Port int
	// HTTPS selects https://; Insecure skips certificate verification;
	// CACertPEM adds trusted roots; TLSServerName overrides the name checked.
	HTTPS         bool
	Insecure      bool
	CACertPEM     []byte
	TLSServerName string
	// Path is the WS-Man path (the application name), default "/wsman".
	Path string
	// Auth is "basic", "negotiate" or "kerberos". Default: "negotiate" (NTLM
	// with message encryption) over HTTP, "basic" over HTTPS. Negotiate over
	// HTTPS is NTLM without message encryption (TLS protects the body).
	// Basic over plain HTTP is refused: it would send the password in clear.
	Auth string
	// Username ("user", "DOMAIN\user" or "user@realm") and Password.
	Username, Password string
	// Realm and KrbConf (path of a krb5.conf, default /etc/krb5.conf) are
	// used with Auth "kerberos": each Kerberos credential logs in once
	// (gokrb5) as the user part of Username (a DOMAIN\ prefix or @realm
	// suffix is dropped) in Realm, with Password, and sends a new AP-REQ
	// with every request.
	Realm, KrbConf string
	// SPN is the Kerberos service principal of the target (Auth
	// "kerberos"), default "HTTP/" + Host. Set it when Host is an address
	// or an alias the KDC does not know as a service name.
	SPN string
	// ConnectTimeout bounds the TCP connect and the TLS handshake (default
	// 10s); callers bound their first request by it too, so that a dead or
	// black-holed host fails within it.
	ConnectTimeout time.Duration
	// OperationTimeout is the WS-Man OperationTimeout of every request
	// (default 20s); callers bound each HTTP request by OperationTimeout +
	// ConnectTimeout.
	OperationTimeout time.Duration
	// Logger receives debug and warning records (default: discard).
	Logger *slog.Logger
}

// SetDefaults replaces the zero values of the optional fields.
func (e *Endpoint) SetDefaults() {
	if e.Port == 0 {
		e.Port = 5985
		if e.HTTPS {
			e.Port = 5986
		}
	}
	if e.Path == "" {
		e.Path = "/wsman"
	}
	if !strings.HasPrefix(e.Path, "/") {
		e.Path = "/" + e.Path
	}
	e.Auth = strings.ToLower(e.Auth)
	if e.Auth == "" {
		e.Auth = "negotiate"
		if e.HTTPS {
			e.Auth = "basic"
		}
	}
	if e.KrbConf == "" {
		e.KrbConf = "/etc/krb5.conf"
	}
	if e.SPN == "" {
		e.SPN = "HTTP/" + e.Host
	}
	if e.ConnectTimeout <= 0 {
		e.ConnectTimeout = 10 * time.Second
	}
	if e.OperationTimeout <= 0 {
		e.OperationTimeout = 20 * time.Second
	}
	if e.Logger == nil {
		e.Logger = slog.New(slog.DiscardHandler)
	}
}

// Validate reports every problem of a defaulted Endpoint at once.
func (e *Endpoint) Validate() error {
	var errs []error
	if e.Host == "" {
		errs = append(errs, errors.New("host: empty"))
	}
	if e.Port < 1 || e.Port > 65535 {
		errs = append(errs, fmt.Errorf("port %d: out of range", e.Port))
	}
	switch e.Auth {
	case "basic":
		if !e.HTTPS {
			errs = append(errs, errors.New("auth \"basic\": refused over plain HTTP (password in clear); use HTTPS or negotiate"))
		}
	case "negotiate":
	case "kerberos":
		if e.Realm == "" {
			errs = append(errs, errors.New("auth \"kerberos\": realm is empty"))
		}
	default:
		errs = append(errs, fmt.Errorf("auth %q: want basic, negotiate or kerberos", e.Auth))
	}
	if e.Username == "" {
		errs = append(errs, errors.New("username: empty"))
	}
	return errors.Join(errs...)
}

// URL is the address every request goes to (the To of every envelope).
func (e *Endpoint) URL() string {
	scheme := "http"
	if e.HTTPS {
		scheme = "https"
	}
	host := e.Host
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]"
	}
	return fmt.Sprintf("%s://%s:%d%s", scheme, host, e.Port, e.Path)
}
