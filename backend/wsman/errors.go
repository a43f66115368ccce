package wsman

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Error categories of a target's replies and of failures to reach it.
// Errors with a user-facing meaning wrap one of these around the full
// detail (for the audit log); test with errors.Is.
var (
	ErrAccessDenied       = errors.New("access denied")
	ErrUnknownComputer    = errors.New("unknown computer")
	ErrNoLogonServers     = errors.New("no logon servers available")
	ErrInvalidCredentials = errors.New("invalid credentials")
	ErrQuotaExceeded      = errors.New("quota exceeded on the target")
	ErrUnreachable        = errors.New("target unreachable")
	// ErrUnknownConfiguration: the resource URI (a PowerShell session
	// configuration) does not exist on the target.
	ErrUnknownConfiguration = errors.New("unknown session configuration")
	// ErrShellNotFound: the shell or command of the request does not exist
	// (deleted, expired, or never created).
	ErrShellNotFound = errors.New("shell not found")
)

// WS-Man fault codes (MS-WSMV, windows-rs constants): FaultError.Code.
const (
	CodeOperationTimeout = 2150858793 // ERROR_WSMAN_OPERATION_TIMEDOUT
	CodeInvalidSelectors = 2150858843 // shell or command not found
	// CodeInvalidResourceURI: w:DestinationUnreachable, faultDetail
	// InvalidResourceURI (no such plugin or session configuration).
	CodeInvalidResourceURI = 2150858811
	CodeQuotaMaxShells     = 2150859173 // ERROR_WSMAN_QUOTA_MAX_SHELLS
	CodeQuotaMaxOps        = 2150859174 // ERROR_WSMAN_QUOTA_MAX_OPERATIONS
	CodeQuotaMaxUsers      = 2150859172 // ERROR_WSMAN_QUOTA_MAX_SHELLUSERS
	CodeQuotaMaxProcs      = 2150859175 // ERROR_WSMAN_QUOTA_MAX_PROCESSES (approx.)
	CodeAccessDenied       = 5          // ERROR_ACCESS_DENIED
	CodeAccessDeniedHR     = 2147942405 // 0x80070005
	CodeNoLogonServers     = 1311       // ERROR_NO_LOGON_SERVERS
	CodeNoLogonHR          = 2148074254 // SEC_E_NO_AUTHENTICATING_AUTHORITY 0x8009030E
	CodeLogonFailure       = 1326       // ERROR_LOGON_FAILURE
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
	case CodeQuotaMaxShells, CodeQuotaMaxOps, CodeQuotaMaxUsers, CodeQuotaMaxProcs:
		return ErrQuotaExceeded
	case CodeAccessDenied, CodeAccessDeniedHR:
		return ErrAccessDenied
	case CodeNoLogonServers, CodeNoLogonHR:
		return ErrNoLogonServers
	case CodeLogonFailure:
		return ErrInvalidCredentials
	case CodeInvalidSelectors:
		return ErrShellNotFound
	case CodeInvalidResourceURI:
		return ErrUnknownConfiguration
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

// OperationTimedOut reports the OperationTimeout fault: nothing happened
// within the request's OperationTimeout (a Receive long-poll polls again).
func (e *FaultError) OperationTimedOut() bool { return e.Code == CodeOperationTimeout }

// Classify wraps a transport-level error with its category and op (the
// operation, for the text). Errors that already carry a category keep it.
func Classify(op string, err error) error {
	if err == nil {
		return nil
	}
	for _, s := range []error{ErrAccessDenied, ErrUnknownComputer, ErrNoLogonServers, ErrInvalidCredentials,
		ErrQuotaExceeded, ErrUnreachable, ErrUnknownConfiguration, ErrShellNotFound} {
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
	case IsNetworkError(err), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w: %w", op, ErrUnreachable, err)
	case strings.Contains(strings.ToLower(err.Error()), "kdc"), strings.Contains(err.Error(), "KRB"):
		return fmt.Errorf("%s: %w: %w", op, ErrNoLogonServers, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// IsNetworkError reports a failure of the connection (refused, reset,
// dropped, timed out) rather than a reply of the target.
func IsNetworkError(err error) bool {
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &ne) || errors.As(err, &oe) ||
		strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "EOF") ||
		strings.Contains(err.Error(), "connection reset")
}

// ParseFault reads the fault of a non-200 reply (status, body) as Post
// returns it.
func ParseFault(status int, body []byte) *FaultError { return parseFault(status, string(body)) }

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
