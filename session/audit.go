package session

import "time"

// Audit event numbers, as PSWA's gateway event log.
const (
	AuditSessionLimit = 260 // SESSION_LIMIT_REACHED
	AuditSessionStart = 769 // SESSION_START
	AuditSessionEnd   = 770 // SESSION_END
)

// AuditEvent is one session audit record; the gateway writes it to its
// audit stream.
type AuditEvent struct {
	Event         int // AuditSessionStart, AuditSessionEnd, AuditSessionLimit
	Time          time.Time
	Session       string // session ID (empty for 260)
	Name          string // session name
	User          string
	Target        string
	Configuration string
	ClientAddr    string
	Node          string
	Reason        Reason // 770 only
	Detail        string // 770 only: the error behind ReasonError, for the audit log
	Max           int    // 260 only: the cap
}
