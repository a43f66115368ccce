package winrs

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psgate/psgate/backend/wsman"
	"github.com/psgate/psgate/winrmsim"
)

// connTracker records the simulator's accepted connections so a test can
// drop them all, as a restarted WinRM service or a middlebox would.
type connTracker struct {
	net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func (l *connTracker) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.conns = append(l.conns, c)
		l.mu.Unlock()
	}
	return c, err
}

func (l *connTracker) dropAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		_ = c.Close()
	}
	l.conns = nil
}

// simNTLMTarget starts the simulator with Negotiate only, over plain HTTP
// with its default AllowUnencrypted=false: the backend must seal.
func simNTLMTarget(t testing.TB) (*winrmsim.Server, *connTracker, Config) {
	t.Helper()
	s, err := winrmsim.NewUnstartedServer(winrmsim.Config{
		Users:  map[string]string{"alice": "pw"},
		Auth:   []string{"negotiate"},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tl := &connTracker{Listener: l}
	done := make(chan error, 1)
	go func() { done <- s.Serve(tl) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	a := l.Addr().(*net.TCPAddr)
	return s, tl, Config{Endpoint: wsman.Endpoint{Host: a.IP.String(), Port: a.Port, Auth: "negotiate", Username: `WINSRV01\alice`,
		Password: "pw", ConnectTimeout: 5 * time.Second, OperationTimeout: 2 * time.Second}}
}

func TestSimNTLMSealed(t *testing.T) {
	base := runtime.NumGoroutine()
	s, tl, cfg := simNTLMTarget(t)
	c, rec := startSim(t, cfg)
	if out, ev := run(t, c, rec, "Write-Output 'sealed ü'"); ev.Kind != Prompt || !ev.Success || out[StreamStdout] != "sealed ü\r\n" {
		t.Fatalf("got %q %+v", out, ev)
	}
	if out, ev := run(t, c, rec, "Write-Error 'boom'"); ev.Kind != Prompt || ev.Success || !strings.Contains(out[StreamStderr], "boom") {
		t.Fatalf("stderr: %q %+v", out, ev)
	}
	// Every connection dropped: both clients see a new connection, the
	// simulator asks it to authenticate again, the session carries on.
	tl.dropAll()
	if out, ev := run(t, c, rec, "Write-Output 'again'"); ev.Kind != Prompt || out[StreamStdout] != "again\r\n" {
		t.Fatalf("after reconnect: %q %+v", out, ev)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if n := s.OpenShells(); n != 0 {
		t.Fatalf("%d shells open after Close", n)
	}
	s.Close()
	settleGoroutines(t, base)
}

func TestSimNTLMWrongPassword(t *testing.T) {
	_, _, cfg := simNTLMTarget(t)
	cfg.Password = "wrong"
	if _, err := Start(context.Background(), cfg, func(Event) {}); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("Start = %v, want ErrInvalidCredentials", err)
	}
}

// BenchmarkSimRoundTrip is one command (input line -> prompt) through the
// console against the simulator: Basic over HTTPS, and negotiate over plain
// HTTP (NTLM with message sealing).
func BenchmarkSimRoundTrip(b *testing.B) {
	_, basic := simTarget(b, "basic", true)
	_, _, sealed := simNTLMTarget(b)
	benchRoundTrips(b, []namedConfig{{"basic-https", basic}, {"ntlm-sealed-http", sealed}})
}

type namedConfig struct {
	name string
	cfg  Config
}

// benchRoundTrips times one command (input line -> prompt) per op through a
// console of each config.
func benchRoundTrips(b *testing.B, configs []namedConfig) {
	for _, tt := range configs {
		b.Run(tt.name, func(b *testing.B) {
			rec := newRecorder()
			c, err := Start(context.Background(), tt.cfg, rec.emit)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			untilPromptB(rec)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := c.Send("Write-Output x"); err != nil {
					b.Fatal(err)
				}
				untilPromptB(rec)
			}
		})
	}
}

func untilPromptB(rec *recorder) {
	for ev := range rec.ch {
		if ev.Kind == Prompt {
			return
		}
	}
}
