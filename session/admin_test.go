package session

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/psgate/psgate/audit"
)

// cluster is two Managers ("gw-a", "gw-b") on one registry kind.
func cluster(t *testing.T, kind string, events *auditLog) (a, b *Manager) {
	t.Helper()
	var regA, regB Registry
	switch kind {
	case "memory":
		r := NewMemoryRegistry(nil)
		regA, regB = r, r
	case "redis":
		c, prefix := redisClient(t)
		regA, regB = newRedisRegistry(t, c, prefix, nil), newRedisRegistry(t, c, prefix, nil)
	}
	a = newTestManager(t, Config{Registry: regA, Node: "gw-a", Audit: events.add})
	b = newTestManager(t, Config{Registry: regB, Node: "gw-b", Audit: events.add})
	return a, b
}

func TestResetAndLogoff(t *testing.T) {
	for _, kind := range []string{"memory", "redis"} {
		for _, remote := range []bool{false, true} {
			name := kind + "/local"
			if remote {
				name = kind + "/remote"
			}
			t.Run(name, func(t *testing.T) {
				events := &auditLog{}
				a, b := cluster(t, kind, events)
				owner, admin := a, a
				if remote {
					admin = b
				}
				ctx := context.Background()
				var sh1, sh2 *fakeShell
				s1, err := owner.Open(ctx, OpenRequest{User: "alice"}, opener(&sh1))
				if err != nil {
					t.Fatal(err)
				}
				s2, err := owner.Open(ctx, OpenRequest{User: "alice"}, opener(&sh2))
				if err != nil {
					t.Fatal(err)
				}
				c1, c2 := &fakeClient{}, &fakeClient{}
				mustAttach(t, s1, c1)
				mustAttach(t, s2, c2)
				if err := s1.Input("Start-Sleep 100"); err != nil { // busy
					t.Fatal(err)
				}
				if err := s2.Input("Start-Sleep 100"); err != nil {
					t.Fatal(err)
				}

				if err := admin.Reset(ctx, s1.Info().Name); err != nil { // by name
					t.Fatalf("Reset: %v", err)
				}
				if err := admin.Logoff(ctx, s2.ID()); err != nil { // by ID
					t.Fatalf("Logoff: %v", err)
				}
				<-s1.Done()
				<-s2.Done()
				if i, c := sh1.counts(); i != 0 || c != 1 {
					t.Errorf("reset: %d interrupts, %d closes; want 0, 1", i, c)
				}
				if i, c := sh2.counts(); i != 1 || c != 1 {
					t.Errorf("logoff: %d interrupts, %d closes; want 1, 1", i, c)
				}
				for _, tc := range []struct {
					c      *fakeClient
					s      *Session
					reason Reason
				}{{c1, s1, ReasonReset}, {c2, s2, ReasonLogoff}} {
					fs := tc.c.take()
					if len(fs) == 0 || !cmp.Equal(fs[len(fs)-1], closedUpdate(tc.reason)) {
						t.Errorf("last frame = %+v, want closed %s", fs, tc.reason)
					}
					if ev, ok := events.find(audit.SessionEnd, tc.s.ID()); !ok || ev.Reason != string(tc.reason) {
						t.Errorf("770 = %+v, want reason %s", ev, tc.reason)
					}
				}
				if infos, _ := admin.List(ctx, Filter{}); len(infos) != 0 {
					t.Errorf("List after reset and logoff = %v", names(infos))
				}
				if err := admin.Reset(ctx, "nobody.261122.230405"); !errors.Is(err, ErrNotFound) {
					t.Errorf("Reset(unknown) = %v, want ErrNotFound", err)
				}
			})
		}
	}
}

func mustAttach(t *testing.T, s *Session, c Client) func() {
	t.Helper()
	detach, err := s.Attach(c)
	if err != nil {
		t.Fatal(err)
	}
	return detach
}

func TestMessage(t *testing.T) {
	for _, kind := range []string{"memory", "redis"} {
		t.Run(kind, func(t *testing.T) {
			a, b := cluster(t, kind, &auditLog{})
			ctx := context.Background()
			open := func(m *Manager, user string) *Session {
				s, err := m.Open(ctx, OpenRequest{User: user}, opener(nil))
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			acking := open(b, "alice")   // on the other node, acks
			silent := open(a, "alice")   // attached, never acks
			detached := open(b, "alice") // no socket
			other := open(a, "bob")
			ca := &fakeClient{autoAck: acking.Ack}
			mustAttach(t, acking, ca)
			cs := &fakeClient{}
			mustAttach(t, silent, cs)
			mustAttach(t, other, &fakeClient{})

			wctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
			defer cancel()
			got, err := a.Message(wctx, MessageRequest{To: "ALICE", From: "admin", Text: "reboot at 5", Wait: true})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]DeliveryStatus{acking.ID(): Acked, silent.ID(): TimedOut, detached.ID(): NoActiveSocket}
			if len(got) != len(want) {
				t.Fatalf("deliveries = %+v, want 3", got)
			}
			for _, d := range got {
				if want[d.Session] != d.Status {
					t.Errorf("session %s (%s on %s): %s, want %s", d.Name, d.User, d.Node, d.Status, want[d.Session])
				}
			}
			fs := cs.take()
			if len(fs) != 2 || fs[1].Kind != UpdateMessage || fs[1].Text != "reboot at 5" || fs[1].From != "admin" {
				t.Errorf("silent client frames = %+v", fs)
			}

			// no wait: delivered; by session name; and "*"
			got, err = b.Message(ctx, MessageRequest{To: other.Info().Name, Text: "hi", Seconds: 10})
			if err != nil || len(got) != 1 || got[0].Status != Delivered || got[0].User != "bob" {
				t.Errorf("Message(name) = %+v, %v", got, err)
			}
			got, err = b.Message(ctx, MessageRequest{To: "*", Text: "all"})
			if err != nil || len(got) != 4 {
				t.Errorf("Message(*) = %+v, %v; want 4 deliveries", got, err)
			}
			if _, err := b.Message(ctx, MessageRequest{To: "carol", Text: "x"}); !errors.Is(err, ErrNotFound) {
				t.Errorf("Message(carol) = %v, want ErrNotFound", err)
			}
		})
	}
}

func TestShellExitEndsSession(t *testing.T) {
	events := &auditLog{}
	m := newTestManager(t, Config{Audit: events.add, MaxPerUser: 1})
	var sh *fakeShell
	s, err := m.Open(context.Background(), OpenRequest{User: "alice"}, opener(&sh))
	if err != nil {
		t.Fatal(err)
	}
	c := &fakeClient{}
	mustAttach(t, s, c)
	sh.emit(Event{Kind: EventExited, ExitCode: 0})
	<-s.Done()
	if ev, _ := events.find(audit.SessionEnd, s.ID()); ev.Reason != string(ReasonShellExited) {
		t.Errorf("770 reason = %q, want shell_exited", ev.Reason)
	}
	if err := s.Input("x"); !errors.Is(err, ErrClosed) {
		t.Errorf("Input after exit = %v, want ErrClosed", err)
	}
	if _, err := m.Open(context.Background(), OpenRequest{User: "alice"}, opener(nil)); err != nil {
		t.Errorf("slot not released after the shell exited: %v", err)
	}
}

func TestExitDuringOpen(t *testing.T) {
	m := newTestManager(t, Config{})
	s, err := m.Open(context.Background(), OpenRequest{User: "alice"}, func(_ context.Context, emit func(Event)) (Shell, error) {
		emit(Event{Kind: EventExited, ExitCode: 1})
		return &fakeShell{}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	<-s.Done()
	if infos, err := m.List(context.Background(), Filter{}); err != nil || len(infos) != 0 {
		t.Errorf("List after the shell exited during open = %v, %v; want none", names(infos), err)
	}
	if st := m.Stats(); st != (Stats{}) {
		t.Errorf("Stats = %+v, want zero", st)
	}
}

// TestShellFailureEndsSession: a shell that fails (target gone, shell
// expired there) ends the session with reason error; the browser gets the
// generic message, the events event the detail. Also when it fails while
// the session is still opening.
func TestShellFailureEndsSession(t *testing.T) {
	fail := errors.New("receiving output: http 500: wsman fault 2150858843: shell not found")
	t.Run("attached", func(t *testing.T) {
		events := &auditLog{}
		m := newTestManager(t, Config{Audit: events.add})
		var sh *fakeShell
		s, err := m.Open(context.Background(), OpenRequest{User: "alice"}, opener(&sh))
		if err != nil {
			t.Fatal(err)
		}
		c := &fakeClient{}
		mustAttach(t, s, c)
		sh.emit(Event{Kind: EventExited, Err: fail})
		<-s.Done()
		ev, _ := events.find(audit.SessionEnd, s.ID())
		if ev.Reason != string(ReasonError) || ev.Detail != fail.Error() {
			t.Errorf("770 = reason %q detail %q, want error / %q", ev.Reason, ev.Detail, fail)
		}
		var closed *Update
		for _, f := range c.take() {
			if f.Kind == UpdateClosed {
				closed = &f
			}
		}
		if closed == nil || closed.Reason != ReasonError || strings.Contains(closed.Message, "2150858843") {
			t.Errorf("closed frame = %+v, want reason error without the detail", closed)
		}
	})
	t.Run("during open", func(t *testing.T) {
		events := &auditLog{}
		m := newTestManager(t, Config{Audit: events.add})
		s, err := m.Open(context.Background(), OpenRequest{User: "alice"}, func(_ context.Context, emit func(Event)) (Shell, error) {
			emit(Event{Kind: EventExited, Err: fail})
			return &fakeShell{}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		<-s.Done()
		if ev, _ := events.find(audit.SessionEnd, s.ID()); ev.Reason != string(ReasonError) || ev.Detail != fail.Error() {
			t.Errorf("770 = reason %q detail %q, want error / %q", ev.Reason, ev.Detail, fail)
		}
	})
}
