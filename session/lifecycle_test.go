package session

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestShutdownClosesEverythingNoLeaks(t *testing.T) {
	for _, kind := range []string{"memory", "redis"} {
		t.Run(kind, func(t *testing.T) {
			var reg Registry = NewMemoryRegistry(nil)
			if kind == "redis" {
				c, prefix := redisClient(t)
				c.Ping(context.Background()) // the client's pool is part of the baseline
				reg = newRedisRegistry(t, c, prefix, nil)
			}
			before := runtime.NumGoroutine()
			events := &auditLog{}
			m, err := NewManager(Config{Registry: reg, Audit: events.add, Lease: 300 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			var shells []*fakeShell
			for i := range 6 {
				var sh *fakeShell
				s, err := m.Open(context.Background(), OpenRequest{User: []string{"alice", "bob"}[i%2]}, opener(&sh))
				if err != nil {
					t.Fatal(err)
				}
				shells = append(shells, sh)
				if i%2 == 0 {
					mustAttach(t, s, &fakeClient{})
				}
			}
			// a message waiting for an ack must not hold up shutdown
			go m.Message(context.Background(), MessageRequest{To: "*", Text: "x", Wait: true})
			time.Sleep(250 * time.Millisecond) // let heartbeats run against the real clock
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := m.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			for i, sh := range shells {
				if _, closes := sh.counts(); closes != 1 {
					t.Errorf("shell %d closed %d times", i, closes)
				}
			}
			if _, err := m.Open(ctx, OpenRequest{User: "carol"}, opener(nil)); !errors.Is(err, ErrShutdown) {
				t.Errorf("Open after Shutdown = %v, want ErrShutdown", err)
			}
			if infos, _ := reg.List(ctx, Filter{}); len(infos) != 0 {
				t.Errorf("registry after shutdown lists %v", names(infos))
			}
			waitGoroutines(t, before)
		})
	}
}

// waitGoroutines fails unless the goroutine count returns to n.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, want %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestConfigValidation(t *testing.T) {
	_, err := NewManager(Config{MaxPerUser: -1, IdleTimeout: -time.Second, BufferBytes: 10, Lease: -1, LogoffGrace: -1})
	if err == nil {
		t.Fatal("NewManager accepted a bad config")
	}
	for _, want := range []string{"max per user -1", "idle timeout -1s", "buffer bytes 10", "lease -1ns", "logoff grace -1ns"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	m, err := NewManager(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown(context.Background())
	c := m.cfg
	if c.MaxPerUser != 3 || c.IdleTimeout != 20*time.Minute || c.IdleWarning != 5*time.Minute || c.BufferBytes != 1<<20 || c.Node != "local" {
		t.Errorf("defaults = %+v", c)
	}
}
