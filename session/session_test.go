package session

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/psgate/psgate/audit"
)

func TestOpenAttachReplay(t *testing.T) {
	clock := newFakeClock()
	events := &auditLog{}
	m := newTestManager(t, Config{Clock: clock, Audit: events.add})
	var sh *fakeShell
	s, err := m.Open(context.Background(), OpenRequest{User: "alice", Target: "web1", Configuration: "Microsoft.PowerShell", ClientAddr: "192.0.2.1"}, opener(&sh))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Info().Name, "alice.261122.230405"; got != want {
		t.Errorf("name = %q, want %q", got, want)
	}
	if _, ok := events.find(audit.SessionStart, s.ID()); !ok {
		t.Error("no 769 events event")
	}
	sh.emit(Event{Kind: EventPrompt, Prompt: "PS C:\\> ", Success: true})

	c1 := &fakeClient{}
	_, detach, err := m.Attach(s.ID(), "ALICE", c1)
	if err != nil {
		t.Fatal(err)
	}
	if st := s.Info().State; st != StateActive {
		t.Errorf("state = %s, want active", st)
	}
	if err := s.Input("Get-Date"); err != nil {
		t.Fatal(err)
	}
	sh.emit(Event{Kind: EventOutput, Stream: "stdout", Text: "live\r\n"})
	detach()
	detach() // idempotent
	if st := s.Info().State; st != StateDisconnected {
		t.Errorf("state = %s, want disconnected", st)
	}
	sh.emit(Event{Kind: EventOutput, Stream: "stdout", Text: "while "})
	sh.emit(Event{Kind: EventOutput, Stream: "stdout", Text: "away\r\n"})
	sh.emit(Event{Kind: EventOutput, Stream: "stderr", Text: "oops\r\n"})
	sh.emit(Event{Kind: EventPrompt, Prompt: "PS C:\\> ", Success: false})

	want1 := []Update{
		{Kind: UpdateHello, Prompt: "PS C:\\> ", Hello: Hello{ID: s.ID(), Name: "alice.261122.230405", Target: "web1", User: "alice"}},
		{Kind: UpdatePrompt, Prompt: "PS C:\\> ", Success: true}, // buffered before the first attach
		{Kind: UpdateOutput, Stream: "stdout", Data: "live\r\n"},
	}
	if diff := cmp.Diff(want1, c1.take()); diff != "" {
		t.Errorf("first client frames (-want +got):\n%s", diff)
	}
	c2 := &fakeClient{}
	if _, _, err := m.Attach(s.ID(), "alice", c2); err != nil {
		t.Fatal(err)
	}
	want2 := []Update{
		{Kind: UpdateHello, Prompt: "PS C:\\> ", Hello: Hello{ID: s.ID(), Name: "alice.261122.230405", Target: "web1", User: "alice"}},
		{Kind: UpdateOutput, Stream: "stdout", Data: "while away\r\n", Replay: true},
		{Kind: UpdateOutput, Stream: "stderr", Data: "oops\r\n", Replay: true},
		{Kind: UpdatePrompt, Prompt: "PS C:\\> ", Success: false},
	}
	if diff := cmp.Diff(want2, c2.take()); diff != "" {
		t.Errorf("reconnect frames (-want +got):\n%s", diff)
	}
	if len(c1.take()) != 0 {
		t.Error("detached client still receives frames")
	}
	if diff := cmp.Diff([]string{"Get-Date"}, sh.sent); diff != "" {
		t.Errorf("shell input (-want +got):\n%s", diff)
	}
}

func TestAttachOtherUserIsNotFound(t *testing.T) {
	m := newTestManager(t, Config{Clock: newFakeClock()})
	s, err := m.Open(context.Background(), OpenRequest{User: "alice", Target: "web1"}, opener(nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ id, user string }{
		{s.ID(), "mallory"},
		{"0123456789abcdef0123456789abcdef", "alice"},
		{s.Info().Name, "alice"}, // names are not accepted where IDs are
	} {
		if _, _, err := m.Attach(tc.id, tc.user, &fakeClient{}); !errors.Is(err, ErrNotFound) {
			t.Errorf("Attach(%q, %q) = %v, want ErrNotFound", tc.id, tc.user, err)
		}
	}
}
