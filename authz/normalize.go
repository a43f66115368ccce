package authz

import (
	"net/netip"
	"net/url"
	"strings"
)

// ipv6LiteralSuffix is the Windows "IPv6 address as a domain name" form
// (fe80--1s4.ipv6-literal.net), accepted on the sign-in page.
const ipv6LiteralSuffix = ".ipv6-literal.net"

// NormalizeTarget returns the comparison form of a computer name as typed:
// the host of a URI, without brackets, port or trailing dot, lower-cased; IP
// literals in canonical text (IPv4 dotted quad, IPv6 RFC 5952, IPv4-mapped
// IPv6 as IPv4). It does not resolve names.
func NormalizeTarget(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "://"); i > 0 {
		if u, err := url.Parse(s); err == nil && u.Host != "" {
			s = u.Hostname()
		}
	}
	if s == "." {
		return s
	}
	s = stripPort(s)
	if mayBeIP(s) {
		if a, ok := parseIP(s); ok {
			return a
		}
	}
	s = strings.ToLower(strings.TrimSuffix(s, "."))
	if strings.HasSuffix(s, ipv6LiteralSuffix) {
		lit := strings.TrimSuffix(s, ipv6LiteralSuffix)
		lit = strings.ReplaceAll(strings.ReplaceAll(lit, "-", ":"), "s", "%")
		if a, ok := parseIP(lit); ok {
			return a
		}
	}
	return s
}

// stripPort removes brackets and a :port from host[:port] or [v6][:port].
func stripPort(s string) string {
	if strings.HasPrefix(s, "[") {
		if i := strings.IndexByte(s, ']'); i > 0 {
			return s[1:i]
		}
		return s
	}
	if i := strings.LastIndexByte(s, ':'); i > 0 && strings.Count(s, ":") == 1 && isDigits(s[i+1:]) {
		return s[:i]
	}
	return s
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func parseIP(s string) (string, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return "", false
	}
	return a.Unmap().String(), true
}

// NormalizeAccount rewrites ".\name" and "localhost\name" to machine\name, as
// PSWA does for users, user groups and computer groups. Other names are
// returned trimmed and otherwise unchanged.
func NormalizeAccount(name, machine string) string {
	name = strings.TrimSpace(name)
	i := strings.IndexByte(name, '\\')
	if i < 0 || i == len(name)-1 || machine == "" {
		return name
	}
	if dom := name[:i]; dom == "." || strings.EqualFold(dom, "localhost") {
		return machine + name[i:]
	}
	return name
}

// isLocalTarget reports whether a normalised target means the gateway itself.
func isLocalTarget(s string) bool { return s == "localhost" || s == "." }

// mayBeIP is a cheap test that spares host names a failing IP parse.
func mayBeIP(s string) bool {
	return s != "" && (strings.IndexByte(s, ':') >= 0 || s[0] >= '0' && s[0] <= '9')
}
