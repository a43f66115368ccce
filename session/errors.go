package session

import "errors"

// Sentinel errors; classify with errors.Is.
var (
	// ErrCapReached means the user already has the maximum number of
	// sessions (active + disconnected), cluster-wide.
	ErrCapReached = errors.New("session limit reached")
	// ErrNotFound means no such session, or one the caller may not see.
	ErrNotFound = errors.New("session not found")
	// ErrClosed means the session has ended.
	ErrClosed = errors.New("session closed")
	// ErrNameTaken is returned by a Registry when a session name is in use;
	// the Manager then tries the next suffix.
	ErrNameTaken = errors.New("session name taken")
	// ErrNodeUnreachable means the gateway owning a session did not answer
	// an admin command (no subscriber, or it timed out).
	ErrNodeUnreachable = errors.New("gateway node unreachable")
	// ErrTooManyClients means the session already has Config.MaxClients
	// browsers attached.
	ErrTooManyClients = errors.New("too many browsers attached to the session")
	// ErrShutdown means the Manager is shutting down.
	ErrShutdown = errors.New("session manager shut down")
)
