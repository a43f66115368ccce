package console

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/psgate/psgate/session"
)

// frameOverhead is the accounting cost of one queued frame beyond its text.
const frameOverhead = 64

// conn is one websocket attached to a session. Deliver queues; the writer
// goroutine is the only one writing data frames.
type conn struct {
	cfg Config

	mu       sync.Mutex
	queue    []session.Update
	queued   int  // bytes accounted in queue
	overflow bool // the queue was full: close with 1013
	closed   bool // a closed frame was queued: nothing more is accepted

	wake    chan struct{}   // cap 1: the queue has something
	stop    chan struct{}   // closed by shutdown: the writer ends
	ended   <-chan struct{} // closed when the sign-in ends (nil: never)
	expired func() bool     // after ended: the sign-in expired rather than signed out (nil: signed out)
	bufs    *sync.Pool      // *[]byte encode buffers shared by the handler's sockets (nil: none kept)
	once    sync.Once

	closeMu   sync.Mutex
	closeCode int // close code the writer sends when stopping
	closeText string
}

func newConn(cfg Config) *conn {
	return &conn{
		cfg:  cfg,
		wake: make(chan struct{}, 1),
		stop: make(chan struct{}),
	}
}

// Deliver implements session.Client: it never blocks and never calls into the
// session.
func (c *conn) Deliver(u session.Update) {
	size := len(u.Data) + len(u.Text) + len(u.Prompt) + len(u.Message) + frameOverhead
	c.mu.Lock()
	switch {
	case c.closed || c.overflow:
	case c.queued+size > c.cfg.QueueBytes:
		c.overflow = true
		c.queue = nil
		c.queued = 0
	default:
		c.queue = append(c.queue, u)
		c.queued += size
		if u.Kind == session.UpdateClosed {
			c.closed = true
		}
	}
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// take empties the queue.
func (c *conn) take() (frames []session.Update, overflow bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	frames, c.queue, c.queued = c.queue, nil, 0
	return frames, c.overflow
}

// shutdown asks the writer to send a close frame with code and end; the first
// call wins.
func (c *conn) shutdown(code int, text string) {
	c.once.Do(func() {
		c.closeMu.Lock()
		c.closeCode, c.closeText = code, text
		c.closeMu.Unlock()
		close(c.stop)
	})
}

// run serves the socket until either side ends it, then detaches. Its
// context (which bounds a Ctrl+C in flight) ends with the reader.
func (c *conn) run(ws *websocket.Conn, s *session.Session, detach func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.write(ws)
	}()
	ctx, cancel := context.WithCancel(context.Background())
	func() {
		// The reader runs outside net/http's handler (ServeHTTP returned
		// after the upgrade): a panic here is logged and ends this socket
		// only, which is still detached below.
		defer func() {
			if v := recover(); v != nil {
				c.cfg.Logger.Error("console reader panic", "session", s.ID(), "panic", v, "stack", string(debug.Stack()))
			}
		}()
		c.read(ctx, ws, s)
	}()
	cancel()
	detach()
	c.shutdown(closeNormal, "")
	<-done
}

// write is the writer goroutine: frames, pings and the final close frame.
func (c *conn) write(ws *websocket.Conn) {
	defer ws.Close()
	var tick <-chan time.Time
	if c.cfg.PingInterval > 0 {
		t := time.NewTicker(c.cfg.PingInterval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-c.ended:
			code, text := CloseSignedOut, "signed out"
			if c.expired != nil && c.expired() {
				code, text = CloseSignInExpired, "sign-in expired"
			}
			c.cfg.Logger.Info("console socket closed: the sign-in ended", "reason", text)
			c.sendClose(ws, code, text)
			c.shutdown(code, "")
			return
		case <-c.stop:
			c.closeMu.Lock()
			code, text := c.closeCode, c.closeText
			c.closeMu.Unlock()
			c.sendClose(ws, code, text)
			return
		case <-tick:
			_ = ws.SetWriteDeadline(time.Now().Add(c.cfg.WriteWait))
			if err := ws.WriteMessage(websocket.PingMessage, nil); err != nil {
				c.shutdown(closeGoingAway, "")
				return
			}
		case <-c.wake:
			frames, overflow := c.take()
			for len(frames) > 0 {
				// Output frames queued back to back (a backend reply of many
				// chunks, a replay) leave as one message (coalesceRun);
				// nothing waits for more, so a keystroke's echo is not delayed.
				n := coalesceRun(frames, coalesceBytes)
				f := frames[0]
				if err := c.send(ws, frames[:n]); err != nil {
					c.shutdown(closeGoingAway, "")
					return
				}
				frames = frames[n:]
				if f.Kind == session.UpdateClosed {
					c.sendClose(ws, closeNormal, string(f.Reason))
					c.shutdown(closeNormal, "")
					return
				}
			}
			if overflow {
				c.cfg.Logger.Warn("console client too slow: queue full, closing")
				c.sendClose(ws, closeTooSlow, "client too slow")
				c.shutdown(closeTooSlow, "")
				return
			}
		}
	}
}

// send writes one message: frames is a single update or a run of output
// updates from coalesceRun. An output run is encoded by appendOutput into a
// buffer from the handler's pool (no allocation per message); any other
// update by encodeFrame (json.Encoder would re-scan its result). An update
// that cannot be encoded is logged and skipped.
func (c *conn) send(ws *websocket.Conn, frames []session.Update) error {
	var msg []byte
	var bp *[]byte
	if frames[0].Kind == session.UpdateOutput {
		if c.bufs != nil {
			bp, _ = c.bufs.Get().(*[]byte)
		}
		if bp == nil {
			bp = new([]byte)
		}
		// Sized for the usual case (CRLFs escaped) so that a new buffer —
		// the pool empties at each GC — is allocated once, not regrown.
		need := 128
		for _, f := range frames {
			need += len(f.Data) + len(f.Data)/16
		}
		if cap(*bp) < need {
			*bp = make([]byte, 0, need)
		}
		msg = appendOutput((*bp)[:0], frames)
	} else {
		var err error
		if msg, err = encodeFrame(frames[0]); err != nil {
			c.cfg.Logger.Error("console frame encode failed", "kind", frames[0].Kind, "err", err)
			return nil
		}
	}
	_ = ws.SetWriteDeadline(time.Now().Add(c.cfg.WriteWait))
	err := ws.WriteMessage(websocket.TextMessage, msg)
	if bp != nil && c.bufs != nil && cap(msg) <= maxPooledBuffer {
		*bp = msg[:0]
		c.bufs.Put(bp)
	}
	if err != nil {
		return fmt.Errorf("writing %s frame: %w", frameType(frames[0].Kind), err)
	}
	c.cfg.OnBytes(0, len(msg))
	return nil
}

// Coalescing of output frames (docs/websocket-protocol.md "Gateway →
// browser"): coalesceBytes bounds the data of a message merged from several
// queued output frames; maxPooledBuffer bounds an encode buffer kept for
// reuse (a single larger frame is encoded in a buffer of its own).
const (
	coalesceBytes   = 64 << 10
	maxPooledBuffer = 2 * coalesceBytes
)

// coalesceRun returns how many frames from the start of fs leave as one
// message: output frames of one stream and one replay flag, consecutive in
// the queue, whose data together stay within limit bytes (the first one
// counts whatever its size). Any other frame — a prompt, hello, closed … —
// is a message of its own, so the order of frames, the stream and replay of
// every byte, and each prompt after the output before it are kept.
func coalesceRun(fs []session.Update, limit int) int {
	if len(fs) == 0 {
		return 0
	}
	first := fs[0]
	if first.Kind != session.UpdateOutput {
		return 1
	}
	n, size := 1, len(first.Data)
	for ; n < len(fs); n++ {
		f := fs[n]
		if f.Kind != session.UpdateOutput || f.Stream != first.Stream || f.Replay != first.Replay || size+len(f.Data) > limit {
			break
		}
		size += len(f.Data)
	}
	return n
}

func (c *conn) sendClose(ws *websocket.Conn, code int, text string) {
	msg := websocket.FormatCloseMessage(code, text)
	_ = ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(c.cfg.WriteWait))
}

// read is the reader loop; it returns when the socket ends or a frame is bad
// (after asking the writer to close with the matching code).
func (c *conn) read(ctx context.Context, ws *websocket.Conn, s *session.Session) {
	ws.SetReadLimit(int64(c.cfg.MaxFrameBytes))
	_ = ws.SetReadDeadline(time.Now().Add(c.cfg.PongWait))
	ws.SetPongHandler(func(string) error {
		return ws.SetReadDeadline(time.Now().Add(c.cfg.PongWait))
	})
	for {
		kind, msg, err := ws.ReadMessage()
		if err != nil {
			switch {
			case errors.Is(err, websocket.ErrReadLimit):
				c.shutdown(closeTooBig, "frame too large")
			default:
				c.shutdown(closeNormal, "")
			}
			return
		}
		_ = ws.SetReadDeadline(time.Now().Add(c.cfg.PongWait))
		c.cfg.OnBytes(len(msg), 0)
		if kind != websocket.TextMessage {
			c.shutdown(closeUnsupported, "text frames only")
			return
		}
		if err := c.handle(ctx, s, msg); err != nil {
			var ef *errFrame
			if errors.As(err, &ef) {
				c.shutdown(ef.code, ef.text)
				return
			}
			c.cfg.Logger.Info("console input failed", "session", s.ID(), "err", err)
		}
	}
}

// handle executes one browser frame.
func (c *conn) handle(ctx context.Context, s *session.Session, msg []byte) error {
	f, err := parseClientFrame(msg)
	if err != nil {
		return err
	}
	switch f.Type {
	case "input":
		if f.Data == nil {
			return &errFrame{closeInvalid, "input without data"}
		}
		if err := s.Input(*f.Data); err != nil {
			return fmt.Errorf("input to session %s: %w", s.ID(), err)
		}
	case "interrupt":
		ictx, cancel := context.WithTimeout(ctx, c.cfg.InterruptWait)
		defer cancel()
		if err := s.Interrupt(ictx); err != nil {
			return fmt.Errorf("interrupt session %s: %w", s.ID(), err)
		}
	case "keepalive":
		s.KeepAlive()
	case "ack":
		s.Ack(f.ID)
	case "exit":
		s.Exit()
	case "resize":
		// Informational: WinRS has no terminal size.
	default:
		return &errFrame{closeUnsupported, "unknown frame type"}
	}
	return nil
}
