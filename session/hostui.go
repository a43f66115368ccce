package session

import "context"

// The PowerShell host UI: what a PSRP backend asks of the user (Read-Host,
// Read-Host -AsSecureString, Get-Credential, PromptForChoice) and shows
// besides text (Write-Progress), and what the user answers. A backend emits
// EventRequest and EventProgress; the session keeps the requests still
// waiting for an answer (a reattaching client gets them again after the
// scrollback) and routes the answer to the shell's Answerer. Secrets (the
// answer to a RequestSecret or the password of a RequestCredential) are
// never recorded: not in the scrollback, the disconnected buffer, logs or
// audit records.

// RequestKind says what a Request asks for.
type RequestKind string

// The kinds of host requests.
const (
	// RequestLine is Read-Host: one line, echoed.
	RequestLine RequestKind = "line"
	// RequestSecret is Read-Host -AsSecureString: one line, masked.
	RequestSecret RequestKind = "secret"
	// RequestCredential is Get-Credential ($Host.UI.PromptForCredential):
	// a user name (echoed) and a password (masked).
	RequestCredential RequestKind = "credential"
	// RequestChoice is $Host.UI.PromptForChoice: one choice (or several,
	// Multiple) out of Choices.
	RequestChoice RequestKind = "choice"
)

// Request is one question of the remote host to the user.
type Request struct {
	// ID is unique within the session (the backend chooses it).
	ID   string
	Kind RequestKind
	// Caption and Message are the prompt's caption and message (either may
	// be empty); Label is the text before the input ("Name: ").
	Caption, Message, Label string
	// Choices, Default (indexes into Choices) and Multiple: RequestChoice.
	Choices  []Choice
	Default  []int
	Multiple bool
	// UserName is the proposed user name, TargetName the resource the
	// credential is for (RequestCredential).
	UserName, TargetName string
}

// Choice is one answer of a RequestChoice: its label with the hot key
// marked by '&' as PowerShell writes it ("&Yes"), and its help text.
type Choice struct {
	Label string
	Help  string
}

// Answer is the user's answer to a Request.
type Answer struct {
	// Text answers RequestLine; UserName a RequestCredential.
	Text, UserName string
	// Secret answers RequestSecret and is a RequestCredential's password.
	// It is held only until the backend has sent it (encrypted) to the
	// target.
	Secret string
	// Choices answers RequestChoice (indexes into its Choices).
	Choices []int
	// Cancel is Ctrl+C at the prompt: the host call fails and the
	// pipeline stops, as in a PowerShell window.
	Cancel bool
}

// Progress is a Write-Progress record.
type Progress struct {
	ActivityID, ParentActivityID int
	Activity, Status, Operation  string
	// Percent is 0–100, or -1 when unknown; SecondsRemaining -1 when
	// unknown.
	Percent, SecondsRemaining int
	// Completed removes the activity's bar.
	Completed bool
}

// Answerer is implemented by a Shell whose remote host can ask the user
// (EventRequest): Answer answers request id, once.
type Answerer interface {
	Answer(id string, a Answer) error
}

// Completer is implemented by a Shell that completes input (PSRP's
// TabExpansion2): Complete completes input with the cursor at byte offset
// cursor.
type Completer interface {
	Complete(ctx context.Context, input string, cursor int) (Completion, error)
}

// Completion is what a Completer proposes: replace Length bytes of the input
// at byte offset Start with one of Matches (in order).
type Completion struct {
	Start, Length int
	Matches       []string
}
