package session

// UpdateKind says what an Update carries.
type UpdateKind int

// The kinds of updates a session gives its attached clients.
const (
	// UpdateHello is the first update of every attach (Hello, Prompt, Busy).
	UpdateHello UpdateKind = iota + 1
	// UpdateOutput is terminal text (Stream, Data, Replay: from the buffer
	// kept while no client was attached).
	UpdateOutput
	// UpdatePrompt means a command finished (Prompt, Success).
	UpdatePrompt
	// UpdateDropped says Bytes of output were lost while no client was
	// attached; it comes before the replay.
	UpdateDropped
	// UpdateIdleWarning says the session ends for inactivity in Seconds.
	UpdateIdleWarning
	// UpdateMessage is an admin message (ID, From, Text, Time).
	UpdateMessage
	// UpdateClosed means the session ended (Reason, Message); it is the last
	// update.
	UpdateClosed
	// UpdateScrollback is screen text the session's clients were shown
	// before this attach (Stream, Data), sent right after the hello so that
	// a new tab or browser shows the screen as it was.
	UpdateScrollback
	// UpdateRestored marks the end of the scrollback: what follows is new
	// (Bytes: the output buffered while disconnected, 0 when none).
	UpdateRestored
)

// Update is what a session tells its attached clients. Only the fields of
// its Kind are meaningful. The console bridge turns it into the browser's
// protocol; the session layer knows nothing of that.
type Update struct {
	Kind UpdateKind

	// UpdateHello
	Hello Hello
	Busy  bool

	// UpdateOutput, UpdateScrollback
	Stream string
	Data   string
	Replay bool

	// UpdatePrompt (Prompt is also in UpdateHello)
	Prompt  string
	Success bool

	// UpdateDropped, UpdateRestored
	Bytes int64

	// UpdateIdleWarning
	Seconds int

	// UpdateMessage
	ID   string
	From string
	Text string
	Time int // seconds to show, 0 = until dismissed

	// UpdateClosed
	Reason  Reason
	Message string // the human text for the reason
}

// Hello names the session a client has attached to.
type Hello struct {
	ID     string
	Name   string
	Target string
	User   string
}

// Client is an attached console. Deliver must not block and must not call
// back into the session: the bridge queues the update for its writer (or
// drops it and ends a client that cannot keep up). After an UpdateClosed
// the session sends nothing more.
type Client interface {
	Deliver(Update)
}
