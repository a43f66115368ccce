package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

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
	bufs  *sync.Pool      // *[]byte encode buffers shared by the handler's sockets (nil: none kept)
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
			for len(frames) > 0 {
				// Output frames queued back to back (a backend reply of many
				// chunks, a replay) leave as one message (coalesceRun);
				// nothing waits for more, so a keystroke's echo is not delayed.
				n := coalesceRun(frames, coalesceBytes)
				f := frames[0]
				if err := c.send(ws, frames[:n]); err != nil {
					c.shutdown(websocket.CloseGoingAway, "")
					return
				}
				frames = frames[n:]
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

// send writes one message: frames is a single frame or a run of output
// frames from coalesceRun. An output run is encoded by appendOutput into a
// buffer from the handler's pool (no allocation per message); any other
// frame by Frame.MarshalJSON (json.Encoder would re-scan its result). A frame
// that cannot be encoded is logged and skipped.
func (c *conn) send(ws *websocket.Conn, frames []session.Frame) error {
	var msg []byte
	var bp *[]byte
	if frames[0].Type == session.FrameOutput {
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
		if msg, err = frames[0].MarshalJSON(); err != nil {
			c.cfg.Logger.Error("console frame encode failed", "type", frames[0].Type, "err", err)
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
		return fmt.Errorf("writing %s frame: %w", frames[0].Type, err)
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
func coalesceRun(fs []session.Frame, limit int) int {
	if len(fs) == 0 {
		return 0
	}
	first := fs[0]
	if first.Type != session.FrameOutput {
		return 1
	}
	n, size := 1, len(first.Data)
	for ; n < len(fs); n++ {
		f := fs[n]
		if f.Type != session.FrameOutput || f.Stream != first.Stream || f.Replay != first.Replay || size+len(f.Data) > limit {
			break
		}
		size += len(f.Data)
	}
	return n
}

// appendOutput appends the output frame of run (output frames of one stream
// and replay flag) to dst: the bytes Frame.MarshalJSON writes for one frame
// whose data is the run's data concatenated.
func appendOutput(dst []byte, run []session.Frame) []byte {
	first := run[0]
	dst = append(dst, `{"type":"output","stream":"`...)
	dst = appendJSONText(dst, first.Stream)
	dst = append(dst, `","data":"`...)
	split := false
	for _, f := range run[1:] {
		if f.Data != "" && !utf8.RuneStart(f.Data[0]) {
			split = true
			break
		}
	}
	if split {
		// A rune split between two frames (the backend sends whole runes):
		// escape the joined text, whose encoding differs where the pieces
		// would each be invalid UTF-8.
		var b strings.Builder
		for _, f := range run {
			b.WriteString(f.Data)
		}
		dst = appendJSONText(dst, b.String())
	} else {
		for _, f := range run {
			dst = appendJSONText(dst, f.Data)
		}
	}
	dst = append(dst, `","replay":`...)
	dst = strconv.AppendBool(dst, first.Replay)
	return append(dst, '}')
}

// appendJSONText appends s as the inside of a JSON string, escaped as
// encoding/json's Marshal does: ", \ and control characters escaped (\n, \r,
// \t, \b, \f short), <, > and & as \u003c, \u003e, \u0026, U+2028 and
// U+2029 escaped, each byte of invalid UTF-8 replaced by \ufffd.
func appendJSONText(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(dst, s[start:]...)
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
