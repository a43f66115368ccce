package session

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/psgate/psgate/audit"
)

// Session is one console session: a remote shell owned by this gateway,
// with zero or more attached clients. Its methods are safe for concurrent
// use.
type Session struct {
	m    *Manager
	info Info // immutable identity; live fields are below
	done chan struct{}

	mu           sync.Mutex
	shell        Shell
	exited       bool  // the shell exited before Open finished
	exitErr      error // why it failed, when it did (Event.Err)
	clients      []*attachment
	buf          outputBuffer // output while disconnected, not yet seen
	screen       outputBuffer // what clients were shown (scrollback.go)
	prompt       string
	busy         bool
	lastActivity time.Time
	closed       bool
	timer        Timer
	warned       bool
	acks         map[string]*pendingAck // by message ID
}

// attachment is one attached client; its identity is its pointer.
type attachment struct{ c Client }

func newSession(m *Manager, info Info) *Session {
	return &Session{
		m: m, info: info, done: make(chan struct{}),
		buf: outputBuffer{max: m.cfg.BufferBytes}, screen: outputBuffer{max: m.cfg.ScrollbackBytes},
		lastActivity: info.Created,
	}
}

// start hands the opened shell to the session and arms the idle timer. A
// session ended meanwhile (shutdown) closes the shell at once.
func (s *Session) start(shell Shell) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		if err := shell.Close(); err != nil {
			s.m.log.Warn("closing shell", "session", s.info.Name, "err", err)
		}
		return
	}
	s.shell = shell
	exited, exitErr := s.exited, s.exitErr
	s.scheduleIdleLocked(s.m.cfg.Clock.Now())
	s.mu.Unlock()
	if exited {
		go s.end(context.Background(), exitReason(exitErr), false)
	}
}

// ID returns the session ID.
func (s *Session) ID() string { return s.info.ID }

// Info returns a snapshot of the session.
func (s *Session) Info() Info {
	s.mu.Lock()
	defer s.mu.Unlock()
	info := s.info
	info.LastActivity, info.Busy = s.lastActivity, s.busy
	switch {
	case s.closed:
		info.State = StateClosed
	case len(s.clients) > 0:
		info.State = StateActive
	default:
		info.State = StateDisconnected
	}
	return info
}

func (s *Session) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// emit receives the shell's events.
func (s *Session) emit(ev Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	switch ev.Kind {
	case EventOutput:
		text := ev.Text
		if i := lastClear(text); i >= 0 { // Clear-Host: what came before is gone
			s.screen.reset()
			if len(s.clients) == 0 {
				s.buf.reset()
			}
			text = text[i:]
		}
		if len(s.clients) == 0 {
			s.buf.addOutput(ev.Stream, text)
			return
		}
		s.screen.addText(ev.Stream, text)
		s.deliverLocked(Update{Kind: UpdateOutput, Stream: ev.Stream, Data: ev.Text})
	case EventPrompt:
		s.prompt, s.busy = ev.Prompt, false
		if len(s.clients) == 0 {
			s.buf.addPrompt(ev.Prompt, ev.Success)
			return
		}
		s.deliverLocked(Update{Kind: UpdatePrompt, Prompt: ev.Prompt, Success: ev.Success})
	case EventExited:
		s.exitErr = ev.Err
		if s.shell == nil {
			s.exited = true
			return
		}
		// Not here: closing the shell from its own callback could deadlock.
		go s.end(context.Background(), exitReason(ev.Err), false)
	}
}

func (s *Session) deliverLocked(u Update) {
	for _, a := range s.clients {
		a.c.Deliver(u)
	}
}

// Attach adds a client: it first gets a hello update, then the screen its
// clients were shown before (scrollback updates, then a restored marker),
// then the output buffered while the session was disconnected (after a
// dropped update when the buffer overflowed), then live updates. Attaching
// counts as activity.
// detach is idempotent; when the last client detaches the session is
// disconnected and buffers its output.
func (s *Session) Attach(c Client) (detach func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, fmt.Errorf("attaching to session %q: %w", s.info.Name, ErrClosed)
	}
	if len(s.clients) >= s.m.cfg.MaxClients {
		return nil, fmt.Errorf("attaching to session %q: %d attached: %w", s.info.Name, len(s.clients), ErrTooManyClients)
	}
	a := &attachment{c: c}
	c.Deliver(Update{Kind: UpdateHello, Prompt: s.prompt, Busy: s.busy, Hello: Hello{
		ID: s.info.ID, Name: s.info.Name, Target: s.info.Target, User: s.info.User}})
	if seen := s.screen.scrollback(); len(seen) > 0 {
		for _, u := range seen {
			c.Deliver(u)
		}
		c.Deliver(Update{Kind: UpdateRestored, Bytes: s.buf.outputBytes()})
	}
	for _, u := range s.buf.drain() {
		c.Deliver(u)
		if u.Kind == UpdateOutput {
			s.screen.addText(u.Stream, u.Data) // seen now
		}
	}
	s.clients = append(s.clients, a)
	s.touchLocked()
	if len(s.clients) == 1 {
		s.m.markDirty(s) // now active
	}
	return func() { s.detach(a) }, nil
}

func (s *Session) detach(a *attachment) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, x := range s.clients {
		if x == a {
			s.clients = append(s.clients[:i], s.clients[i+1:]...)
			if len(s.clients) == 0 {
				s.clients = nil
				s.m.markDirty(s) // now disconnected
			}
			return
		}
	}
}

// Input sends one block of input to the shell and slides the idle timer.
func (s *Session) Input(text string) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("input to session %q: %w", s.info.Name, ErrClosed)
	}
	s.touchLocked()
	s.screen.addText("stdout", echo(s.prompt, text, s.busy))
	s.busy = true
	shell := s.shell
	s.mu.Unlock()
	if err := shell.Send(text); err != nil {
		return fmt.Errorf("input to session %q: %w", s.info.Name, err)
	}
	return nil
}

// Interrupt stops the running command (Ctrl+C); the session survives. It
// counts as activity.
func (s *Session) Interrupt(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("interrupting session %q: %w", s.info.Name, ErrClosed)
	}
	s.touchLocked()
	shell := s.shell
	s.mu.Unlock()
	if err := shell.Interrupt(ctx); err != nil {
		return fmt.Errorf("interrupting session %q: %w", s.info.Name, err)
	}
	return nil
}

// KeepAlive is the "stay signed in" action: it slides the idle timer.
func (s *Session) KeepAlive() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.touchLocked()
	}
}

// Exit ends the session at the user's request (the Exit button).
func (s *Session) Exit() { s.Close(ReasonExit) }

// Close ends the session for reason (e.g. ReasonAccessRevoked when a
// reconnect is no longer authorized): clients get a closed update, the shell
// is closed, the cap slot released and audit event 770 written. Closing a
// closed session does nothing.
func (s *Session) Close(reason Reason) { s.end(context.Background(), reason, false) }

// Done is closed when the session has ended and its shell is closed.
func (s *Session) Done() <-chan struct{} { return s.done }

// end closes the session once; graceful interrupts a running command first
// (bounded by LogoffGrace). It reports whether this call closed it.
func (s *Session) end(ctx context.Context, reason Reason, graceful bool) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	s.closed = true
	if s.timer != nil {
		s.timer.Stop()
	}
	s.deliverLocked(Update{Kind: UpdateClosed, Reason: reason, Message: reason.message()})
	s.clients, s.buf, s.screen = nil, outputBuffer{}, outputBuffer{}
	for id, p := range s.acks {
		close(p.done) // not acked: the waiter reports no active socket
		delete(s.acks, id)
	}
	shell, busy, exitErr := s.shell, s.busy, s.exitErr
	s.mu.Unlock()
	defer close(s.done)
	if shell != nil {
		if graceful && busy {
			ictx, cancel := context.WithTimeout(ctx, s.m.cfg.LogoffGrace)
			if err := shell.Interrupt(ictx); err != nil {
				s.m.log.Warn("interrupting command before logoff", "session", s.info.Name, "err", err)
			}
			cancel()
		}
		if err := shell.Close(); err != nil {
			s.m.log.Warn("closing shell", "session", s.info.Name, "err", err)
		}
	}
	s.m.remove(s.info.ID)
	s.m.release(s.info.ID)
	ev := audit.Record{Event: audit.SessionEnd, Reason: string(reason)}
	if reason == ReasonError && exitErr != nil {
		ev.Detail = exitErr.Error()
		s.m.log.Warn("session failed", "session", s.info.Name, "user", s.info.User, "err", exitErr)
	}
	s.m.audit(ev, s.info)
	s.m.log.Info("session ended", "session", s.info.Name, "user", s.info.User, "reason", string(reason))
	return true
}

// exitReason is the end reason of a shell that exited (err nil) or failed.
func exitReason(err error) Reason {
	if err != nil {
		return ReasonError
	}
	return ReasonShellExited
}
