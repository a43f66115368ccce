package session

import (
	"context"
	"strings"
	"time"
)

// Registry is where the sessions of every gateway node are counted and
// listed. The cap is checked and taken atomically in the registry, so it
// holds cluster-wide when the registry is shared (Redis).
//
// Every record carries a lease: the owning node renews its sessions with
// Refresh; a record whose lease has run out (its node died) no longer counts
// against the cap, is no longer listed and is removed lazily.
type Registry interface {
	// Reserve records info if the user (case-insensitive) has fewer than max
	// live sessions and info.Name is free, atomically. It returns
	// ErrCapReached or ErrNameTaken otherwise.
	Reserve(ctx context.Context, info Info, max int, lease time.Duration) error
	// Refresh renews the leases of the node's sessions and stores their
	// current info (state, activity).
	Refresh(ctx context.Context, infos []Info, lease time.Duration) error
	// Release removes a session; unknown IDs are not an error.
	Release(ctx context.Context, id string) error
	// List returns the live sessions matching f.
	List(ctx context.Context, f Filter) ([]Info, error)
	// Lookup finds a live session by ID or by name (case-insensitive);
	// ErrNotFound otherwise.
	Lookup(ctx context.Context, idOrName string) (Info, error)
	// Serve runs h for the admin commands sent to node until stop is called;
	// stop waits for running handlers.
	Serve(node string, h CommandHandler) (stop func(), err error)
	// Call sends cmd to node and waits for its result;
	// ErrNodeUnreachable when no node serves it or ctx ends first.
	Call(ctx context.Context, node string, cmd Command) (Result, error)
}

// CommandHandler executes an admin command on the owning node.
type CommandHandler func(ctx context.Context, cmd Command) Result

// Op is an admin operation sent to the node owning a session.
type Op string

// The admin operations.
const (
	OpReset   Op = "reset"
	OpLogoff  Op = "logoff"
	OpMessage Op = "message"
)

// Command is an admin action for sessions of one node.
type Command struct {
	Op  Op       `json:"op"`
	IDs []string `json:"ids"`
	// Message fields (OpMessage).
	MessageID string `json:"message_id,omitempty"`
	From      string `json:"from,omitempty"`
	Text      string `json:"text,omitempty"`
	Seconds   int    `json:"seconds,omitempty"`
	Wait      bool   `json:"wait,omitempty"`
	// Timeout bounds the handler (a duration, not a deadline, so clock skew
	// between nodes does not matter).
	Timeout time.Duration `json:"timeout"`
	// ReplyTo is the transport's reply address (Redis channel).
	ReplyTo string `json:"reply_to,omitempty"`
}

// Result is a node's answer to a Command.
type Result struct {
	Deliveries []Delivery `json:"deliveries,omitempty"`
	Error      string     `json:"error,omitempty"`
}

// userKey is the case-insensitive key of a user name.
func userKey(user string) string { return strings.ToLower(user) }

// matches reports whether info passes f.
func (f Filter) matches(info Info) bool {
	if f.User != "" && !strings.EqualFold(f.User, info.User) {
		return false
	}
	return f.Node == "" || f.Node == info.Node
}
