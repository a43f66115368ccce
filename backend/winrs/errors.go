package winrs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Error categories. Every error returned by Start, Send, Interrupt and Close
// that has a user-facing meaning wraps one of these around the full detail
// (for the audit log); classify with errors.Is.
var (
	ErrAccessDenied              = errors.New("access denied")
	ErrUnknownComputer           = errors.New("unknown computer")
	ErrNoLogonServers            = errors.New("no logon servers available")
	ErrInvalidCredentials        = errors.New("invalid credentials")
	ErrQuotaExceeded             = errors.New("quota exceeded on the target")
	ErrUnreachable               = errors.New("target unreachable")
	ErrConfigurationNotSupported = errors.New("session configurations cannot be enforced over WinRS; only Microsoft.PowerShell is supported")
	// ErrClosed is returned by Send and Interrupt after Close or after the
	// remote PowerShell exited.
	ErrClosed = errors.New("console closed")
)

// WS-Man fault codes (MS-WSMV, windows-rs constants).
const (
	codeOperationTimeout = 2150858793 // ERROR_WSMAN_OPERATION_TIMEDOUT
	codeInvalidSelectors = 2150858843 // shell or command not found
	codeQuotaMaxShells   = 2150859173 // ERROR_WSMAN_QUOTA_MAX_SHELLS
	codeQuotaMaxOps      = 2150859174 // ERROR_WSMAN_QUOTA_MAX_OPERATIONS
	codeQuotaMaxUsers    = 2150859172 // ERROR_WSMAN_QUOTA_MAX_SHELLUSERS
	codeQuotaMaxProcs    = 2150859175 // ERROR_WSMAN_QUOTA_MAX_PROCESSES (approx.)
	codeAccessDenied     = 5          // ERROR_ACCESS_DENIED
	codeAccessDeniedHR   = 2147942405 // 0x80070005
	codeNoLogonServers   = 1311       // ERROR_NO_LOGON_SERVERS
	codeNoLogonHR        = 2148074254 // SEC_E_NO_AUTHENTICATING_AUTHORITY 0x8009030E
	codeLogonFailure     = 1326       // ERROR_LOGON_FAILURE
)

// FaultError is a non-200 reply of the target: the HTTP status, the WS-Man
// fault code (0 if none) and the reason text.
type FaultError struct {
	Status int
	Code   uint64
	Reason string
	Body   string
}

func (e *FaultError) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("http %d: wsman fault %d: %s", e.Status, e.Code, e.Reason)
	}
	if e.Reason != "" {
		return fmt.Sprintf("http %d: %s", e.Status, e.Reason)
	}
	return fmt.Sprintf("http %d", e.Status)
}

// Unwrap maps the fault to its category.
func (e *FaultError) Unwrap() error {
	switch e.Code {
	case codeQuotaMaxShells, codeQuotaMaxOps, codeQuotaMaxUsers, codeQuotaMaxProcs:
		return ErrQuotaExceeded
	case codeAccessDenied, codeAccessDeniedHR:
		return ErrAccessDenied
	case codeNoLogonServers, codeNoLogonHR:
		return ErrNoLogonServers
	case codeLogonFailure:
		return ErrInvalidCredentials
	}
	switch e.Status {
	case 401:
		return ErrInvalidCredentials
	case 403:
		return ErrAccessDenied
	}
	r := strings.ToLower(e.Reason)
	switch {
	case strings.Contains(r, "access is denied"):
		return ErrAccessDenied
	case strings.Contains(r, "no logon servers"):
		return ErrNoLogonServers
	}
	return nil
}

func (e *FaultError) isTimeout() bool { return e.Code == codeOperationTimeout }

// classify wraps a transport-level error with its category. Errors that
// already carry a category are returned as they are.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	for _, s := range []error{ErrAccessDenied, ErrUnknownComputer, ErrNoLogonServers, ErrInvalidCredentials,
		ErrQuotaExceeded, ErrUnreachable, ErrConfigurationNotSupported, ErrClosed} {
		if errors.Is(err, s) {
			if !strings.Contains(err.Error(), s.Error()) {
				return fmt.Errorf("%s: %w: %w", op, s, err) // name the category in the text too
			}
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr) && (dnsErr.IsNotFound || dnsErr.Err == "no such host"):
		return fmt.Errorf("%s: %w: %w", op, ErrUnknownComputer, err)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%s: %w", op, err)
	case isNetError(err), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w: %w", op, ErrUnreachable, err)
	case strings.Contains(strings.ToLower(err.Error()), "kdc"), strings.Contains(err.Error(), "KRB"):
		return fmt.Errorf("%s: %w: %w", op, ErrNoLogonServers, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

func isNetError(err error) bool {
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &ne) || errors.As(err, &oe) ||
		strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "EOF") ||
		strings.Contains(err.Error(), "connection reset")
}

// parseFault reads the WS-Man fault code and reason out of a SOAP fault body.
func parseFault(status int, body string) *FaultError {
	f := &FaultError{Status: status, Body: body}
	if i := strings.Index(body, "Code=\""); i >= 0 && strings.Contains(body, "WSManFault") {
		rest := body[i+len("Code=\""):]
		if j := strings.IndexByte(rest, '"'); j > 0 {
			f.Code, _ = strconv.ParseUint(rest[:j], 10, 64)
		}
	}
	f.Reason = faultReason(body)
	return f
}

// faultReason returns the text of the first Message or Text element.
func faultReason(body string) string {
	for _, tag := range []string{"Message", "Text"} {
		if t := elementText(body, tag); t != "" {
			return strings.TrimSpace(t)
		}
	}
	return ""
}

// elementText finds <prefix:tag ...>text</ and returns text (no nesting).
func elementText(body, tag string) string {
	for i := 0; i < len(body); {
		j := strings.Index(body[i:], tag)
		if j < 0 {
			return ""
		}
		j += i
		i = j + len(tag)
		if j == 0 || (body[j-1] != ':' && body[j-1] != '<') {
			continue
		}
		k := strings.IndexByte(body[i:], '>')
		if k < 0 || (i < len(body) && body[i] != '>' && body[i] != ' ') {
			continue
		}
		start := i + k + 1
		end := strings.Index(body[start:], "</")
		if end < 0 {
			return ""
		}
		return xmlUnescape(body[start : start+end])
	}
	return ""
}

func xmlUnescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'", "&amp;", "&").Replace(s)
}
