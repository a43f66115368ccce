package console

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/psgate/psgate/session"
)

// The browser console's protocol (docs/websocket-protocol.md) lives in this
// file: the subprotocol, the close codes, the frames from the browser and
// the frames to it, encoded from the session's updates. conn.go moves them
// over the socket.

// Subprotocol is the only websocket subprotocol the console speaks.
const Subprotocol = "psgate.v1"

// ProtocolVersion is the protocol version sent in hello.
const ProtocolVersion = 1

// CloseSignedOut is the close code of a socket whose sign-in ended (signed
// out, here or on another gateway, or its lifetime ran out): the session is
// detached, not ended, and can be reconnected after signing in again.
const CloseSignedOut = 4401

// CloseSignInExpired is the close code of a socket whose sign-in was no
// longer found in the store (its lifetime ran out, it was signed out on
// another gateway, or the store lost it: Redis restarted empty). As with
// CloseSignedOut the session keeps running and is reconnected after signing
// in again; the page says so instead of "you are signed out".
const CloseSignInExpired = 4402

// The RFC 6455 close codes the gateway sends, by cause.
const (
	closeNormal      = websocket.CloseNormalClosure           // 1000: the browser or the session ended it
	closeGoingAway   = websocket.CloseGoingAway               // 1001: a write or ping failed
	closeUnsupported = websocket.CloseUnsupportedData         // 1003: a binary frame or an unknown type
	closeInvalid     = websocket.CloseInvalidFramePayloadData // 1007: malformed JSON, input without data
	closeTooBig      = websocket.CloseMessageTooBig           // 1009: a frame over MaxFrameBytes
	closeTooSlow     = websocket.CloseTryAgainLater           // 1013: the queue is full
)

// Browser → gateway.

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

// parseClientFrame decodes one browser frame (its type is checked by
// conn.handle).
func parseClientFrame(msg []byte) (clientFrame, error) {
	var f clientFrame
	if err := json.Unmarshal(msg, &f); err != nil {
		return f, &errFrame{closeInvalid, "malformed JSON"}
	}
	return f, nil
}

// Gateway → browser: one frame per session.Update.

// frameTypes is the "type" of the frame of each update kind.
var frameTypes = [...]string{
	session.UpdateHello:       "hello",
	session.UpdateOutput:      "output",
	session.UpdatePrompt:      "prompt",
	session.UpdateDropped:     "dropped",
	session.UpdateIdleWarning: "idle_warning",
	session.UpdateMessage:     "message",
	session.UpdateClosed:      "closed",
	session.UpdateScrollback:  "scrollback",
	session.UpdateRestored:    "restored",
}

// frameType returns the frame type of an update kind ("" for none).
func frameType(k session.UpdateKind) string {
	if k < 0 || int(k) >= len(frameTypes) {
		return ""
	}
	return frameTypes[k]
}

// The frames other than output (appendOutput writes those), as encoding/json
// writes them.
type (
	helloFrame struct {
		Type    string       `json:"type"`
		Version int          `json:"version"`
		Session helloSession `json:"session"`
		Prompt  string       `json:"prompt"`
		Busy    bool         `json:"busy"`
	}
	helloSession struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Target string `json:"target"`
		User   string `json:"user"`
	}
	promptFrame struct {
		Type    string `json:"type"`
		Prompt  string `json:"prompt"`
		Success bool   `json:"success"`
	}
	droppedFrame struct {
		Type  string `json:"type"`
		Bytes int64  `json:"bytes"`
	}
	scrollbackFrame struct {
		Type   string `json:"type"`
		Stream string `json:"stream"`
		Data   string `json:"data"`
	}
	// restoredFrame also has bytes: the new output that follows.
	restoredFrame    = droppedFrame
	idleWarningFrame struct {
		Type    string `json:"type"`
		Seconds int    `json:"seconds"`
	}
	messageFrame struct {
		Type string `json:"type"`
		ID   string `json:"id"`
		From string `json:"from"`
		Text string `json:"text"`
		Time int    `json:"time"`
	}
	closedFrame struct {
		Type    string `json:"type"`
		Reason  string `json:"reason"`
		Message string `json:"message"`
	}
	// errorFrame is the protocol's client-safe error (type "error"); no
	// session update maps to it and the gateway sends none today.
	errorFrame struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	}
)

// encodeFrame returns the frame of one update: exactly the protocol's
// fields for its type. Output goes through appendOutput, the one encoder of
// output frames (conn.send calls it directly, with a pooled buffer).
func encodeFrame(u session.Update) ([]byte, error) {
	t := frameType(u.Kind)
	var v any
	switch u.Kind {
	case session.UpdateOutput:
		return appendOutput(nil, []session.Update{u}), nil
	case session.UpdateHello:
		h := u.Hello
		v = helloFrame{t, ProtocolVersion, helloSession{h.ID, h.Name, h.Target, h.User}, u.Prompt, u.Busy}
	case session.UpdatePrompt:
		v = promptFrame{t, u.Prompt, u.Success}
	case session.UpdateDropped:
		v = droppedFrame{t, u.Bytes}
	case session.UpdateScrollback:
		v = scrollbackFrame{t, u.Stream, u.Data}
	case session.UpdateRestored:
		v = restoredFrame{t, u.Bytes}
	case session.UpdateIdleWarning:
		v = idleWarningFrame{t, u.Seconds}
	case session.UpdateMessage:
		v = messageFrame{t, u.ID, u.From, u.Text, u.Time}
	case session.UpdateClosed:
		v = closedFrame{t, string(u.Reason), u.Message}
	default:
		return nil, fmt.Errorf("encoding frame: unknown update kind %d", u.Kind)
	}
	return json.Marshal(v)
}

// appendOutput appends the output frame of run (output updates of one
// stream and replay flag) to dst: the bytes encoding/json writes for one
// frame whose data is the run's data concatenated.
func appendOutput(dst []byte, run []session.Update) []byte {
	first := run[0]
	dst = append(dst, `{"type":"output","stream":"`...)
	dst = appendJSONText(dst, first.Stream)
	dst = append(dst, `","data":"`...)
	split := false
	for _, u := range run[1:] {
		if u.Data != "" && !utf8.RuneStart(u.Data[0]) {
			split = true
			break
		}
	}
	if split {
		// A rune split between two updates (the backend sends whole runes):
		// escape the joined text, whose encoding differs where the pieces
		// would each be invalid UTF-8.
		var b strings.Builder
		for _, u := range run {
			b.WriteString(u.Data)
		}
		dst = appendJSONText(dst, b.String())
	} else {
		for _, u := range run {
			dst = appendJSONText(dst, u.Data)
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
