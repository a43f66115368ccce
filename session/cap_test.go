package session

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/psgate/psgate/audit"
)

// openParallel opens n sessions for user at once, spread over managers,
// and returns how many succeeded and how many hit the cap.
func openParallel(t *testing.T, ms []*Manager, user string, n int) (ok, capped int) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		m := ms[i%len(ms)]
		wg.Go(func() {
			<-start
			_, err := m.Open(context.Background(), OpenRequest{User: user, Target: "web1"}, opener(nil))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, ErrCapReached):
				capped++
			default:
				t.Errorf("Open: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	return ok, capped
}

func TestCapAtomicMemory(t *testing.T) {
	events := &auditLog{}
	m := newTestManager(t, Config{Audit: events.add})
	for round := range 5 { // repeat: a race would show in some round
		user := fmt.Sprintf("user%d", round)
		ok, capped := openParallel(t, []*Manager{m}, user, 10)
		if ok != 3 || capped != 7 {
			t.Fatalf("round %d: %d opened, %d capped; want 3 and 7", round, ok, capped)
		}
	}
	ev, found := events.find(audit.SessionLimitReached, "")
	if !found || ev.Detail != "max 3" {
		t.Errorf("260 audit event = %+v (found %v), want one with detail \"max 3\"", ev, found)
	}
}

func TestCapAtomicRedisTwoNodes(t *testing.T) {
	c, prefix := redisClient(t)
	var ms []*Manager
	for _, node := range []string{"gw-a", "gw-b"} {
		// each node its own registry object, as two processes would have
		reg := newRedisRegistry(t, c, prefix, nil)
		ms = append(ms, newTestManager(t, Config{Registry: reg, Node: node}))
	}
	for round := range 5 {
		user := fmt.Sprintf("User%d", round)
		ok, capped := openParallel(t, ms, user, 10)
		if ok != 3 || capped != 7 {
			t.Fatalf("round %d: %d opened, %d capped; want 3 and 7", round, ok, capped)
		}
		// the cap is case-insensitive on the user name
		if _, err := ms[1].Open(context.Background(), OpenRequest{User: "USER" + user[4:]}, opener(nil)); !errors.Is(err, ErrCapReached) {
			t.Fatalf("open with other case: %v, want ErrCapReached", err)
		}
	}
	infos, err := ms[0].List(context.Background(), Filter{User: "user0"})
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 3 {
		t.Errorf("List(user0) = %d sessions, want 3", len(infos))
	}
}

func TestOpenFailureReleasesSlot(t *testing.T) {
	m := newTestManager(t, Config{MaxPerUser: 1})
	boom := errors.New("target unreachable")
	_, err := m.Open(context.Background(), OpenRequest{User: "alice"}, func(context.Context, func(Event)) (Shell, error) {
		return nil, boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Open = %v, want the opener's error", err)
	}
	if _, err := m.Open(context.Background(), OpenRequest{User: "alice"}, opener(nil)); err != nil {
		t.Fatalf("Open after a failed open: %v (slot not released)", err)
	}
}

func TestNamesGetSuffixOnCollision(t *testing.T) {
	m := newTestManager(t, Config{Clock: newFakeClock()})
	var got []string
	for range 3 {
		s, err := m.Open(context.Background(), OpenRequest{User: "alice"}, opener(nil))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, s.Info().Name)
	}
	want := []string{"alice.261122.230405", "alice.261122.230405.2", "alice.261122.230405.3"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("names = %q, want %q", got, want)
			break
		}
	}
}

// TestManyOpensInOneSecond: past the numbered names, a script opening
// more sessions in one second than maxNameProbes (a high cap) still gets
// them, named after their IDs, all distinct.
func TestManyOpensInOneSecond(t *testing.T) {
	m := newTestManager(t, Config{Clock: newFakeClock(), MaxPerUser: 1000})
	seen := map[string]bool{}
	for i := range maxNameProbes + 20 {
		s, err := m.Open(context.Background(), OpenRequest{User: "alice"}, opener(nil))
		if err != nil {
			t.Fatalf("open %d in one second: %v", i+1, err)
		}
		name := s.Info().Name
		if seen[name] {
			t.Fatalf("open %d: name %q given twice", i+1, name)
		}
		seen[name] = true
		if i == maxNameProbes && name != "alice.261122.230405."+s.ID()[:12] {
			t.Errorf("open %d: name %q, want the ID-based suffix", i+1, name)
		}
	}
}

// TestLeaseExpiryAfterKilledNode: a node that dies without closing its
// sessions stops counting against the cap once their lease runs out.
func TestLeaseExpiryAfterKilledNode(t *testing.T) {
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
			cfg := Config{Clock: clock, Lease: 30 * time.Second}
			cfg.Registry, cfg.Node = regA, "gw-a"
			a, err := NewManager(cfg)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Registry, cfg.Node = regB, "gw-b"
			b := newTestManager(t, cfg)
			ctx := context.Background()
			for range 3 {
				if _, err := a.Open(ctx, OpenRequest{User: "alice"}, opener(nil)); err != nil {
					t.Fatal(err)
				}
			}
			clock.Advance(time.Minute) // node a is alive: its heartbeats keep the leases
			if _, err := b.Open(ctx, OpenRequest{User: "alice"}, opener(nil)); !errors.Is(err, ErrCapReached) {
				t.Fatalf("Open on b while a is alive = %v, want ErrCapReached", err)
			}
			a.stop() // "kill" a: no more heartbeats, nothing released
			clock.Advance(29 * time.Second)
			if infos, _ := b.List(ctx, Filter{User: "alice"}); len(infos) != 3 {
				t.Fatalf("within the lease: List = %d sessions, want 3", len(infos))
			}
			clock.Advance(2 * time.Second)
			if infos, _ := b.List(ctx, Filter{User: "alice"}); len(infos) != 0 {
				t.Fatalf("after the lease: List = %v, want none", names(infos))
			}
			for range 3 {
				if _, err := b.Open(ctx, OpenRequest{User: "alice"}, opener(nil)); err != nil {
					t.Fatalf("Open on b after a's leases expired: %v", err)
				}
			}
		})
	}
}

// TestResetOfDeadNode: resetting a session whose gateway is gone removes
// its record at once instead of waiting for the lease.
func TestResetOfDeadNode(t *testing.T) {
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
			a, err := NewManager(Config{Registry: regA, Node: "gw-a", Clock: clock, MaxPerUser: 1})
			if err != nil {
				t.Fatal(err)
			}
			b := newTestManager(t, Config{Registry: regB, Node: "gw-b", Clock: clock, MaxPerUser: 1})
			ctx := context.Background()
			s, err := a.Open(ctx, OpenRequest{User: "alice"}, opener(nil))
			if err != nil {
				t.Fatal(err)
			}
			a.stop() // killed
			if err := b.Logoff(ctx, s.Info().Name); !errors.Is(err, ErrNodeUnreachable) {
				t.Errorf("Logoff on a dead node = %v, want ErrNodeUnreachable", err)
			}
			if err := b.Reset(ctx, s.Info().Name); err != nil {
				t.Fatalf("Reset: %v", err)
			}
			if _, err := b.Open(ctx, OpenRequest{User: "alice"}, opener(nil)); err != nil {
				t.Errorf("Open after resetting the dead node's session: %v", err)
			}
		})
	}
}

func TestRedisRegistryByAddr(t *testing.T) {
	c, prefix := redisClient(t) // for the skip rules and the key cleanup
	addr := c.Options().Addr
	if _, err := NewRedisRegistry(RedisConfig{}); err == nil {
		t.Error("NewRedisRegistry without addr or client succeeded")
	}
	r, err := NewRedisRegistry(RedisConfig{Addr: addr, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() }) // after the Manager's shutdown (cleanups run last-in first-out)
	if err := r.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	m := newTestManager(t, Config{Registry: r, MaxPerUser: 1})
	if _, err := m.Open(t.Context(), OpenRequest{User: "alice"}, opener(nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Open(t.Context(), OpenRequest{User: "alice"}, opener(nil)); !errors.Is(err, ErrCapReached) {
		t.Errorf("second Open = %v, want ErrCapReached", err)
	}
	bad, _ := NewRedisRegistry(RedisConfig{Addr: "127.0.0.1:1", DialTimeout: time.Second})
	defer bad.Close()
	if err := bad.Ping(t.Context()); err == nil {
		t.Error("Ping of a closed port succeeded")
	}
}

// TestRedisRefreshAfterScriptFlush: a Redis that lost its script cache
// (restart, SCRIPT FLUSH) still gets the leases renewed.
func TestRedisRefreshAfterScriptFlush(t *testing.T) {
	c, prefix := redisClient(t)
	clock := newFakeClock()
	r := newRedisRegistry(t, c, prefix, clock)
	info := Info{ID: newID(), Name: "alice.261122.230405", User: "alice", Node: "gw-a", Created: clock.Now()}
	if err := r.Reserve(t.Context(), info, 3, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := c.ScriptFlush(t.Context()).Err(); err != nil {
		t.Fatal(err)
	}
	clock.Advance(50 * time.Second)
	info.State = StateActive
	if err := r.Refresh(t.Context(), []Info{info}, time.Minute); err != nil {
		t.Fatalf("Refresh after SCRIPT FLUSH: %v", err)
	}
	clock.Advance(50 * time.Second) // past the first lease, within the renewed one
	got, err := r.Lookup(t.Context(), info.Name)
	if err != nil {
		t.Fatalf("Lookup after renewal: %v", err)
	}
	if got.State != StateActive {
		t.Errorf("state = %s, want the refreshed active", got.State)
	}
}
