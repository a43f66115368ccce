package gateway

import (
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/psgate/psgate/authz"
)

// Form field names (the input names of the sign-in and new-session forms).
const (
	FieldUserName       = "username"
	FieldPassword       = "password"
	FieldComputer       = "computer"
	FieldURI            = "uri"
	FieldAltUserName    = "alt_username"
	FieldAltPassword    = "alt_password"
	FieldConfiguration  = "configuration"
	FieldAuthentication = "authentication"
	FieldUseSSL         = "use_ssl"
	FieldPort           = "port"
	FieldApplication    = "application"
	FieldRedirection    = "allow_redirection"
	FieldPublished      = "target"  // index of a published target
	FieldUseURI         = "use_uri" // "1": the form shows the URI field (display only)
)

// maxField is the longest value any field may carry.
const maxField = 512

// Target is a validated connection request from the form.
type Target struct {
	Computer         string // host name, FQDN or IP (computer mode)
	URI              *url.URL
	Configuration    string
	Authentication   string // default|basic|negotiate|kerberos|credssp
	UseSSL           bool
	Port             int
	Application      string
	AllowRedirection bool
	AltUser          string
	AltPassword      string // lives only in the request; never stored
}

// Host is the computer of the target (from the URI in URI mode).
func (t Target) Host() string {
	if t.URI != nil {
		return t.URI.Hostname()
	}
	return t.Computer
}

// Display is the target as written in the audit log and the portal.
func (t Target) Display() string {
	if t.URI != nil {
		return t.URI.String()
	}
	return t.Computer
}

// FormDefaults are the configured defaults (PSWA appSettings §4.2).
type FormDefaults struct {
	Port             int
	SSLPort          int
	Application      string
	UseSSL           bool
	Authentication   string
	AllowRedirection bool
	Configuration    string
}

// authByValue maps both the PSWA numeric values and names to our names.
var authByValue = map[string]string{
	"0": "default", "1": "basic", "2": "negotiate", "4": "credssp", "6": "kerberos",
	"default": "default", "basic": "basic", "negotiate": "negotiate", "credssp": "credssp", "kerberos": "kerberos",
}

// invalidChars reports PSWA's LogonError_InvalidCharacterFormat set (U+0000,
// U+FFF9–U+FFFF), plus other control characters (CR/LF injection) and
// invalid UTF-8.
func invalidChars(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0xFFF9 && r <= 0xFFFF) {
			return true
		}
	}
	return false
}

// validHost accepts the characters of a host name, FQDN, IPv4 or IPv6 literal.
func validHost(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_', r == ':':
		default:
			return false
		}
	}
	return true
}

// computerName validates a typed computer name and returns the name the
// rules are checked against and the backend dials: the same one, normalised
// as authz compares names (lower case, no trailing dot, an IPv6 literal in
// its canonical form). Dialling the name as typed while authorizing its
// normalised form let "srv1." (another host under a DNS search list) pass a
// rule for srv1. A port is refused: it goes in the Port field. msg is the
// field's message, "" when valid.
func computerName(s string) (name, msg string) {
	inner := strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if strings.Contains(inner, ":") {
		if _, err := netip.ParseAddr(inner); err != nil {
			return "", "Not a valid computer name: give the port in the Port field."
		}
		s = inner
	}
	if !validHost(s) || strings.Trim(s, ".") == "" {
		return "", "Not a valid computer name."
	}
	return authz.NormalizeTarget(s), ""
}

// normalizeURIHost is u with its host normalised as computerName does.
func normalizeURIHost(u *url.URL) *url.URL {
	n := *u
	host := authz.NormalizeTarget(u.Hostname())
	if p := u.Port(); p != "" {
		n.Host = net.JoinHostPort(host, p)
	} else if strings.Contains(host, ":") {
		n.Host = "[" + host + "]"
	} else {
		n.Host = host
	}
	return &n
}

func validName(s string) bool { // configuration and application names
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
		default:
			return false
		}
	}
	return len(s) <= 128
}

// ParseTarget validates the connection part of a form. errs maps a field
// name to its message; a nil map means the target is valid. Exactly one of
// computer name and URI must be given; freeTarget false (portal
// allow_free_target) refuses a typed computer or URI outright, so callers
// resolve published tiles before calling it.
func ParseTarget(form url.Values, d FormDefaults, freeTarget bool) (Target, map[string]string) {
	errs := map[string]string{}
	get := func(k string) string {
		v := form.Get(k)
		if len(v) > maxField {
			errs[k] = "Too long."
			return ""
		}
		if invalidChars(v) {
			errs[k] = "Invalid characters."
			return ""
		}
		return strings.TrimSpace(v)
	}
	t := Target{
		Configuration:    d.Configuration,
		Authentication:   d.Authentication,
		UseSSL:           d.UseSSL,
		Application:      d.Application,
		AllowRedirection: d.AllowRedirection,
	}
	computer, uri := get(FieldComputer), get(FieldURI)
	switch {
	case errs[FieldComputer] != "" || errs[FieldURI] != "":
	case !freeTarget && (computer != "" || uri != ""):
		errs[FieldComputer] = "Pick a published computer."
	case computer != "" && uri != "":
		errs[FieldURI] = "Give a computer name or a connection URI, not both."
	case computer == "" && uri == "":
		errs[FieldComputer] = "A computer name or a connection URI is required."
	case computer != "":
		name, msg := computerName(computer)
		if msg != "" {
			errs[FieldComputer] = msg
		}
		t.Computer = name
	default:
		u, err := url.Parse(uri)
		if err != nil || !u.IsAbs() || (u.Scheme != "http" && u.Scheme != "https") || !validHost(u.Hostname()) || u.User != nil || !validURIPort(u.Port()) {
			errs[FieldURI] = "Not a valid connection URI."
		} else {
			t.URI = normalizeURIHost(u)
		}
	}
	if v := get(FieldConfiguration); v != "" {
		if !validName(v) {
			errs[FieldConfiguration] = "Not a valid configuration name."
		}
		t.Configuration = v
	}
	if v := get(FieldApplication); v != "" {
		if !validName(v) {
			errs[FieldApplication] = "Not a valid application name."
		}
		t.Application = v
	}
	if v := get(FieldAuthentication); v != "" {
		a, ok := authByValue[strings.ToLower(v)]
		if !ok {
			errs[FieldAuthentication] = "Not a valid authentication type."
		}
		t.Authentication = a
	}
	if v := get(FieldUseSSL); v != "" {
		t.UseSSL = v == "1" || v == "on" || v == "true"
	}
	if v := get(FieldRedirection); v != "" {
		t.AllowRedirection = v == "1" || v == "on" || v == "true"
	}
	t.Port = d.Port
	if t.UseSSL {
		t.Port = d.SSLPort
	}
	if v := get(FieldPort); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			errs[FieldPort] = "Port must be a number from 1 to 65535."
		}
		t.Port = p
	}
	t.AltUser, t.AltPassword = altCredentials(form, errs)
	if len(errs) == 0 {
		return t, nil
	}
	return t, errs
}

// altCredentials reads the destination (alternate) user name and password,
// which any target may take (PSWA); field errors go into errs.
func altCredentials(form url.Values, errs map[string]string) (user, password string) {
	user = form.Get(FieldAltUserName)
	switch {
	case len(user) > maxField:
		errs[FieldAltUserName], user = "Too long.", ""
	case invalidChars(user):
		errs[FieldAltUserName], user = "Invalid characters.", ""
	default:
		user = strings.TrimSpace(user)
		if user != "" && !validUser(user) {
			errs[FieldAltUserName] = "Not a valid user name."
		}
	}
	password = form.Get(FieldAltPassword)
	if len(password) > maxField || invalidChars(password) {
		errs[FieldAltPassword], password = "Invalid characters.", ""
	}
	return user, password
}

// validURIPort accepts an absent port or one from 1 to 65535.
func validURIPort(p string) bool {
	if p == "" {
		return true
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

// validUser accepts DOMAIN\user, user@realm and plain names; rejects
// characters that have no place in an account name.
func validUser(s string) bool {
	if s == "" || len(s) > 256 || invalidChars(s) {
		return false
	}
	return !strings.ContainsAny(s, "\"/[]:;|=+*?<>,")
}

// ParseCredentials validates the user name and password fields.
func ParseCredentials(form url.Values) (user, password string, errs map[string]string) {
	errs = map[string]string{}
	user = strings.TrimSpace(form.Get(FieldUserName))
	password = form.Get(FieldPassword)
	switch {
	case user == "":
		errs[FieldUserName] = "User name is required."
	case !validUser(user):
		errs[FieldUserName] = "Not a valid user name."
		user = ""
	}
	switch {
	case password == "":
		errs[FieldPassword] = "Password is required."
	case len(password) > maxField || invalidChars(password):
		errs[FieldPassword] = "Invalid characters."
		password = ""
	}
	if len(errs) == 0 {
		errs = nil
	}
	return user, password, errs
}
