package console

import (
	"context"
	"encoding/json"
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
	queue    []session.Frame
	queued   int  // bytes accounted in queue
	overflow bool // the queue was full: close with 1013
	closed   bool // a closed frame was queued: nothing more is accepted

	wake  chan struct{}   // cap 1: the queue has something
	stop  chan struct{}   // closed by shutdown: the writer ends
	ended <-chan struct{} // closed when the sign-in ends (nil: never)
	once  sync.Once

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
func (c *conn) Deliver(f session.Frame) {
	size := len(f.Data) + len(f.Text) + len(f.Prompt) + len(f.Message) + frameOverhead
	c.mu.Lock()
	switch {
	case c.closed || c.overflow:
	case c.queued+size > c.cfg.QueueBytes:
		c.overflow = true
		c.queue = nil
		c.queued = 0
	default:
		c.queue = append(c.queue, f)
		c.queued += size
		if f.Type == session.FrameClosed {
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
func (c *conn) take() (frames []session.Frame, overflow bool) {
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
	c.shutdown(websocket.CloseNormalClosure, "")
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
			c.cfg.Logger.Info("console socket closed: the sign-in ended")
			c.sendClose(ws, CloseSignedOut, "signed out")
			c.shutdown(CloseSignedOut, "")
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
				c.shutdown(websocket.CloseGoingAway, "")
				return
			}
		case <-c.wake:
			frames, overflow := c.take()
			for _, f := range frames {
				// Frame.MarshalJSON directly: json.Encoder would re-scan
				// (compact) its result, ~10 % of the CPU of bulk output.
				msg, err := f.MarshalJSON()
				if err != nil {
					c.cfg.Logger.Error("console frame encode failed", "type", f.Type, "err", err)
					continue
				}
				_ = ws.SetWriteDeadline(time.Now().Add(c.cfg.WriteWait))
				if err := ws.WriteMessage(websocket.TextMessage, msg); err != nil {
					c.shutdown(websocket.CloseGoingAway, "")
					return
				}
				c.cfg.OnBytes(0, len(msg))
				if f.Type == session.FrameClosed {
					c.sendClose(ws, websocket.CloseNormalClosure, string(f.Reason))
					c.shutdown(websocket.CloseNormalClosure, "")
					return
				}
			}
			if overflow {
				c.cfg.Logger.Warn("console client too slow: queue full, closing")
				c.sendClose(ws, websocket.CloseTryAgainLater, "client too slow")
				c.shutdown(websocket.CloseTryAgainLater, "")
				return
			}
		}
	}
}

func (c *conn) sendClose(ws *websocket.Conn, code int, text string) {
	msg := websocket.FormatCloseMessage(code, text)
	_ = ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(c.cfg.WriteWait))
}

// clientFrame is one browser → gateway frame.
type clientFrame struct {
	Type string  `json:"type"`
	Data *string `json:"data"`
	Cols int     `json:"cols"`
	Rows int     `json:"rows"`
	ID   string  `json:"id"`
}

// errFrame carries the close code for a bad browser frame.
type errFrame struct {
	code int
	text string
}

func (e *errFrame) Error() string { return e.text }

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
				c.shutdown(websocket.CloseMessageTooBig, "frame too large")
			default:
				c.shutdown(websocket.CloseNormalClosure, "")
			}
			return
		}
		_ = ws.SetReadDeadline(time.Now().Add(c.cfg.PongWait))
		c.cfg.OnBytes(len(msg), 0)
		if kind != websocket.TextMessage {
			c.shutdown(websocket.CloseUnsupportedData, "text frames only")
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
	var f clientFrame
	if err := json.Unmarshal(msg, &f); err != nil {
		return &errFrame{websocket.CloseInvalidFramePayloadData, "malformed JSON"}
	}
	switch f.Type {
	case "input":
		if f.Data == nil {
			return &errFrame{websocket.CloseInvalidFramePayloadData, "input without data"}
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
		return &errFrame{websocket.CloseUnsupportedData, "unknown frame type"}
	}
	return nil
}
