package winrs

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/masterzen/winrm"

	"github.com/psgate/psgate/backend/wsman"
)

func TestConsoleFiveMegabytes(t *testing.T) {
	f := newFakeTarget(t)
	c, rec := startFake(t, f)
	const n = 5 << 20
	if err := c.Send(fmt.Sprintf("flood %d", n)); err != nil {
		t.Fatal(err)
	}
	out, ev := rec.untilPrompt(t)
	if ev.Kind != Prompt {
		t.Fatalf("end: %+v", ev)
	}
	got := out[StreamStdout]
	// Every LF became CRLF; nothing else changed, nothing was lost.
	if strings.Count(got, "x") != n-strings.Count(got, "\r\n") || strings.Count(got, "\r\n") != n/100+boolInt(n%100 == 100) {
		t.Fatalf("got %d bytes, %d lines", len(got), strings.Count(got, "\r\n"))
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// BenchmarkRoundTrip is one empty command (input line -> prompt) through
// the console, against the same round trip with masterzen used directly
// (Stdin.Write of the marker line, read Stdout until it comes back).
func BenchmarkRoundTrip(b *testing.B) {
	f := newFakeTarget(b)
	b.Run("backend", func(b *testing.B) {
		rec := newRecorder()
		c, err := Start(context.Background(), f.config(), rec.emit)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		<-rec.ch
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := c.Send("echo x"); err != nil {
				b.Fatal(err)
			}
			for ev := range rec.ch {
				if ev.Kind == Prompt {
					break
				}
			}
		}
	})
	b.Run("masterzen", func(b *testing.B) {
		cmd, done := masterzenCommand(b, f.config())
		defer done()
		s := sentinel{prefix: "<<B:"}
		buf := make([]byte, 64<<10)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := cmd.Stdin.Write([]byte(s.blockWithMarker("echo x", uint64(i)))); err != nil {
				b.Fatal(err)
			}
			var got []byte
			for !bytes.Contains(got, []byte(">>\n")) {
				n, err := cmd.Stdout.Read(buf)
				if err != nil {
					b.Fatal(err)
				}
				got = append(got, buf[:n]...)
			}
		}
	})
}

// BenchmarkRoundTripNTLMSealed is the same round trip over plain HTTP with
// NTLM message encryption (the default auth over HTTP), against the WinRM
// simulator's NTLM server (sim_ntlm_test.go).
func BenchmarkRoundTripNTLMSealed(b *testing.B) {
	_, _, cfg := simNTLMTarget(b)
	rec := newRecorder()
	c, err := Start(context.Background(), cfg, rec.emit)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	<-rec.ch
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.Send("echo x"); err != nil {
			b.Fatal(err)
		}
		for ev := range rec.ch {
			if ev.Kind == Prompt {
				break
			}
		}
	}
}

// BenchmarkThroughput streams 5 MiB of output per op through the console,
// and through masterzen used directly (reading Stdout until the marker).
func BenchmarkThroughput(b *testing.B) {
	f := newFakeTarget(b)
	const n = 5 << 20
	b.Run("backend", func(b *testing.B) {
		rec := newRecorder()
		c, err := Start(context.Background(), f.config(), rec.emit)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		<-rec.ch
		b.SetBytes(n)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := c.Send(fmt.Sprintf("flood %d", n)); err != nil {
				b.Fatal(err)
			}
			for ev := range rec.ch {
				if ev.Kind == Prompt {
					break
				}
			}
		}
	})
	b.Run("masterzen", func(b *testing.B) {
		cmd, done := masterzenCommand(b, f.config())
		defer done()
		s := sentinel{prefix: "<<B:"}
		buf := make([]byte, 256<<10)
		b.SetBytes(n)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := cmd.Stdin.Write([]byte(s.blockWithMarker(fmt.Sprintf("flood %d", n), uint64(i)))); err != nil {
				b.Fatal(err)
			}
			var tail []byte
			for !bytes.Contains(tail, []byte(">>\n")) {
				k, err := cmd.Stdout.Read(buf)
				if err != nil {
					b.Fatal(err)
				}
				tail = append(tail[max(0, len(tail)-64):], buf[:k]...)
			}
		}
	})
}

// masterzenCommand opens powershell.exe with masterzen directly (Basic over
// HTTPS), as a baseline.
func masterzenCommand(b *testing.B, cfg Config) (*winrm.Command, func()) {
	ep := winrm.NewEndpoint(cfg.Host, cfg.Port, true, true, nil, nil, nil, 0)
	client, err := winrm.NewClientWithParameters(ep, cfg.Username, cfg.Password, winrm.NewParameters("PT1S", "en-US", 153600))
	if err != nil {
		b.Fatal(err)
	}
	shell, err := client.CreateShell()
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd, err := shell.ExecuteWithContext(ctx, psCommand)
	if err != nil {
		b.Fatal(err)
	}
	go io.Copy(io.Discard, cmd.Stderr)
	return cmd, func() { cmd.Close(); shell.Close(); cancel() }
}

// TestHelperFakeTargetProcess runs the scripted target in a child process
// for BenchmarkMemoryPerShell (the usual helper-process pattern); it is
// not a test of its own and returns at once without the variable.
func TestHelperFakeTargetProcess(t *testing.T) {
	if os.Getenv("PSGATE_WINRS_FAKE_CHILD") != "1" {
		return
	}
	f := newFakeTarget(t)
	fmt.Println("URL", f.srv.Listener.Addr().String())
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent closes stdin
}

// childTarget starts the scripted target in another process, so that
// measurements in this one see the gateway side only.
func childTarget(b *testing.B) Config {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperFakeTargetProcess$")
	cmd.Env = append(os.Environ(), "PSGATE_WINRS_FAKE_CHILD=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); cmd.Wait() })
	var addr string
	if _, err := fmt.Fscanf(stdout, "URL %s\n", &addr); err != nil {
		b.Fatal(err)
	}
	go io.Copy(io.Discard, stdout)
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	return Config{Endpoint: wsman.Endpoint{Host: host, Port: p, HTTPS: true, Insecure: true, Username: "alice", Password: "pw",
		ConnectTimeout: 2 * time.Second, OperationTimeout: time.Second}}
}

// BenchmarkMemoryPerShell reports the gateway-side heap and goroutines held
// by one idle open console (its receive loop long-polling); the target runs
// in a child process.
func BenchmarkMemoryPerShell(b *testing.B) {
	cfg := childTarget(b)
	const n = 50
	var before, after runtime.MemStats
	for i := 0; i < b.N; i++ {
		runtime.GC()
		runtime.ReadMemStats(&before)
		g0 := runtime.NumGoroutine()
		cs := make([]*Console, n)
		for j := range cs {
			rec := newRecorder()
			rec.ch = make(chan Event, 1)
			c, err := Start(context.Background(), cfg, rec.emit)
			if err != nil {
				b.Fatal(err)
			}
			cs[j] = c
		}
		time.Sleep(100 * time.Millisecond)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "heapB/shell")
		b.ReportMetric(float64(runtime.NumGoroutine()-g0)/n, "goroutines/shell")
		for _, c := range cs {
			c.Close()
		}
	}
}
