package wsman

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// ShellOptions configure a Shell. Zero fields take the defaults stated.
type ShellOptions struct {
	// ResourceURI of the shell: PowerShellResourceURI(configuration) for
	// PSRP, ResourceCmd for WinRS. Required.
	ResourceURI string
	// Create is the rsp:Shell of the Create; its streams default to
	// PSRP's ("stdin pr", "stdout").
	Create CreateRequest
	// CreateOptions are the Create's OptionSet, e.g.
	// {Name: "protocolversion", Value: "2.3", MustComply: true}.
	CreateOptions []Option
	// MaxEnvelopeSize of every request (default 153600; SetMaxEnvelopeSize
	// changes it after the PSRP protocol negotiation, e.g. to 512000).
	MaxEnvelopeSize int
	// OperationTimeout of every request (default 20 s); a Receive waits
	// this long for output.
	OperationTimeout time.Duration
	// Locale of Locale and DataLocale (default "en-US").
	Locale string
	// SessionID of every request (default a new "uuid:…"): one per client,
	// the same for all its shells; Reconnect needs the one of the client
	// that disconnected.
	SessionID string
	// NewMessageID makes each request's MessageID (default NewMessageID).
	NewMessageID func() string
}

func (o *ShellOptions) setDefaults() {
	if o.Create.InputStreams == "" {
		o.Create.InputStreams = "stdin pr"
	}
	if o.Create.OutputStreams == "" {
		o.Create.OutputStreams = "stdout"
	}
	if o.MaxEnvelopeSize == 0 {
		o.MaxEnvelopeSize = 153600
	}
	if o.OperationTimeout == 0 {
		o.OperationTimeout = 20 * time.Second
	}
	if o.Locale == "" {
		o.Locale = "en-US"
	}
	if o.SessionID == "" {
		o.SessionID = NewMessageID()
	}
	if o.NewMessageID == nil {
		o.NewMessageID = NewMessageID
	}
}

// Shell is one remote shell (a PSRP runspace pool or a WinRS shell) and
// the operations on it. A Shell posts on one Client; On gives a Shell
// posting on another (a console's Receive loop has a Client of its own).
type Shell struct {
	c *Client
	s *shellState
}

type shellState struct {
	opts    ShellOptions
	id      string
	info    ShellInfo
	maxSize atomic.Int64
	timeout atomic.Int64 // time.Duration
}

// CreateShell creates a shell with o (defaulted here) and returns it.
func (c *Client) CreateShell(ctx context.Context, o ShellOptions) (*Shell, error) {
	sh, err := c.newShell(o, "")
	if err != nil {
		return nil, err
	}
	h := sh.header()
	h.Options = sh.s.opts.CreateOptions
	reply, err := c.Post(ctx, Create(h, sh.s.opts.Create))
	if err != nil {
		return nil, Classify("creating shell "+o.ResourceURI, err)
	}
	info, err := ParseCreate(reply)
	if err != nil {
		return nil, fmt.Errorf("creating shell %s: %w", o.ResourceURI, err)
	}
	sh.s.id, sh.s.info = info.ShellID, info
	return sh, nil
}

// OpenShell returns the existing shell shellID (a disconnected one, to
// Connect or Reconnect to) without a request.
func (c *Client) OpenShell(shellID string, o ShellOptions) (*Shell, error) {
	if shellID == "" {
		return nil, errors.New("opening shell: no shell id")
	}
	return c.newShell(o, shellID)
}

func (c *Client) newShell(o ShellOptions, id string) (*Shell, error) {
	if o.ResourceURI == "" {
		return nil, errors.New("shell: no resource URI")
	}
	o.setDefaults()
	st := &shellState{opts: o, id: id}
	st.maxSize.Store(int64(o.MaxEnvelopeSize))
	st.timeout.Store(int64(o.OperationTimeout))
	return &Shell{c: c, s: st}, nil
}

// On returns the same shell posting on c.
func (sh *Shell) On(c *Client) *Shell { return &Shell{c: c, s: sh.s} }

// ID is the ShellId.
func (sh *Shell) ID() string { return sh.s.id }

// Info is the rsp:Shell the Create returned (zero for an OpenShell).
func (sh *Shell) Info() ShellInfo { return sh.s.info }

// SetMaxEnvelopeSize sets the MaxEnvelopeSize of later requests.
func (sh *Shell) SetMaxEnvelopeSize(n int) { sh.s.maxSize.Store(int64(n)) }

// SetOperationTimeout sets the OperationTimeout of later requests (pypsrp
// uses 5 s for an is-alive Get, 30 s for a Delete).
func (sh *Shell) SetOperationTimeout(d time.Duration) { sh.s.timeout.Store(int64(d)) }

func (sh *Shell) header() Header {
	o := &sh.s.opts
	return Header{To: sh.c.url, ResourceURI: o.ResourceURI, ShellID: sh.s.id, MaxEnvelopeSize: int(sh.s.maxSize.Load()),
		OperationTimeout: time.Duration(sh.s.timeout.Load()), Locale: o.Locale, MessageID: o.NewMessageID(), SessionID: o.SessionID}
}

// post sends an envelope and classifies its error with op.
func (sh *Shell) post(ctx context.Context, op string, env []byte) ([]byte, error) {
	reply, err := sh.c.Post(ctx, env)
	if err != nil {
		return nil, Classify(fmt.Sprintf("%s (shell %s)", op, sh.s.id), err)
	}
	return reply, nil
}

// Command starts the PSRP pipeline id with the first fragment(s) of its
// CREATE_PIPELINE in args (Option WINRS_SKIP_CMD_SHELL=False, as PSRP
// clients send it) and returns the CommandId.
func (sh *Shell) Command(ctx context.Context, id string, args []byte) (string, error) {
	h := sh.header()
	h.Options = []Option{{Name: "WINRS_SKIP_CMD_SHELL", Value: "False"}}
	return sh.command(ctx, h, CommandRequest{CommandID: id, Arguments: PSRPArguments(args)})
}

// CommandLine starts a WinRS command line and returns its CommandId.
func (sh *Shell) CommandLine(ctx context.Context, command string, args ...string) (string, error) {
	return sh.command(ctx, sh.header(), CommandRequest{Command: command, Arguments: args})
}

func (sh *Shell) command(ctx context.Context, h Header, r CommandRequest) (string, error) {
	reply, err := sh.post(ctx, "starting command", Command(h, r))
	if err != nil {
		return "", err
	}
	return ParseCommand(reply)
}

// Send sends data on stream ("stdin", "pr") to commandID ("" for the
// shell); end marks the stream's end.
func (sh *Shell) Send(ctx context.Context, commandID, stream string, data []byte, end bool) error {
	_, err := sh.post(ctx, "sending to "+commandID, Send(sh.header(), commandID, stream, data, end))
	return err
}

// Receive polls the output of commandID ("" for the shell's) with the
// keep-alive option. Nothing within the OperationTimeout (the
// 2150858793 fault) is an empty reply, not an error.
func (sh *Shell) Receive(ctx context.Context, commandID, streams string) (ReceiveResponse, error) {
	h := sh.header()
	h.Options = []Option{OptionKeepAlive}
	reply, err := sh.c.Post(ctx, Receive(h, commandID, streams))
	var f *FaultError
	if errors.As(err, &f) && f.OperationTimedOut() {
		return ReceiveResponse{}, nil
	}
	if err != nil {
		return ReceiveResponse{}, Classify(fmt.Sprintf("receiving from %s (shell %s)", commandID, sh.s.id), err)
	}
	return ParseReceive(reply)
}

// Signal sends code (SignalPSCtrlC, SignalTerminate, SignalCtrlC) to
// commandID.
func (sh *Shell) Signal(ctx context.Context, commandID, code string) error {
	_, err := sh.post(ctx, "signalling "+commandID, Signal(sh.header(), commandID, code))
	return err
}

// Delete deletes the shell.
func (sh *Shell) Delete(ctx context.Context) error {
	_, err := sh.post(ctx, "deleting shell", Delete(sh.header()))
	return err
}

// Get returns the shell's current rsp:Shell (State "Connected" or
// "Disconnected"); it is addressed to ResourceShells, as pypsrp's
// is-alive check does.
func (sh *Shell) Get(ctx context.Context) (ShellInfo, error) {
	h := sh.header()
	h.ResourceURI = ResourceShells
	reply, err := sh.post(ctx, "getting shell", Get(h))
	if err != nil {
		return ShellInfo{}, err
	}
	return ParseGet(reply)
}

// Disconnect disconnects the shell; idle (0: the server's) is how long the
// server keeps it.
func (sh *Shell) Disconnect(ctx context.Context, idle time.Duration) error {
	return sh.DisconnectWith(ctx, DisconnectRequest{IdleTimeOut: idle})
}

// DisconnectWith disconnects the shell with r's idle timeout and output
// buffering mode.
func (sh *Shell) DisconnectWith(ctx context.Context, r DisconnectRequest) error {
	_, err := sh.post(ctx, "disconnecting shell", DisconnectWith(sh.header(), r))
	return err
}

// Reconnect reconnects the client that disconnected the shell.
func (sh *Shell) Reconnect(ctx context.Context) error {
	_, err := sh.post(ctx, "reconnecting shell", Reconnect(sh.header()))
	return err
}

// Connect connects a new client to the disconnected shell with the PSRP
// connectXml payload and options (protocolversion), or, with commandID,
// to one of its commands (payload and options nil).
func (sh *Shell) Connect(ctx context.Context, commandID string, payload []byte, opts ...Option) (ConnectResponse, error) {
	h := sh.header()
	h.Options = opts
	reply, err := sh.post(ctx, "connecting "+commandID, Connect(h, commandID, payload))
	if err != nil {
		return ConnectResponse{}, err
	}
	return ParseConnect(reply)
}

// Commands enumerates the shell's commands.
func (sh *Shell) Commands(ctx context.Context) ([]CommandInfo, error) {
	h := sh.header()
	h.ResourceURI = ResourceCommands
	reply, err := sh.post(ctx, "enumerating commands", Enumerate(h, sh.s.id))
	if err != nil {
		return nil, err
	}
	r, err := ParseEnumerate(reply)
	return r.Commands, err
}

// Shells enumerates the user's shells on the target (every resource URI);
// o gives the header values (MaxEnvelopeSize, SessionID …).
func (c *Client) Shells(ctx context.Context, o ShellOptions) ([]ShellInfo, error) {
	o.ResourceURI = ResourceShells
	sh, err := c.newShell(o, "")
	if err != nil {
		return nil, err
	}
	reply, err := sh.post(ctx, "enumerating shells", Enumerate(sh.header(), ""))
	if err != nil {
		return nil, err
	}
	r, err := ParseEnumerate(reply)
	return r.Shells, err
}
