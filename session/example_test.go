package session_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/psgate/psgate/session"
)

// echoShell is a toy backend: it echoes input, then reports a prompt.
type echoShell struct{ emit func(session.Event) }

func (s echoShell) Send(input string) error {
	s.emit(session.Event{Kind: session.EventOutput, Stream: "stdout", Text: strings.ToUpper(input) + "\r\n"})
	s.emit(session.Event{Kind: session.EventPrompt, Prompt: "PS> ", Success: true})
	return nil
}
func (echoShell) Interrupt(context.Context) error { return nil }
func (echoShell) Close() error                    { return nil }

// printer is a client that prints each frame as the websocket would carry
// it (hello frames carry a random ID and the time, so only their type here).
type printer struct{}

func (printer) Deliver(f session.Frame) {
	if f.Type == session.FrameHello {
		fmt.Println(f.Type)
		return
	}
	data, _ := json.Marshal(f)
	fmt.Println(string(data))
}

func Example() {
	m, err := session.NewManager(session.Config{Node: "gw-1"})
	if err != nil {
		panic(err)
	}
	defer m.Shutdown(context.Background())

	open := func(_ context.Context, emit func(session.Event)) (session.Shell, error) {
		emit(session.Event{Kind: session.EventPrompt, Prompt: "PS> ", Success: true})
		return echoShell{emit: emit}, nil
	}
	s, err := m.Open(context.Background(), session.OpenRequest{User: "alice", Target: "web1"}, open)
	if err != nil {
		panic(err)
	}
	// the websocket bridge: attach, forward input, detach when the socket closes
	_, detach, err := m.Attach(s.ID(), "alice", printer{})
	if err != nil {
		panic(err)
	}
	_ = s.Input("hello")
	detach()
	_ = s.Input("while away") // buffered until the next attach
	s.Exit()
	fmt.Println(s.Info().State)
	// Output:
	// hello
	// {"type":"prompt","prompt":"PS\u003e ","success":true}
	// {"type":"output","stream":"stdout","data":"HELLO\r\n","replay":false}
	// {"type":"prompt","prompt":"PS\u003e ","success":true}
	// closed
}
