package session_test

import (
	"context"
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

// printer is a client that prints each update (the console bridge turns
// them into websocket frames; hello carries a random ID, so only its kind
// here).
type printer struct{}

func (printer) Deliver(u session.Update) {
	switch u.Kind {
	case session.UpdateHello:
		fmt.Println("hello")
	case session.UpdateOutput:
		fmt.Printf("output %s %q replay=%t\n", u.Stream, u.Data, u.Replay)
	case session.UpdatePrompt:
		fmt.Printf("prompt %q success=%t\n", u.Prompt, u.Success)
	}
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
	// the console bridge: attach, forward input, detach when the socket closes
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
	// prompt "PS> " success=true
	// output stdout "HELLO\r\n" replay=false
	// prompt "PS> " success=true
	// closed
}
