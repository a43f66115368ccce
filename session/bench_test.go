package session

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// nopClient drops frames, as a bridge whose queue has room would accept them.
type nopClient struct{}

func (nopClient) Deliver(Update) {}

// BenchmarkSessionMemory measures the heap kept per idle session (fake
// shell: the session layer's own cost, registry record included) with a
// client attached and without. Run with -benchtime=10000x for a stable
// number; retained-B/session is the figure of merit (target < 64 KiB).
func BenchmarkSessionMemory(b *testing.B) {
	for _, connected := range []bool{true, false} {
		name := "disconnected"
		if connected {
			name = "connected"
		}
		b.Run(name, func(b *testing.B) {
			m, err := NewManager(Config{MaxPerUser: 1 << 30})
			if err != nil {
				b.Fatal(err)
			}
			defer m.Shutdown(context.Background())
			ctx := context.Background()
			keep := make([]*Session, 0, b.N)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				s, err := m.Open(ctx, OpenRequest{User: "user" + strconv.Itoa(i%1000), Target: "web1", Configuration: "Microsoft.PowerShell", ClientAddr: "192.0.2.1"}, opener(nil))
				if err != nil {
					b.Fatal(err)
				}
				if connected {
					if _, err := s.Attach(nopClient{}); err != nil {
						b.Fatal(err)
					}
				}
				keep = append(keep, s)
			}
			b.StopTimer()
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(b.N), "retained-B/session")
			// and back to the baseline once they close
			for _, s := range keep {
				s.Exit()
			}
			keep = nil
			time.Sleep(2 * flushDelay) // let the pending registry update go
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric((float64(after.HeapAlloc)-float64(before.HeapAlloc))/float64(b.N), "after-close-B/session")
		})
	}
}

// BenchmarkReserve compares the cap check of the memory and Redis
// registries (one Reserve per op; 1000 users).
func BenchmarkReserve(b *testing.B) {
	b.Run("memory", func(b *testing.B) { benchReserve(b, NewMemoryRegistry(nil)) })
	b.Run("redis", func(b *testing.B) {
		c, prefix := redisClient(b)
		benchReserve(b, newRedisRegistry(b, c, prefix, nil))
	})
	// throughput with 16 concurrent callers per CPU (sign-in bursts)
	b.Run("memory-parallel", func(b *testing.B) { benchReserveParallel(b, NewMemoryRegistry(nil)) })
	b.Run("redis-parallel", func(b *testing.B) {
		c, prefix := redisClient(b)
		benchReserveParallel(b, newRedisRegistry(b, c, prefix, nil))
	})
}

func benchReserveParallel(b *testing.B, r Registry) {
	ctx := context.Background()
	now := time.Now()
	var n atomic.Int64
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			id := fmt.Sprintf("%032x", i)
			info := Info{ID: id, Name: "n" + id, User: "user" + strconv.FormatInt(i%1000, 10), Node: "gw-a", Created: now, LastActivity: now}
			if err := r.Reserve(ctx, info, 1<<30, time.Minute); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func benchReserve(b *testing.B, r Registry) {
	ctx := context.Background()
	now := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		id := fmt.Sprintf("%032x", i)
		info := Info{ID: id, Name: "n" + id, User: "user" + strconv.Itoa(i%1000), Node: "gw-a", Created: now, LastActivity: now}
		if err := r.Reserve(ctx, info, 1<<30, time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOutput measures one output event through a session, live to a
// client and into the disconnected buffer.
func BenchmarkOutput(b *testing.B) {
	for _, connected := range []bool{true, false} {
		name := "disconnected"
		if connected {
			name = "connected"
		}
		b.Run(name, func(b *testing.B) {
			m, err := NewManager(Config{})
			if err != nil {
				b.Fatal(err)
			}
			defer m.Shutdown(context.Background())
			var sh *fakeShell
			s, err := m.Open(context.Background(), OpenRequest{User: "alice"}, opener(&sh))
			if err != nil {
				b.Fatal(err)
			}
			if connected {
				if _, err := s.Attach(nopClient{}); err != nil {
					b.Fatal(err)
				}
			}
			line := "Directory: C:\\Users\\alice   Mode LastWriteTime Length Name\r\n"
			b.SetBytes(int64(len(line)))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				sh.emit(Event{Kind: EventOutput, Stream: "stdout", Text: line})
			}
		})
	}
}

// BenchmarkRefresh renews the leases of 10,000 sessions (one node's
// heartbeat at the 10,000-session target).
func BenchmarkRefresh(b *testing.B) {
	infos := make([]Info, 10000)
	now := time.Now()
	for i := range infos {
		id := fmt.Sprintf("%032x", i)
		infos[i] = Info{ID: id, Name: "user" + strconv.Itoa(i) + ".261122.230405", User: "user" + strconv.Itoa(i),
			Target: "web1.example.com", Node: "gw-a", State: StateDisconnected, Created: now, LastActivity: now}
	}
	run := func(b *testing.B, r Registry) {
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if err := r.Refresh(ctx, infos, time.Minute); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/heartbeat")
	}
	b.Run("memory", func(b *testing.B) { run(b, NewMemoryRegistry(nil)) })
	b.Run("redis", func(b *testing.B) {
		c, prefix := redisClient(b)
		run(b, newRedisRegistry(b, c, prefix, nil))
	})
}
