package session

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestListAcrossNodes: another node sees a session's state change after the
// coalesced registry update, and its own sessions live.
func TestListAcrossNodes(t *testing.T) {
	for _, kind := range []string{"memory", "redis"} {
		t.Run(kind, func(t *testing.T) {
			clock := newFakeClock()
			var regA, regB Registry
			if kind == "memory" {
				r := NewMemoryRegistry(clock)
				regA, regB = r, r
			} else {
				c, prefix := redisClient(t)
				regA, regB = newRedisRegistry(t, c, prefix, clock), newRedisRegistry(t, c, prefix, clock)
			}
			a := newTestManager(t, Config{Registry: regA, Node: "gw-a", Clock: clock})
			b := newTestManager(t, Config{Registry: regB, Node: "gw-b", Clock: clock})
			ctx := context.Background()
			s, err := a.Open(ctx, OpenRequest{User: "alice", Target: "web1", ClientAddr: "192.0.2.7"}, opener(nil))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.Open(ctx, OpenRequest{User: "bob", Target: "web2"}, opener(nil)); err != nil {
				t.Fatal(err)
			}
			state := func(m *Manager, f Filter) []State {
				infos, err := m.List(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				var out []State
				for _, i := range infos {
					out = append(out, i.State)
				}
				return out
			}
			if got := state(b, Filter{User: "Alice"}); !cmp.Equal(got, []State{StateDisconnected}) {
				t.Errorf("b lists alice as %v, want [disconnected]", got)
			}
			detach := mustAttach(t, s, &fakeClient{})
			if got := state(a, Filter{User: "alice"}); !cmp.Equal(got, []State{StateActive}) {
				t.Errorf("a (owner) lists alice as %v, want [active] at once", got)
			}
			clock.Advance(flushDelay)
			if got := state(b, Filter{User: "alice"}); !cmp.Equal(got, []State{StateActive}) {
				t.Errorf("b lists alice as %v after the flush, want [active]", got)
			}
			detach()
			clock.Advance(flushDelay)
			if got := state(b, Filter{User: "alice"}); !cmp.Equal(got, []State{StateDisconnected}) {
				t.Errorf("b lists alice as %v after detach, want [disconnected]", got)
			}
			if got := state(a, Filter{Node: "gw-b"}); len(got) != 1 {
				t.Errorf("a lists %d sessions on gw-b, want 1", len(got))
			}
			infos, _ := b.List(ctx, Filter{})
			if len(infos) != 2 || infos[0].Node != "gw-a" || infos[0].ClientAddr != "192.0.2.7" || infos[1].User != "bob" {
				t.Errorf("b.List = %+v", infos)
			}
			if st := a.Stats(); st != (Stats{Disconnected: 1}) {
				t.Errorf("a.Stats = %+v", st)
			}
		})
	}
}
