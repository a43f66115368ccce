package winrs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/masterzen/winrm"

	"github.com/psgate/psgate/backend/wsman"
)

// EventKind says what an Event reports.
type EventKind int

// Event kinds.
const (
	// Output is text the remote PowerShell wrote (Stream, Text).
	Output EventKind = iota + 1
	// Prompt says the last block finished: Success is its $?, Location its
	// $PWD; the page renders "PS Location> ".
	Prompt
	// Exited says the remote PowerShell ended (ExitCode; Err when the
	// connection was lost rather than the process ending).
	Exited
)

func (k EventKind) String() string {
	switch k {
	case Output:
		return "output"
	case Prompt:
		return "prompt"
	case Exited:
		return "exited"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is one thing that happened on the console. Text is valid UTF-8
// with CRLF line ends (ready for xterm.js).
type Event struct {
	Kind     EventKind
	Stream   string // StreamStdout, StreamStderr or StreamWarning
	Text     string
	Location string
	Success  bool
	ExitCode int
	Err      error

	seq uint64 // the block a Prompt ends
}

// resourceCmdShell is the resource URI of the WinRS cmd shell.
const resourceCmdShell = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"

// psCommand is the long-lived process every console drives.
const psCommand = "powershell.exe -NoLogo -NoProfile -Command -"

// initScript runs before the first prompt; its output is discarded.
const initScript = "$ProgressPreference='SilentlyContinue'; " +
	"[Console]::InputEncoding = New-Object Text.UTF8Encoding $false; " +
	"[Console]::OutputEncoding = New-Object Text.UTF8Encoding $false; " +
	"$OutputEncoding = New-Object Text.UTF8Encoding $false\r\n"

// Console is one remote PowerShell over a WinRS cmd shell. Its methods are
// safe for concurrent use. emit is called from one goroutine at a time, in
// order; it must not block for long and must not call Close.
type Console struct {
	cfg     Config
	log     *slog.Logger
	emit    func(Event)
	params  *winrm.Parameters
	url     string
	ctl     transport       // Create, Command, Send, Signal, Delete
	recv    transport       // Receive only (its own connection: masterzen#142)
	krb     *wsman.Kerberos // Auth "kerberos": the credential ctl and recv share
	shellID string
	cmdID   string
	sent    sentinel

	sendMu  sync.Mutex // serialises input (Send, Interrupt's marker)
	stateMu sync.Mutex // guards seq and the busy transitions
	seq     uint64     // the last block (or re-armed marker) sent
	busy    atomic.Bool
	closed  atomic.Bool
	ready   chan struct{} // closed at the first marker

	loopCancel context.CancelFunc
	loopDone   chan struct{}
	teardown   sync.Once
	closeOnce  sync.Once
	closeErr   error

	out outputState // owned by the loop goroutine
}

// Start opens a shell on cfg.Host, starts powershell.exe -Command - in it,
// initialises it and returns once the first Prompt has been emitted. It
// fails within cfg.ConnectTimeout when the host does not answer.
func Start(ctx context.Context, cfg Config, emit func(Event)) (*Console, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("starting console on %q: %w", cfg.Host, err)
	}
	c := &Console{
		cfg:      cfg,
		log:      cfg.Logger.With("target", cfg.Host),
		emit:     emit,
		params:   winrm.NewParameters(wsman.FormatDuration(cfg.OperationTimeout), "en-US", 153600),
		url:      cfg.URL(),
		sent:     newSentinel(),
		ready:    make(chan struct{}),
		loopDone: make(chan struct{}),
	}
	err := c.newClients()
	c.cfg.Password = "" // the clients (or the gokrb5 client) hold their copy
	if err != nil {
		c.wipe()
		return nil, fmt.Errorf("starting console on %q: %w", cfg.Host, err)
	}
	c.out = newOutputState(c.sent)
	if err := c.open(ctx); err != nil {
		_ = c.Close()
		return nil, classify(fmt.Sprintf("starting console on %q", cfg.Host), err)
	}
	return c, nil
}

// newClients makes the console's two wsman clients (and, for Kerberos,
// the credential they share, which logs in at the first request: Create).
func (c *Console) newClients() error {
	var err error
	if c.cfg.Auth == "kerberos" {
		if c.krb, err = wsman.NewKerberos(c.cfg.Endpoint); err != nil {
			return err
		}
	}
	if c.ctl.c, err = wsman.NewClient(c.cfg.Endpoint, c.krb); err != nil {
		return err
	}
	c.recv.c, err = wsman.NewClient(c.cfg.Endpoint, c.krb)
	return err
}

func (c *Console) open(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, c.cfg.ConnectTimeout)
	body, err := c.ctl.post(cctx, envelope(winrm.NewOpenShellRequest(c.url, c.params)))
	cancel()
	if err != nil {
		return fmt.Errorf("creating shell: %w", err)
	}
	if c.shellID, err = winrm.ParseOpenShellResponse(string(body)); err != nil || c.shellID == "" {
		return fmt.Errorf("creating shell: no ShellId in reply: %w", errors.Join(err, errors.New("empty")))
	}
	c.log.Debug("winrs shell created", "shell", c.shellID)
	body, err = c.ctlPost(ctx, envelope(winrm.NewExecuteCommandRequest(c.url, c.shellID, psCommand, nil, c.params)))
	if err != nil {
		return fmt.Errorf("starting powershell.exe: %w", err)
	}
	if c.cmdID, err = winrm.ParseExecuteCommandResponse(string(body)); err != nil {
		return fmt.Errorf("starting powershell.exe: %w", err)
	}
	loopCtx, loopCancel := context.WithCancel(context.Background())
	c.loopCancel = loopCancel
	go c.loop(loopCtx)
	if err := c.sendRaw(ctx, initScript+c.sent.markerLine(0)); err != nil {
		return fmt.Errorf("initialising powershell.exe: %w", err)
	}
	wait := time.NewTimer(c.cfg.ConnectTimeout + c.cfg.OperationTimeout)
	defer wait.Stop()
	select {
	case <-c.ready:
		return nil
	case <-c.loopDone:
		return errors.New("powershell.exe ended before its first prompt")
	case <-wait.C:
		return fmt.Errorf("waiting for the first prompt: %w", context.DeadlineExceeded)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// reqTimeout bounds one request: the server may hold it OperationTimeout.
func (c *Console) reqTimeout() time.Duration { return c.cfg.OperationTimeout + c.cfg.ConnectTimeout }

func (c *Console) ctlPost(ctx context.Context, body []byte) ([]byte, error) {
	rctx, cancel := context.WithTimeout(ctx, c.reqTimeout())
	defer cancel()
	return c.ctl.post(rctx, body)
}

// signal builds a Signal with code for the console's command: masterzen's
// NewSignalRequest hard-codes terminate and it has no ctrl_c API
// (reference/winrm.md §1.6).
func (c *Console) signal(code string) []byte {
	return wsman.Signal(wsman.Header{To: c.url, ResourceURI: resourceCmdShell, ShellID: c.shellID,
		MaxEnvelopeSize: c.params.EnvelopeSize, OperationTimeout: c.cfg.OperationTimeout, Locale: c.params.Locale},
		c.cmdID, code)
}

// Busy reports whether a block is running (input goes to it raw).
func (c *Console) Busy() bool { return c.busy.Load() }

// Send sends user input. When idle, input is one block (any number of
// lines) run as a whole, followed by a Prompt. When busy (a running block
// reads stdin, e.g. Read-Host), input is passed on raw as one line.
func (c *Console) Send(input string) error {
	if c.closed.Load() {
		return ErrClosed
	}
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	var data string
	c.stateMu.Lock()
	if c.busy.Load() {
		data = toCRLF(strings.TrimRight(input, "\r\n")) + "\r\n"
	} else {
		c.seq++
		c.busy.Store(true)
		data = c.sent.blockWithMarker(clearHost(input), c.seq)
	}
	c.stateMu.Unlock()
	if err := c.sendRaw(context.Background(), data); err != nil {
		return classify("sending input", err)
	}
	return nil
}

// sendRaw writes data to powershell's stdin, in envelopes that stay under
// MaxEnvelopeSize after base64. (masterzen's Stdin.Write ignores base64
// growth, and its WriteClose never sends anything: we never use either.)
func (c *Console) sendRaw(ctx context.Context, data string) error {
	maxRaw := (c.params.EnvelopeSize - 2048) * 3 / 4
	for b := []byte(data); len(b) > 0; {
		n := min(len(b), maxRaw)
		if _, err := c.ctlPost(ctx, envelope(winrm.NewSendInputRequest(c.url, c.shellID, c.cmdID, b[:n], false, c.params))); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// Interrupt sends a ctrl_c Signal to powershell.exe, which stops the
// running pipeline; the session survives. When a block was running, a new
// marker line follows the signal (the block's own marker, on the block's
// line, is skipped when the pipeline stops), so a Prompt always follows;
// the older marker, should it still come, is ignored.
func (c *Console) Interrupt(ctx context.Context) error {
	if c.closed.Load() {
		return ErrClosed
	}
	if _, err := c.ctlPost(ctx, c.signal(wsman.SignalCtrlC)); err != nil {
		return classify("sending ctrl_c", err)
	}
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	c.stateMu.Lock()
	busy := c.busy.Load()
	if busy {
		c.seq++
	}
	seq := c.seq
	c.stateMu.Unlock()
	if !busy {
		return nil
	}
	if err := c.sendRaw(ctx, c.sent.markerLine(seq)); err != nil {
		return classify("sending marker after ctrl_c", err)
	}
	return nil
}

// Close stops the receive loop, terminates powershell.exe and deletes the
// remote shell. It is idempotent and bounded by ConnectTimeout per request.
func (c *Console) Close() error {
	c.closeOnce.Do(func() {
		c.closed.Store(true)
		if c.loopCancel != nil {
			c.loopCancel()
			<-c.loopDone
		}
		c.closeErr = c.release()
		c.wipe()
	})
	return c.closeErr
}

// release terminates the command and deletes the shell, once.
func (c *Console) release() error {
	var err error
	c.teardown.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), c.cfg.ConnectTimeout)
		defer cancel()
		var errs []error
		if c.cmdID != "" {
			if _, e := c.ctl.post(ctx, c.signal(wsman.SignalTerminate)); e != nil {
				errs = append(errs, fmt.Errorf("terminating command %s: %w", c.cmdID, e))
			}
		}
		if c.shellID != "" {
			if _, e := c.ctl.post(ctx, envelope(winrm.NewDeleteShellRequest(c.url, c.shellID, c.params))); e != nil {
				errs = append(errs, fmt.Errorf("deleting shell %s: %w", c.shellID, e))
			}
		}
		err = errors.Join(errs...)
		if err != nil {
			c.log.Warn("winrs shell release", "shell", c.shellID, "error", err)
		}
	})
	return err
}

// wipe drops the credential from our copies (strings cannot be zeroed in
// place; this lets the garbage collector take them).
func (c *Console) wipe() {
	c.cfg.Password = ""
	c.ctl.close()
	c.recv.close()
	if c.krb != nil {
		c.krb.Close() // stops its TGT renewal, drops tickets and password
	}
}

func toCRLF(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}
