package gateway

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
)

// PSWA gateway event numbers (pswa-spec §6.3) written to the audit log.
const (
	EventAuthenticationFailure       = 257
	EventGatewayAuthorizationFailure = 259
	EventSessionLimitReached         = 260
	EventLogonFailure                = 261
	EventAuthorizationInvalidRules   = 267
	EventSessionStart                = 769
	EventSessionEnd                  = 770
	EventMaliciousData               = 1539
	EventThrottled                   = 4097 // psgate: sign-in refused by the back-off before any bind
	EventSignOut                     = 4098 // psgate: the user signed out
	EventSignIn                      = 4099 // psgate: the user signed in to the portal
)

// AuditRecord is one JSON line of the audit log. It never holds a
// password, cookie or token.
type AuditRecord struct {
	Time          time.Time `json:"time"`
	Event         int       `json:"event"`
	Name          string    `json:"name"`
	RequestID     string    `json:"request_id,omitempty"`
	User          string    `json:"user,omitempty"`
	ClientAddr    string    `json:"client_addr,omitempty"`
	XFF           string    `json:"x_forwarded_for,omitempty"`
	Target        string    `json:"target,omitempty"`
	Configuration string    `json:"configuration,omitempty"`
	Session       string    `json:"session,omitempty"`
	SessionName   string    `json:"session_name,omitempty"`
	Reason        string    `json:"reason,omitempty"` // the real reason behind "Access denied"
	Detail        string    `json:"detail,omitempty"`
}

var eventNames = map[int]string{
	EventAuthenticationFailure:       "AUTHENTICATION_FAILURE",
	EventGatewayAuthorizationFailure: "GATEWAY_AUTHORIZATION_FAILURE",
	EventSessionLimitReached:         "SESSION_LIMIT_REACHED",
	EventLogonFailure:                "LOGON_FAILURE",
	EventAuthorizationInvalidRules:   "AUTHORIZATION_FAILURE_INVALID_RULES",
	EventSessionStart:                "SESSION_START",
	EventSessionEnd:                  "SESSION_END",
	EventMaliciousData:               "MALICIOUS_DATA",
	EventThrottled:                   "SIGN_IN_THROTTLED",
	EventSignOut:                     "SIGN_OUT",
	EventSignIn:                      "SIGN_IN",
}

// AuditLog writes AuditRecords as JSON lines, one Write per record, under a
// lock so that lines never interleave.
type AuditLog struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
}

// NewAuditLog writes to w; now defaults to time.Now.
func NewAuditLog(w io.Writer, now func() time.Time) *AuditLog {
	if now == nil {
		now = time.Now
	}
	return &AuditLog{w: w, now: now}
}

// Write records r, filling Time and Name when empty.
func (a *AuditLog) Write(r AuditRecord) error {
	if r.Time.IsZero() {
		r.Time = a.now().UTC()
	}
	if r.Name == "" {
		r.Name = eventNames[r.Event]
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("marshal audit event %d: %w", r.Event, err)
	}
	b = append(b, '\n')
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, err := a.w.Write(b); err != nil {
		return fmt.Errorf("write audit event %d: %w", r.Event, err)
	}
	return nil
}
