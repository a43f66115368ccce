package session

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/psgate/psgate/audit"
)

func TestIdleWarningAndExpiry(t *testing.T) {
	tests := []struct {
		name     string
		attached bool
		// steps: advance, then optionally keep alive
		steps []idleStep
		// wantFrames: the client's frames after the hello
		wantFrames []Update
		wantEndAt  time.Duration // 0: still open at the end
	}{
		{
			name: "active, no activity", attached: true,
			steps:      []idleStep{{at: 14*time.Minute + 59*time.Second}, {at: 15 * time.Minute}, {at: 20*time.Minute - time.Second}, {at: 20 * time.Minute}},
			wantFrames: []Update{{Kind: UpdateIdleWarning, Seconds: 300}, closedUpdate(ReasonIdleTimeout)},
			wantEndAt:  20 * time.Minute,
		},
		{
			name: "keep-alive after the warning slides the timeout", attached: true,
			steps: []idleStep{{at: 16 * time.Minute, keepAlive: true}, {at: 30 * time.Minute}, {at: 31 * time.Minute},
				{at: 36*time.Minute - time.Second}, {at: 36 * time.Minute}},
			wantFrames: []Update{{Kind: UpdateIdleWarning, Seconds: 300}, {Kind: UpdateIdleWarning, Seconds: 300}, closedUpdate(ReasonIdleTimeout)},
			wantEndAt:  36 * time.Minute,
		},
		{
			name: "input slides the timeout", attached: true,
			steps:      []idleStep{{at: 10 * time.Minute, input: true}, {at: 29 * time.Minute}},
			wantFrames: []Update{{Kind: UpdateIdleWarning, Seconds: 300}},
		},
		{
			name: "disconnected sessions expire too", attached: false,
			steps:     []idleStep{{at: 19 * time.Minute}, {at: 20 * time.Minute}},
			wantEndAt: 20 * time.Minute,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := newFakeClock()
			events := &auditLog{}
			m := newTestManager(t, Config{Clock: clock, Audit: events.add})
			var sh *fakeShell
			s, err := m.Open(t.Context(), OpenRequest{User: "alice"}, opener(&sh))
			if err != nil {
				t.Fatal(err)
			}
			c := &fakeClient{}
			if tc.attached {
				if _, err := s.Attach(c); err != nil {
					t.Fatal(err)
				}
				c.take()
			}
			start := clock.Now()
			var endedAt time.Duration
			for _, st := range tc.steps {
				clock.Advance(start.Add(st.at).Sub(clock.Now()))
				if st.keepAlive {
					s.KeepAlive()
				}
				if st.input {
					if err := s.Input("x"); err != nil {
						t.Fatal(err)
					}
				}
				if endedAt == 0 && s.Info().State == StateClosed {
					endedAt = st.at
				}
			}
			if diff := cmp.Diff(tc.wantFrames, c.take()); diff != "" {
				t.Errorf("frames (-want +got):\n%s", diff)
			}
			if endedAt != tc.wantEndAt {
				t.Errorf("ended at %v, want %v (0 = open)", endedAt, tc.wantEndAt)
			}
			ev, ended := events.find(audit.SessionEnd, s.ID())
			if ended != (tc.wantEndAt != 0) {
				t.Fatalf("770 events event present = %v", ended)
			}
			if ended {
				if ev.Reason != string(ReasonIdleTimeout) {
					t.Errorf("770 reason = %q, want idle_timeout", ev.Reason)
				}
				if _, closes := sh.counts(); closes != 1 {
					t.Errorf("shell closed %d times, want 1", closes)
				}
			}
		})
	}
}

type idleStep struct {
	at        time.Duration
	keepAlive bool
	input     bool
}

func closedUpdate(r Reason) Update {
	return Update{Kind: UpdateClosed, Reason: r, Message: r.message()}
}

func TestIdleWarningOffWhenTimeoutShort(t *testing.T) {
	clock := newFakeClock()
	m := newTestManager(t, Config{Clock: clock, IdleTimeout: 5 * time.Minute})
	s, err := m.Open(t.Context(), OpenRequest{User: "alice"}, opener(nil))
	if err != nil {
		t.Fatal(err)
	}
	c := &fakeClient{}
	if _, err := s.Attach(c); err != nil {
		t.Fatal(err)
	}
	c.take()
	clock.Advance(5 * time.Minute)
	if diff := cmp.Diff([]Update{closedUpdate(ReasonIdleTimeout)}, c.take()); diff != "" {
		t.Errorf("frames (-want +got):\n%s", diff)
	}
}
