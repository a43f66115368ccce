package ldap

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/psgate/psgate/identity"
)

// Sentinel errors. Returned errors wrap one of them with detail (the AD
// data code or password-policy reason) for the audit log; never show that
// detail to the user.
var (
	ErrInvalidCredentials = errors.New("invalid credentials")
	ErrAccountDisabled    = errors.New("account disabled")
	ErrAccountLocked      = errors.New("account locked")
	ErrPasswordExpired    = errors.New("password expired")
	ErrMustChangePassword = errors.New("password must be changed")
	ErrAccountExpired     = errors.New("account expired")
	ErrUnavailable        = identity.ErrUnavailable
	ErrNotFound           = identity.ErrNotFound
	// ErrAmbiguous: a lookup name matched more than one object.
	ErrAmbiguous = errors.New("ambiguous name")
)

// adDataCodes maps the "data XXX" sub-code of an AD bind error (result 49).
var adDataCodes = map[string]struct {
	err  error
	what string
}{
	"525": {ErrInvalidCredentials, "no such user"},
	"52e": {ErrInvalidCredentials, "wrong password"},
	"530": {ErrAccountDisabled, "logon not permitted at this time"},
	"531": {ErrAccountDisabled, "logon not permitted from this workstation"},
	"532": {ErrPasswordExpired, "password expired"},
	"533": {ErrAccountDisabled, "account disabled"},
	"568": {ErrAccountDisabled, "too many security IDs"},
	"701": {ErrAccountExpired, "account expired"},
	"773": {ErrMustChangePassword, "must change password"},
	"775": {ErrAccountLocked, "account locked"},
}

var dataCodeRE = regexp.MustCompile(`\bdata ([0-9a-fA-F]{1,8})\b`)

// ADDataCode extracts the sub-code ("52e", "775" …) of an AD bind error
// message, or "".
func ADDataCode(msg string) string {
	m := dataCodeRE.FindStringSubmatch(msg)
	if m == nil {
		return ""
	}
	return strings.ToLower(m[1])
}

// classifyBind maps a bind error to a sentinel with detail. who names the
// bind identity (never the password).
func classifyBind(who string, err error) error {
	var le *goldap.Error
	if errors.Is(err, ErrUnavailable) {
		return fmt.Errorf("binding as %q: %w", who, err)
	}
	if !errors.As(err, &le) {
		// no answer from the server (go-ldap's read errors are not *goldap.Error)
		return fmt.Errorf("binding as %q: %w: %v", who, ErrUnavailable, err)
	}
	switch le.ResultCode {
	case goldap.LDAPResultInvalidCredentials:
		msg := ""
		if le.Err != nil {
			msg = le.Err.Error()
		}
		if code := ADDataCode(msg); code != "" {
			if c, ok := adDataCodes[code]; ok {
				return fmt.Errorf("binding as %q: %w (AD data %s: %s)", who, c.err, code, c.what)
			}
			return fmt.Errorf("binding as %q: %w (AD data %s)", who, ErrInvalidCredentials, code)
		}
		return fmt.Errorf("binding as %q: %w (result 49)", who, ErrInvalidCredentials)
	case goldap.LDAPResultInappropriateAuthentication, goldap.LDAPResultUnwillingToPerform, goldap.ErrorEmptyPassword:
		return fmt.Errorf("binding as %q: %w (result %d)", who, ErrInvalidCredentials, le.ResultCode)
	case goldap.LDAPResultStrongAuthRequired, goldap.LDAPResultConfidentialityRequired:
		return fmt.Errorf("binding as %q: %w: the server requires TLS (result %d)", who, ErrUnavailable, le.ResultCode)
	}
	if isNetwork(err) {
		return fmt.Errorf("binding as %q: %w: %v", who, ErrUnavailable, err)
	}
	// Any other answer is an answer about this bind: a refusal the
	// gateway's back-off counts, so that a name spelled to draw an odd
	// result code cannot guess passwords without it.
	return fmt.Errorf("binding as %q: %w (result %d: %v)", who, ErrInvalidCredentials, le.ResultCode, le.Err)
}

// isNetwork reports errors that mean the server (or the path to it) is
// down, as opposed to an answer.
func isNetwork(err error) bool {
	if goldap.IsErrorAnyOf(err, goldap.ErrorNetwork, goldap.LDAPResultBusy, goldap.LDAPResultUnavailable,
		goldap.LDAPResultServerDown, goldap.LDAPResultConnectError, goldap.LDAPResultTimeout, goldap.LDAPResultTimeLimitExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, net.ErrClosed)
}

// searchErr wraps a failed search.
func searchErr(what string, err error) error {
	if isNetwork(err) || !goldap.IsErrorAnyOf(err, goldap.LDAPResultNoSuchObject) {
		return fmt.Errorf("searching %s: %w: %v", what, ErrUnavailable, err)
	}
	return fmt.Errorf("searching %s: %w", what, ErrNotFound)
}
