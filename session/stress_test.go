package session

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"
)

// TestConcurrentUse drives sessions from many goroutines at once (attach,
// detach, input, output, keep-alive, messages, idle expiry on the real
// clock, admin resets, shutdown); run with -race. It checks that nothing
// deadlocks, every shell is closed once and nothing leaks.
func TestConcurrentUse(t *testing.T) {
	before := runtime.NumGoroutine()
	m, err := NewManager(Config{MaxPerUser: 100, IdleTimeout: 30 * time.Millisecond, IdleWarning: 10 * time.Millisecond,
		BufferBytes: 2048, Lease: 30 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var shells []*fakeShell
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var sh *fakeShell
				s, err := m.Open(context.Background(), OpenRequest{User: "alice"}, opener(&sh))
				if err != nil {
					if !errors.Is(err, ErrCapReached) {
						t.Error(err)
					}
					continue
				}
				mu.Lock()
				shells = append(shells, sh)
				mu.Unlock()
				c := &fakeClient{autoAck: s.Ack}
				detach, err := s.Attach(c)
				if err == nil {
					go sh.emit(Event{Kind: EventOutput, Stream: "stdout", Text: "out\r\n"})
					_ = s.Input("x")
					s.KeepAlive()
					detach()
				}
				sh.emit(Event{Kind: EventOutput, Stream: "stdout", Text: "buffered\r\n"})
				sh.emit(Event{Kind: EventPrompt, Prompt: "PS> "})
				switch (w + i) % 4 {
				case 0:
					_ = m.Reset(context.Background(), s.ID())
				case 1:
					s.Exit()
				case 2:
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
					_, _ = m.Message(ctx, MessageRequest{To: "alice", Text: "hi", Wait: true})
					cancel()
				case 3: // left to expire
				}
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if len(shells) == 0 {
		t.Fatal("no session opened")
	}
	for i, sh := range shells {
		if _, closes := sh.counts(); closes != 1 {
			t.Fatalf("shell %d of %d closed %d times", i, len(shells), closes)
		}
	}
	waitGoroutines(t, before)
}
