package session

import (
	"context"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/psgate/psgate/audit"
	"github.com/psgate/psgate/internal/testenv"
)

// fakeClock is a manual clock: timers fire synchronously inside Advance.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	c     *fakeClock
	at    time.Time
	f     func()
	done  bool // fired or stopped
	order int
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 22, 23, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, at: c.now.Add(d), f: f, order: len(c.timers)}
	c.timers = append(c.timers, t)
	return t
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !t.done
	t.done = true
	return was
}

// Advance moves time forward by d, firing due timers in time order.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	target := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		var next *fakeTimer
		live := c.timers[:0]
		for _, t := range c.timers {
			if t.done {
				continue
			}
			live = append(live, t)
			if !t.at.After(target) && (next == nil || t.at.Before(next.at)) {
				next = t
			}
		}
		c.timers = live
		if next == nil {
			c.now = target
			c.mu.Unlock()
			return
		}
		if next.at.After(c.now) {
			c.now = next.at
		}
		next.done = true
		c.mu.Unlock()
		next.f()
	}
}

// fakeShell records what the session layer does to it.
type fakeShell struct {
	mu         sync.Mutex
	emit       func(Event)
	sent       []string
	interrupts int
	closes     int
}

func (s *fakeShell) Send(input string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, input)
	return nil
}

func (s *fakeShell) Interrupt(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.interrupts++
	return nil
}

func (s *fakeShell) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closes++
	return nil
}

func (s *fakeShell) counts() (interrupts, closes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.interrupts, s.closes
}

// opener returns an Opener that stores its fake shell in *sh.
func opener(sh **fakeShell) Opener {
	return func(_ context.Context, emit func(Event)) (Shell, error) {
		s := &fakeShell{emit: emit}
		if sh != nil {
			*sh = s
		}
		return s, nil
	}
}

// fakeClient records frames; with autoAck it acknowledges messages.
type fakeClient struct {
	mu      sync.Mutex
	frames  []Update
	autoAck func(id string)
}

func (c *fakeClient) Deliver(f Update) {
	c.mu.Lock()
	c.frames = append(c.frames, f)
	ack := c.autoAck
	c.mu.Unlock()
	if f.Kind == UpdateMessage && ack != nil {
		go ack(f.ID) // never call back into the session from Deliver
	}
}

func (c *fakeClient) take() []Update {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.frames
	c.frames = nil
	return out
}

// auditLog collects events events.
type auditLog struct {
	mu     sync.Mutex
	events []audit.Record
}

func (a *auditLog) add(ev audit.Record) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.events = append(a.events, ev)
}

func (a *auditLog) find(event int, session string) (audit.Record, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ev := range a.events {
		if ev.Event == event && (session == "" || ev.Session == session) {
			return ev, true
		}
	}
	return audit.Record{}, false
}

// newTestManager builds a Manager on cfg with test defaults and shuts it
// down at the end of the test.
func newTestManager(t testing.TB, cfg Config) *Manager {
	t.Helper()
	m, err := NewManager(cfg)
	if err != nil {
		t.Fatalf("NewManager: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := m.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return m
}

// redisClient connects to the test Redis and returns a fresh key prefix;
// the prefix's keys are deleted at the end of the test.
func redisClient(t testing.TB) (*redis.Client, string) {
	t.Helper()
	addr := testenv.Redis(t) // skips without it; fails if it does not answer
	c := redis.NewClient(&redis.Options{Addr: addr})
	ctx := context.Background()
	prefix := "psgate-test:" + strings.ReplaceAll(t.Name(), "/", "_") + ":" + newID()[:8] + ":"
	t.Cleanup(func() {
		keys, _ := c.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			c.Del(ctx, keys...)
		}
		c.Close()
	})
	return c, prefix
}

func newRedisRegistry(t testing.TB, c *redis.Client, prefix string, clock Clock) *RedisRegistry {
	t.Helper()
	r, err := NewRedisRegistry(RedisConfig{Client: c, Prefix: prefix, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func names(infos []Info) []string {
	var out []string
	for _, i := range infos {
		out = append(out, i.Name)
	}
	sort.Strings(out)
	return out
}

func frameTypes(fs []Update) []UpdateKind {
	var out []UpdateKind
	for _, f := range fs {
		out = append(out, f.Kind)
	}
	return out
}
