package winrs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/psgate/psgate/backend/wsman"
	"github.com/psgate/psgate/internal/testenv"
	"github.com/psgate/psgate/winrmsim"
)

// The console backend against the simulator's fault injection and quotas
// (winrmsim Faults, MaxShellsPerUser, MaxOperationsPerUser, shell expiry),
// Basic over HTTPS. Every test fails on a goroutine leak: the console is
// closed (its clients drop their idle connections), the simulator closed,
// then the count must settle back to where it was.

// faultTarget starts a simulator with cfg (alice/pw, HTTPS) and returns the
// backend Config for it.
func faultTarget(t *testing.T, cfg winrmsim.Config) (*winrmsim.Server, Config) {
	t.Helper()
	cfg.Users = map[string]string{"alice": "pw"}
	cfg.Auth = []string{"basic"}
	cfg.TLS = true
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := winrmsim.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, Config{Endpoint: wsman.Endpoint{Host: s.Host(), Port: s.Port(), HTTPS: true, CACertPEM: s.CertPEM(), Auth: "basic",
		Username: "alice", Password: "pw", ConnectTimeout: 5 * time.Second, OperationTimeout: 2 * time.Second}}
}

// startBounded runs Start and fails the test if it does not return within
// a generous bound (a hang, not a slow machine).
func startBounded(t *testing.T, cfg Config, rec *recorder) (*Console, error) {
	t.Helper()
	type result struct {
		c   *Console
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := Start(context.Background(), cfg, rec.emit)
		ch <- result{c, err}
	}()
	select {
	case r := <-ch:
		if r.c != nil {
			t.Cleanup(func() { r.c.Close() })
		}
		return r.c, r.err
	case <-time.After(60 * time.Second):
		t.Fatal("Start hung")
		return nil, nil
	}
}

// untilExited waits for the Exited event, skipping output and prompts.
func untilExited(t *testing.T, rec *recorder) Event {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case ev := <-rec.ch:
			if ev.Kind == Exited {
				return ev
			}
		case <-timeout:
			t.Fatal("no Exited event")
		}
	}
}

// TestSimFaultOperationTimeout: a block quiet for longer than the
// OperationTimeout makes the simulator answer the Receive long-poll with
// the TimedOut fault 2150858793; the loop polls again and the output and
// the prompt arrive.
func TestSimFaultOperationTimeout(t *testing.T) {
	base := runtime.NumGoroutine()
	log := &testenv.Buffer{}
	s, cfg := faultTarget(t, winrmsim.Config{Logger: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Faults: winrmsim.Faults{Latency: 5 * time.Millisecond}})
	cfg.OperationTimeout = 400 * time.Millisecond
	c, rec := startSim(t, cfg)
	out, ev := run(t, c, rec, "Start-Sleep -m 1500\nWrite-Output 'after the wait'")
	if ev.Kind != Prompt || !ev.Success || out[StreamStdout] != "after the wait\r\n" {
		t.Fatalf("got %q %+v", out, ev)
	}
	if !strings.Contains(log.String(), "action=Receive status=500") {
		t.Fatalf("no TimedOut fault was sent:\n%s", log.String())
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	settleGoroutines(t, base)
}

// TestSimFaultDrop: the simulator closes connections without a reply.
func TestSimFaultDrop(t *testing.T) {
	t.Run("every request", func(t *testing.T) {
		base := runtime.NumGoroutine()
		s, cfg := faultTarget(t, winrmsim.Config{Faults: winrmsim.Faults{DropEvery: 1}})
		c, err := startBounded(t, cfg, newRecorder())
		if c != nil || !errors.Is(err, ErrUnreachable) {
			t.Fatalf("Start = %v, %v; want ErrUnreachable", c, err)
		}
		if n := s.OpenShells(); n != 0 {
			t.Fatalf("%d shells open", n)
		}
		s.Close()
		settleGoroutines(t, base)
	})
	t.Run("every 4th request", func(t *testing.T) {
		// A dropped request is one the server never read: net/http sends
		// it again on a new connection when the dropped one was reused
		// (the backend marks requests replayable), and the receive loop
		// retries a failed poll. The session survives.
		base := runtime.NumGoroutine()
		log := &testenv.Buffer{}
		s, cfg := faultTarget(t, winrmsim.Config{Logger: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})),
			Faults: winrmsim.Faults{DropEvery: 4}})
		c, rec := startSim(t, cfg)
		for i := range 5 {
			out, ev := run(t, c, rec, fmt.Sprintf("Write-Output 'block %d'", i))
			if ev.Kind != Prompt || out[StreamStdout] != fmt.Sprintf("block %d\r\n", i) {
				t.Fatalf("block %d: %q %+v", i, out, ev)
			}
		}
		if n := strings.Count(log.String(), "action=dropped"); n < 2 {
			t.Fatalf("only %d requests dropped", n)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		s.Close()
		settleGoroutines(t, base)
	})
}

// TestSimFaultQuota: the quota faults map to ErrQuotaExceeded and Start
// leaves nothing behind on the target.
func TestSimFaultQuota(t *testing.T) {
	tests := []struct {
		name string
		cfg  winrmsim.Config
		open int    // consoles opened before the refused one
		code string // the fault code in the error
	}{
		{"max shells", winrmsim.Config{MaxShellsPerUser: 1}, 1, "2150859173"},
		// one console is a shell and a command: two operations
		{"max operations", winrmsim.Config{MaxOperationsPerUser: 3}, 1, "2150859174"},
		{"quota fault", winrmsim.Config{Faults: winrmsim.Faults{QuotaFault: true}}, 0, "2150859173"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := runtime.NumGoroutine()
			s, cfg := faultTarget(t, tt.cfg)
			var open []*Console
			for range tt.open {
				c, _ := startSim(t, cfg)
				open = append(open, c)
			}
			c, err := startBounded(t, cfg, newRecorder())
			if c != nil || !errors.Is(err, ErrQuotaExceeded) || !strings.Contains(err.Error(), tt.code) {
				t.Fatalf("Start = %v; want ErrQuotaExceeded with fault %s", err, tt.code)
			}
			t.Logf("Start refused: %v", err)
			if n := s.OpenShells(); n != tt.open {
				t.Fatalf("%d shells open, want %d (the refused Start must delete its shell)", n, tt.open)
			}
			for _, c := range open {
				if err := c.Close(); err != nil {
					t.Fatal(err)
				}
			}
			if n := s.Operations("alice"); n != 0 {
				t.Fatalf("%d operations left after Close", n)
			}
			if tt.open > 0 { // the quota is free again
				c, _ := startSim(t, cfg)
				c.Close()
			}
			s.Close()
			settleGoroutines(t, base)
		})
	}
}

// TestSimFaultExpiredShell: the target deletes the shell (IdleTimeOut
// expiry, or Faults.ExpireShells); the console ends with an Exited event
// whose error carries the unknown-shell fault 2150858843, and input is
// refused with ErrClosed.
func TestSimFaultExpiredShell(t *testing.T) {
	t.Run("on demand", func(t *testing.T) {
		base := runtime.NumGoroutine()
		s, cfg := faultTarget(t, winrmsim.Config{})
		c, rec := startSim(t, cfg)
		if n := s.ExpireShells(); n != 1 {
			t.Fatalf("ExpireShells = %d", n)
		}
		checkExpired(t, untilExited(t, rec))
		if err := c.Send("Write-Output 'late'"); !errors.Is(err, ErrClosed) {
			t.Fatalf("Send after expiry = %v, want ErrClosed", err)
		}
		waitSim(t, "the remote process to end", func() bool { return s.RunningProcesses() == 0 })
		c.Close()
		s.Close()
		settleGoroutines(t, base)
	})
	t.Run("after 12 requests", func(t *testing.T) {
		base := runtime.NumGoroutine()
		s, cfg := faultTarget(t, winrmsim.Config{Faults: winrmsim.Faults{ExpireShells: 12}})
		c, rec := startSim(t, cfg)
		var sendErr error
		for i := 0; i < 20 && sendErr == nil; i++ {
			if sendErr = c.Send(fmt.Sprintf("Write-Output %d", i)); sendErr == nil {
				if _, ev := rec.untilPrompt(t); ev.Kind == Exited {
					checkExpired(t, ev)
					break
				}
			}
		}
		if sendErr != nil { // the Send itself met the deleted shell
			t.Logf("send: %v", sendErr)
			if !strings.Contains(sendErr.Error(), "2150858843") && !errors.Is(sendErr, ErrClosed) {
				t.Fatalf("Send = %v", sendErr)
			}
			checkExpired(t, untilExited(t, rec))
		}
		if s.OpenShells() != 0 {
			t.Fatal("the shell did not expire")
		}
		c.Close()
		s.Close()
		settleGoroutines(t, base)
	})
}

func checkExpired(t *testing.T, ev Event) {
	t.Helper()
	var f *FaultError
	if ev.Kind != Exited || !errors.As(ev.Err, &f) || f.Code != wsman.CodeInvalidSelectors ||
		!strings.Contains(ev.Err.Error(), "the shell was not found on the server") {
		t.Fatalf("exit event %+v, want Exited with fault 2150858843 (shell not found)", ev)
	}
	t.Logf("session ended: %v", ev.Err)
}

// TestSimIdleTimeOutKeptAlive: an idle console is not an idle shell: the
// receive loop's long-poll is a request in progress, so a short
// IdleTimeOut does not expire it.
func TestSimIdleTimeOutKeptAlive(t *testing.T) {
	base := runtime.NumGoroutine()
	s, cfg := faultTarget(t, winrmsim.Config{IdleTimeout: 1500 * time.Millisecond})
	cfg.OperationTimeout = 300 * time.Millisecond
	c, rec := startSim(t, cfg)
	time.Sleep(4 * time.Second) // several IdleTimeOuts with nobody typing
	if out, ev := run(t, c, rec, "Write-Output 'still here'"); ev.Kind != Prompt || out[StreamStdout] != "still here\r\n" {
		t.Fatalf("got %q %+v", out, ev)
	}
	c.Close()
	waitSim(t, "the shell to be deleted", func() bool { return s.OpenShells() == 0 && s.RunningProcesses() == 0 })
	s.Close()
	settleGoroutines(t, base)
}

// TestSimFaultSlowOutput: output trickles in 7-byte pieces (UTF-8
// characters and the sentinel marker split across Receives); everything
// arrives intact and in order, stderr's CLIXML too.
func TestSimFaultSlowOutput(t *testing.T) {
	base := runtime.NumGoroutine()
	s, cfg := faultTarget(t, winrmsim.Config{Faults: winrmsim.Faults{
		SlowOutput: winrmsim.SlowOutput{ChunkBytes: 7, Every: time.Millisecond}}})
	c, rec := startSim(t, cfg)
	var want bytes.Buffer
	var block strings.Builder
	for i := range 4 {
		line := fmt.Sprintf("%d こんにちは ü 😀 ÀÉÎÕÜ — ✓", i)
		block.WriteString("Write-Output '" + line + "'\n")
		want.WriteString(line + "\r\n")
	}
	out, ev := run(t, c, rec, block.String())
	if ev.Kind != Prompt || !ev.Success || out[StreamStdout] != want.String() {
		t.Fatalf("stdout %q, want %q (%+v)", out[StreamStdout], want.String(), ev)
	}
	out, ev = run(t, c, rec, "Write-Error 'böse 😀'")
	if ev.Kind != Prompt || ev.Success || !strings.Contains(out[StreamStderr], "böse 😀") {
		t.Fatalf("stderr %q %+v", out[StreamStderr], ev)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	settleGoroutines(t, base)
}

func waitSim(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
