package session

import (
	"context"
	"errors"
	"strings"
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
		// the screen as the first client saw it, then the marker
		{Kind: UpdateScrollback, Stream: "stdout", Data: "PS C:\\> Get-Date\r\nlive\r\n"},
		{Kind: UpdateRestored, Bytes: int64(len("while away\r\noops\r\n"))},
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

// TestScrollbackRestore: every attach gets the screen shown before (commands
// after their prompts, output), a third client also what the second saw
// replayed, and a clear-screen sequence drops everything before it.
func TestScrollbackRestore(t *testing.T) {
	m := newTestManager(t, Config{Clock: newFakeClock()})
	var sh *fakeShell
	s, err := m.Open(context.Background(), OpenRequest{User: "alice", Target: "web1"}, opener(&sh))
	if err != nil {
		t.Fatal(err)
	}
	sh.emit(Event{Kind: EventPrompt, Prompt: "PS> ", Success: true})
	c1 := &fakeClient{}
	_, detach, err := m.Attach(s.ID(), "alice", c1)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Input("dir\n"); err != nil {
		t.Fatal(err)
	}
	sh.emit(Event{Kind: EventOutput, Stream: "stdout", Text: "a.txt\r\n"})
	sh.emit(Event{Kind: EventOutput, Stream: "stderr", Text: "denied\r\n"})
	sh.emit(Event{Kind: EventPrompt, Prompt: "PS> ", Success: false})
	detach()
	sh.emit(Event{Kind: EventOutput, Stream: "stdout", Text: "late\r\n"})

	c2 := &fakeClient{}
	if _, _, err := m.Attach(s.ID(), "alice", c2); err != nil {
		t.Fatal(err)
	}
	got := c2.take()[1:] // after the hello
	want := []Update{
		{Kind: UpdateScrollback, Stream: "stdout", Data: "PS> dir\r\na.txt\r\n"},
		{Kind: UpdateScrollback, Stream: "stderr", Data: "denied\r\n"},
		{Kind: UpdateRestored, Bytes: 6},
		{Kind: UpdateOutput, Stream: "stdout", Data: "late\r\n", Replay: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("second attach (-want +got):\n%s", diff)
	}
	c3 := &fakeClient{} // another tab: what c2 saw replayed is screen now
	if _, _, err := m.Attach(s.ID(), "alice", c3); err != nil {
		t.Fatal(err)
	}
	want = []Update{
		{Kind: UpdateScrollback, Stream: "stdout", Data: "PS> dir\r\na.txt\r\n"},
		{Kind: UpdateScrollback, Stream: "stderr", Data: "denied\r\n"},
		{Kind: UpdateScrollback, Stream: "stdout", Data: "late\r\n"},
		{Kind: UpdateRestored},
	}
	if diff := cmp.Diff(want, c3.take()[1:]); diff != "" {
		t.Errorf("third attach (-want +got):\n%s", diff)
	}

	if err := s.Input("cls"); err != nil {
		t.Fatal(err)
	}
	sh.emit(Event{Kind: EventOutput, Stream: "stdout", Text: "gone\x1b[2J\x1b[3J\x1b[H"})
	sh.emit(Event{Kind: EventPrompt, Prompt: "PS> ", Success: true})
	c4 := &fakeClient{}
	if _, _, err := m.Attach(s.ID(), "alice", c4); err != nil {
		t.Fatal(err)
	}
	want = []Update{
		{Kind: UpdateScrollback, Stream: "stdout", Data: "\x1b[3J\x1b[H"}, // from the last clear on
		{Kind: UpdateRestored},
	}
	if diff := cmp.Diff(want, c4.take()[1:]); diff != "" {
		t.Errorf("attach after Clear-Host (-want +got):\n%s", diff)
	}
}

// TestScrollbackBounded: the scrollback keeps the newest text within its
// bound; negative keeps none.
func TestScrollbackBounded(t *testing.T) {
	for _, tc := range []struct {
		bytes int
		want  bool
	}{{2048, true}, {-1, false}} {
		m := newTestManager(t, Config{Clock: newFakeClock(), ScrollbackBytes: tc.bytes})
		var sh *fakeShell
		s, err := m.Open(context.Background(), OpenRequest{User: "alice", Target: "web1"}, opener(&sh))
		if err != nil {
			t.Fatal(err)
		}
		_, detach, err := m.Attach(s.ID(), "alice", &fakeClient{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 100 {
			sh.emit(Event{Kind: EventOutput, Stream: "stdout", Text: strings.Repeat(string(rune('a'+i%26)), 100)})
		}
		detach()
		c := &fakeClient{}
		if _, _, err := m.Attach(s.ID(), "alice", c); err != nil {
			t.Fatal(err)
		}
		var kept string
		for _, u := range c.take() {
			if u.Kind == UpdateScrollback {
				kept += u.Data
			}
		}
		if !tc.want {
			if kept != "" {
				t.Errorf("ScrollbackBytes %d: kept %d bytes", tc.bytes, len(kept))
			}
			continue
		}
		if len(kept) == 0 || len(kept) > tc.bytes || !strings.HasSuffix(kept, strings.Repeat("v", 100)) {
			t.Errorf("ScrollbackBytes %d: kept %d bytes ending %q", tc.bytes, len(kept), kept[max(0, len(kept)-10):])
		}
	}
}
