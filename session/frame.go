package session

import (
	"encoding/json"
	"fmt"
)

// FrameType is the "type" of a gateway → browser frame
// (docs/websocket-protocol.md).
type FrameType string

// The frame types the session layer produces.
const (
	FrameHello       FrameType = "hello"
	FrameOutput      FrameType = "output"
	FramePrompt      FrameType = "prompt"
	FrameDropped     FrameType = "dropped"
	FrameIdleWarning FrameType = "idle_warning"
	FrameMessage     FrameType = "message"
	FrameClosed      FrameType = "closed"
	FrameError       FrameType = "error"
)

// ProtocolVersion is the websocket protocol version sent in hello.
const ProtocolVersion = 1

// Frame is one gateway → browser frame. Only the fields of its Type are
// meaningful; MarshalJSON writes exactly the protocol's fields for the type.
type Frame struct {
	Type FrameType

	// hello
	Session FrameSession
	Busy    bool

	// output
	Stream string
	Data   string
	Replay bool

	// prompt (Prompt is also in hello)
	Prompt  string
	Success bool

	// dropped
	Bytes int64

	// idle_warning
	Seconds int

	// message
	ID   string
	From string
	Text string
	Time int // seconds to show, 0 = until dismissed

	// closed (Reason) and error (Message)
	Reason  Reason
	Message string
}

// FrameSession is the session object of a hello frame.
type FrameSession struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Target string `json:"target"`
	User   string `json:"user"`
}

// MarshalJSON writes the frame as the protocol defines it for its type.
func (f Frame) MarshalJSON() ([]byte, error) {
	var v any
	switch f.Type {
	case FrameHello:
		v = struct {
			Type    FrameType    `json:"type"`
			Version int          `json:"version"`
			Session FrameSession `json:"session"`
			Prompt  string       `json:"prompt"`
			Busy    bool         `json:"busy"`
		}{f.Type, ProtocolVersion, f.Session, f.Prompt, f.Busy}
	case FrameOutput:
		v = struct {
			Type   FrameType `json:"type"`
			Stream string    `json:"stream"`
			Data   string    `json:"data"`
			Replay bool      `json:"replay"`
		}{f.Type, f.Stream, f.Data, f.Replay}
	case FramePrompt:
		v = struct {
			Type    FrameType `json:"type"`
			Prompt  string    `json:"prompt"`
			Success bool      `json:"success"`
		}{f.Type, f.Prompt, f.Success}
	case FrameDropped:
		v = struct {
			Type  FrameType `json:"type"`
			Bytes int64     `json:"bytes"`
		}{f.Type, f.Bytes}
	case FrameIdleWarning:
		v = struct {
			Type    FrameType `json:"type"`
			Seconds int       `json:"seconds"`
		}{f.Type, f.Seconds}
	case FrameMessage:
		v = struct {
			Type FrameType `json:"type"`
			ID   string    `json:"id"`
			From string    `json:"from"`
			Text string    `json:"text"`
			Time int       `json:"time"`
		}{f.Type, f.ID, f.From, f.Text, f.Time}
	case FrameClosed:
		v = struct {
			Type    FrameType `json:"type"`
			Reason  Reason    `json:"reason"`
			Message string    `json:"message"`
		}{f.Type, f.Reason, f.Message}
	case FrameError:
		v = struct {
			Type    FrameType `json:"type"`
			Message string    `json:"message"`
		}{f.Type, f.Message}
	default:
		return nil, fmt.Errorf("marshalling frame: unknown type %q", f.Type)
	}
	return json.Marshal(v)
}

// Client is an attached console (one websocket). Deliver must not block and
// must not call back into the session: the bridge queues the frame for its
// writer (or drops it and closes a socket that cannot keep up). After a
// FrameClosed the session sends nothing more.
type Client interface {
	Deliver(Frame)
}
