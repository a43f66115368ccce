package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// PSWA gateway event numbers (pswa-spec §6.3) written to the audit log.
const (
	AuthenticationFailure       = 257
	GatewayAuthorizationFailure = 259
	SessionLimitReached         = 260
	LogonFailure                = 261
	AuthorizationInvalidRules   = 267
	SessionStart                = 769
	SessionEnd                  = 770
	MaliciousData               = 1539
	Throttled                   = 4097 // psgate: sign-in refused by the back-off before any bind
	SignOut                     = 4098 // psgate: the user signed out
	SignIn                      = 4099 // psgate: the user signed in to the portal
	DirectoryUnavailable        = 4100 // psgate: a sign-in failed because the directory could not answer (not a failed guess)
	MFAEnrol                    = 4101 // psgate: a second factor was enrolled (Detail: its kind)
	MFAUse                      = 4102 // psgate: a second factor passed (Detail: totp or recovery)
	MFAFailure                  = 4103 // psgate: a second-factor code was refused, or its step throttled or expired
	MFAReset                    = 4104 // psgate: an admin removed a user's factors, or issued an enrolment code
)

// Record is one JSON line of the audit log. It never holds a
// password, cookie or token.
type Record struct {
	Time          time.Time `json:"time"`
	Event         int       `json:"event"`
	Name          string    `json:"name"`
	RequestID     string    `json:"request_id,omitempty"`
	User          string    `json:"user,omitempty"`
	TypedUser     string    `json:"typed_user,omitempty"` // sign-in events: the name as typed (User is the resolved account when known)
	ClientAddr    string    `json:"client_addr,omitempty"`
	XFF           string    `json:"x_forwarded_for,omitempty"`
	Target        string    `json:"target,omitempty"`
	Configuration string    `json:"configuration,omitempty"`
	Session       string    `json:"session,omitempty"`
	SessionName   string    `json:"session_name,omitempty"`
	Node          string    `json:"node,omitempty"`   // the gateway that wrote it (session events)
	Reason        string    `json:"reason,omitempty"` // the real reason behind "Access denied"
	Detail        string    `json:"detail,omitempty"`
}

var eventNames = map[int]string{
	AuthenticationFailure:       "AUTHENTICATION_FAILURE",
	GatewayAuthorizationFailure: "GATEWAY_AUTHORIZATION_FAILURE",
	SessionLimitReached:         "SESSION_LIMIT_REACHED",
	LogonFailure:                "LOGON_FAILURE",
	AuthorizationInvalidRules:   "AUTHORIZATION_FAILURE_INVALID_RULES",
	SessionStart:                "SESSION_START",
	SessionEnd:                  "SESSION_END",
	MaliciousData:               "MALICIOUS_DATA",
	Throttled:                   "SIGN_IN_THROTTLED",
	SignOut:                     "SIGN_OUT",
	SignIn:                      "SIGN_IN",
	DirectoryUnavailable:        "SIGN_IN_DIRECTORY_UNAVAILABLE",
	MFAEnrol:                    "MFA_ENROL",
	MFAUse:                      "MFA_USE",
	MFAFailure:                  "MFA_FAILURE",
	MFAReset:                    "MFA_RESET",
}

// Log writes AuditRecords as JSON lines, one Write per record, under a
// lock so that lines never interleave.
type Log struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
}

// NewLog writes to w; now defaults to time.Now.
func NewLog(w io.Writer, now func() time.Time) *Log {
	if now == nil {
		now = time.Now
	}
	return &Log{w: w, now: now}
}

// Write records r, filling Time and Name when empty.
func (a *Log) Write(r Record) error {
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

// Sink returns a func that writes each record and logs a failed write to
// logger (for emitters that cannot return the error, such as the session
// manager).
func (a *Log) Sink(logger *slog.Logger) func(Record) {
	return func(r Record) {
		if err := a.Write(r); err != nil {
			logger.Error("audit", "event", r.Event, "err", err)
		}
	}
}
