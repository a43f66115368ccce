package session

import "context"

// Shell is the console backend as the session layer needs it. It is
// implemented by an adapter over gateway/winrs (or a PSRP backend).
//
// Send gives the backend one block of input (a command block when the shell
// is idle, one line when a running command reads input). Interrupt stops the
// running command (Ctrl+C); the shell survives. Close ends the remote shell.
// The methods may be called concurrently (two attached tabs) and after
// Close, where they return an error.
type Shell interface {
	Send(input string) error
	Interrupt(ctx context.Context) error
	Close() error
}

// EventKind says what a shell Event carries.
type EventKind int

// The kinds of shell events.
const (
	// EventOutput is text for the terminal (Stream, Text).
	EventOutput EventKind = iota + 1
	// EventPrompt means a command finished (Prompt, Success).
	EventPrompt
	// EventExited means the remote shell ended on its own (ExitCode).
	EventExited
	// EventRequest means the remote host asks the user (Request); the
	// shell is an Answerer. See hostui.go.
	EventRequest
	// EventRequestDone means a request is no longer waiting (RequestID):
	// it was answered (possibly from another tab) or its pipeline ended.
	EventRequestDone
	// EventProgress is a Write-Progress record (Progress).
	EventProgress
)

// String names the kind for logs.
func (k EventKind) String() string {
	switch k {
	case EventOutput:
		return "output"
	case EventPrompt:
		return "prompt"
	case EventExited:
		return "exited"
	case EventRequest:
		return "request"
	case EventRequestDone:
		return "request_done"
	case EventProgress:
		return "progress"
	}
	return "unknown"
}

// Event is something the shell reports to its session.
type Event struct {
	Kind EventKind
	// Stream is stdout, stderr, warning, verbose, debug or info
	// (EventOutput).
	Stream string
	// Text is terminal-ready text, CRLF line ends (EventOutput).
	Text string
	// Prompt is the prompt to show, e.g. "PS C:\Users\alice> " (EventPrompt).
	Prompt string
	// Success reports whether the command succeeded (EventPrompt).
	Success bool
	// ExitCode is the shell's exit code (EventExited).
	ExitCode int
	// Err, with EventExited, says the shell failed rather than exited:
	// the target went away, the shell expired there. The session ends
	// with ReasonError and the audit event carries the detail.
	Err error
	// Request is what the host asks (EventRequest).
	Request *Request
	// RequestID names the request that is done (EventRequestDone).
	RequestID string
	// Progress is the progress record (EventProgress).
	Progress *Progress
}

// Opener opens the remote shell of a new session. The session layer calls it
// once, after the cap slot is reserved. emit may be called from any goroutine,
// already during Opener, and must not be called after Close returns; events
// are delivered in the order of the calls.
type Opener func(ctx context.Context, emit func(Event)) (Shell, error)
