package session

import "time"

// State is a session's lifecycle state.
type State string

// The states of a session.
const (
	// StateActive: at least one client is attached.
	StateActive State = "active"
	// StateDisconnected: no client; the shell keeps running and its output
	// goes to the bounded buffer.
	StateDisconnected State = "disconnected"
	// StateClosed: the session has ended.
	StateClosed State = "closed"
)

// Info describes a session, for listing and for the registry.
type Info struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"` // user.yyMMdd.HHmmss[.N], as PSWA
	User          string    `json:"user"`
	Target        string    `json:"target"`
	Configuration string    `json:"configuration"`
	State         State     `json:"state"`
	Busy          bool      `json:"busy"` // a command is executing
	Node          string    `json:"node"` // the gateway that owns the shell
	Created       time.Time `json:"created"`
	LastActivity  time.Time `json:"last_activity"`
	ClientAddr    string    `json:"client_addr"`
}

// Filter selects sessions in List; empty fields match everything. User
// compares case-insensitively.
type Filter struct {
	User string
	Node string
}
