package winrs

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Config says how to reach one target and with which credential. The zero
// values of the optional fields are replaced by the defaults documented on
// each field.
type Config struct {
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
	// used with Auth "kerberos": each console logs in once (gokrb5) as the
	// user part of Username (a DOMAIN\ prefix or @realm suffix is dropped)
	// in Realm, with Password, and sends a new AP-REQ with every request.
	Realm, KrbConf string
	// SPN is the Kerberos service principal of the target (Auth
	// "kerberos"), default "HTTP/" + Host. Set it when Host is an address
	// or an alias the KDC does not know as a service name.
	SPN string
	// ConfigurationName must be "" or "Microsoft.PowerShell": WinRS cannot
	// enforce a session configuration, so any other value is refused.
	ConfigurationName string
	// ConnectTimeout bounds the TCP connect and the first request (default
	// 10s): a dead or black-holed host fails within it.
	ConnectTimeout time.Duration
	// OperationTimeout is the WS-Man OperationTimeout of every request
	// (default 20s); each HTTP request is bounded by OperationTimeout +
	// ConnectTimeout.
	OperationTimeout time.Duration
	// Codepage of the shell (WINRS_CODEPAGE); only 65001 (UTF-8, default)
	// is supported because masterzen hard-codes it.
	Codepage int
	// Logger receives debug and warning records (default: discard).
	Logger *slog.Logger
}

const defaultConfiguration = "Microsoft.PowerShell"

func (c *Config) setDefaults() {
	if c.Port == 0 {
		c.Port = 5985
		if c.HTTPS {
			c.Port = 5986
		}
	}
	if c.Path == "" {
		c.Path = "/wsman"
	}
	if !strings.HasPrefix(c.Path, "/") {
		c.Path = "/" + c.Path
	}
	c.Auth = strings.ToLower(c.Auth)
	if c.Auth == "" {
		c.Auth = "negotiate"
		if c.HTTPS {
			c.Auth = "basic"
		}
	}
	if c.KrbConf == "" {
		c.KrbConf = "/etc/krb5.conf"
	}
	if c.SPN == "" {
		c.SPN = "HTTP/" + c.Host
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 10 * time.Second
	}
	if c.OperationTimeout <= 0 {
		c.OperationTimeout = 20 * time.Second
	}
	if c.Codepage == 0 {
		c.Codepage = 65001
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// validate reports every problem at once.
func (c *Config) validate() error {
	var errs []error
	if c.ConfigurationName != "" && !strings.EqualFold(c.ConfigurationName, defaultConfiguration) {
		errs = append(errs, fmt.Errorf("configuration %q: %w", c.ConfigurationName, ErrConfigurationNotSupported))
	}
	if c.Host == "" {
		errs = append(errs, errors.New("host: empty"))
	}
	if c.Port < 1 || c.Port > 65535 {
		errs = append(errs, fmt.Errorf("port %d: out of range", c.Port))
	}
	switch c.Auth {
	case "basic":
		if !c.HTTPS {
			errs = append(errs, errors.New("auth \"basic\": refused over plain HTTP (password in clear); use HTTPS or negotiate"))
		}
	case "negotiate":
	case "kerberos":
		if c.Realm == "" {
			errs = append(errs, errors.New("auth \"kerberos\": realm is empty"))
		}
	default:
		errs = append(errs, fmt.Errorf("auth %q: want basic, negotiate or kerberos", c.Auth))
	}
	if c.Username == "" {
		errs = append(errs, errors.New("username: empty"))
	}
	if c.Codepage != 65001 {
		errs = append(errs, fmt.Errorf("codepage %d: only 65001 is supported", c.Codepage))
	}
	return errors.Join(errs...)
}

// endpointURL is the URL every request goes to.
func (c *Config) endpointURL() string {
	scheme := "http"
	if c.HTTPS {
		scheme = "https"
	}
	host := c.Host
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]"
	}
	return fmt.Sprintf("%s://%s:%d%s", scheme, host, c.Port, c.Path)
}
