package winrs

import (
	"context"
	"errors"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/psgate/psgate/backend/wsman"
)

// blackHole accepts connections and never answers.
func blackHole(t *testing.T) (port int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return ln.Addr().(*net.TCPAddr).Port
}

// closedPort returns a loopback port nobody listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return p
}

// settleGoroutines waits until the goroutine count is back to at most
// base, and fails the test if it never is.
func settleGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines: %d, want <= %d\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestStartDeadHost(t *testing.T) {
	const connect = 300 * time.Millisecond
	tests := []struct {
		name string
		cfg  func(t *testing.T) Config
	}{
		{"black hole negotiate", func(t *testing.T) Config { return Config{Endpoint: wsman.Endpoint{Port: blackHole(t)}} }},
		{"black hole https basic", func(t *testing.T) Config {
			return Config{Endpoint: wsman.Endpoint{Port: blackHole(t), HTTPS: true, Insecure: true}}
		}},
		{"closed port", func(t *testing.T) Config { return Config{Endpoint: wsman.Endpoint{Port: closedPort(t)}} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg(t)
			cfg.Host, cfg.Username, cfg.Password = "127.0.0.1", "alice", "pw"
			cfg.ConnectTimeout = connect
			base := runtime.NumGoroutine()
			res := make(chan error, 1)
			go func() {
				c, err := Start(context.Background(), cfg, func(Event) {})
				if c != nil {
					c.Close()
				}
				res <- err
			}()
			select {
			case err := <-res:
				if !errors.Is(err, ErrUnreachable) {
					t.Fatalf("Start = %v, want ErrUnreachable", err)
				}
			case <-time.After(connect + 10*time.Second):
				t.Fatal("Start hung on a dead host")
			}
			settleGoroutines(t, base)
		})
	}
}

func TestStartCallerCancels(t *testing.T) {
	port := blackHole(t)
	base := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := Start(ctx, Config{Endpoint: wsman.Endpoint{Host: "127.0.0.1", Port: port, Username: "u", ConnectTimeout: time.Hour}}, func(Event) {})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Start = %v, want context.Canceled", err)
	}
	settleGoroutines(t, base)
}

func TestStartRefusesConfiguration(t *testing.T) {
	_, err := Start(context.Background(), Config{Endpoint: wsman.Endpoint{Host: "h", Username: "u"}, ConfigurationName: "JEA"}, func(Event) {})
	if !errors.Is(err, ErrConfigurationNotSupported) {
		t.Fatalf("Start = %v, want ErrConfigurationNotSupported", err)
	}
}
