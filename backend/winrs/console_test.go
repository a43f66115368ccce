package winrs

import (
	"context"
	"encoding/base64"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

// recorder collects a console's events.
type recorder struct {
	ch chan Event
}

func newRecorder() *recorder { return &recorder{ch: make(chan Event, 4096)} }

func (r *recorder) emit(ev Event) { r.ch <- ev }

// untilPrompt returns the output (by stream) and the prompt that ends it.
func (r *recorder) untilPrompt(t *testing.T) (map[string]string, Event) {
	t.Helper()
	out := map[string]string{}
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev := <-r.ch:
			switch ev.Kind {
			case Output:
				out[ev.Stream] += ev.Text
			case Prompt, Exited:
				return out, ev
			}
		case <-timeout:
			t.Fatalf("no prompt; output so far %q", out)
		}
	}
}

func startFake(t *testing.T, f *fakeTarget) (*Console, *recorder) {
	t.Helper()
	rec := newRecorder()
	c, err := Start(context.Background(), f.config(), rec.emit)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	_, ev := rec.untilPrompt(t)
	if ev.Kind != Prompt || ev.Location != `C:\Users\alice` || !ev.Success {
		t.Fatalf("first prompt = %+v", ev)
	}
	return c, rec
}

func TestConsoleFake(t *testing.T) {
	f := newFakeTarget(t)
	c, rec := startFake(t, f)
	raw := func(b []byte) string { return "raw " + base64.StdEncoding.EncodeToString(b) }
	tests := []struct {
		name    string
		input   string
		stdout  string
		stderr  string
		loc     string
		success bool
	}{
		{"echo", "echo hi", "hi\r\n", "", `C:\Users\alice`, true},
		{"multi-line block", "echo a\necho b\r\ncd D:\\work", "a\r\nb\r\n", "", `D:\work`, true},
		{"error", "err boom", "", "boom\r\n", `D:\work`, false},
		{"success resets", "echo x", "x\r\n", "", `D:\work`, true},
		{"empty input", "  ", "", "", `D:\work`, true},
		{"utf8 split in chunks", raw([]byte("\xe3\x81")) + "\n" + raw([]byte("\x93\xe3\x82\x93\n")), "こん\r\n", "", `D:\work`, true},
		{"marker text in output is output", "echo <<PSGATE:0000:1:True:X>>", "<<PSGATE:0000:1:True:X>>\r\n", "", `D:\work`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := c.Send(tt.input); err != nil {
				t.Fatal(err)
			}
			if !c.Busy() {
				// the prompt may already have come; Busy is checked below
			}
			out, ev := rec.untilPrompt(t)
			if ev.Kind != Prompt || ev.Location != tt.loc || ev.Success != tt.success {
				t.Fatalf("prompt = %+v, want location %q success %v", ev, tt.loc, tt.success)
			}
			if out[StreamStdout] != tt.stdout || out[StreamStderr] != tt.stderr {
				t.Fatalf("stdout %q stderr %q, want %q %q", out[StreamStdout], out[StreamStderr], tt.stdout, tt.stderr)
			}
			if c.Busy() {
				t.Fatal("busy after prompt")
			}
		})
	}
}

func TestConsoleReadHostAndInterrupt(t *testing.T) {
	f := newFakeTarget(t)
	c, rec := startFake(t, f)
	if err := c.Send("read"); err != nil {
		t.Fatal(err)
	}
	waitOutput(t, rec, "Name: ")
	if !c.Busy() {
		t.Fatal("not busy while Read-Host waits")
	}
	if err := c.Send("Bob"); err != nil {
		t.Fatal(err)
	}
	out, ev := rec.untilPrompt(t)
	if out[StreamStdout] != "hello Bob\r\n" || ev.Kind != Prompt {
		t.Fatalf("after Read-Host: %q %+v", out, ev)
	}

	if err := c.Send("sleep\necho after"); err != nil {
		t.Fatal(err)
	}
	if err := c.Interrupt(context.Background()); err != nil {
		t.Fatal(err)
	}
	out, ev = rec.untilPrompt(t)
	if ev.Kind != Prompt || ev.Success {
		t.Fatalf("after ctrl_c: %+v", ev)
	}
	if err := c.Send("echo alive"); err != nil {
		t.Fatal(err)
	}
	if out, _ = rec.untilPrompt(t); out[StreamStdout] != "alive\r\n" {
		t.Fatalf("session did not survive ctrl_c: %q", out)
	}
}

func waitOutput(t *testing.T, rec *recorder, want string) {
	t.Helper()
	got := ""
	timeout := time.After(10 * time.Second)
	for got != want {
		select {
		case ev := <-rec.ch:
			got += ev.Text
		case <-timeout:
			t.Fatalf("output %q, want %q", got, want)
		}
	}
}

func TestConsoleExitReleasesShell(t *testing.T) {
	f := newFakeTarget(t)
	base := runtime.NumGoroutine()
	c, rec := startFake(t, f)
	if err := c.Send("echo bye\nexit 7"); err != nil {
		t.Fatal(err)
	}
	out, ev := rec.untilPrompt(t)
	if ev.Kind != Exited || ev.ExitCode != 7 || ev.Err != nil || out[StreamStdout] != "bye\r\n" {
		t.Fatalf("exit: %q %+v", out, ev)
	}
	if err := c.Send("echo x"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Send after exit = %v, want ErrClosed", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if n := f.openShells(); n != 0 {
		t.Fatalf("%d shells left open after exit", n)
	}
	if err := c.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	if c.cfg.Password != "" {
		t.Fatal("password kept after Close")
	}
	f.srv.CloseClientConnections()
	settleGoroutines(t, base)
}

func TestConsoleCloseWhileBusy(t *testing.T) {
	f := newFakeTarget(t)
	base := runtime.NumGoroutine()
	c, _ := startFake(t, f)
	if err := c.Send("sleep"); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if n := f.openShells(); n != 0 {
		t.Fatalf("%d shells left open after Close", n)
	}
	f.srv.CloseClientConnections()
	settleGoroutines(t, base)
}

func TestConsoleReceiveDrops(t *testing.T) {
	f := newFakeTarget(t)
	c, rec := startFake(t, f)
	f.mu.Lock()
	f.failReceive = maxReceiveRetries
	f.mu.Unlock()
	if err := c.Send("echo survived"); err != nil {
		t.Fatal(err)
	}
	if out, ev := rec.untilPrompt(t); ev.Kind != Prompt || out[StreamStdout] != "survived\r\n" {
		t.Fatalf("after %d drops: %q %+v", maxReceiveRetries, out, ev)
	}
	f.mu.Lock()
	f.failReceive = 1000 // every Receive from now on (net/http may replay each once)
	f.mu.Unlock()
	_, ev := rec.untilPrompt(t)
	if ev.Kind != Exited || !errors.Is(ev.Err, ErrUnreachable) {
		t.Fatalf("after persistent drops: %+v", ev)
	}
	c.Close()
	if n := f.openShells(); n != 0 {
		t.Fatalf("%d shells left open after the connection was lost", n)
	}
}

func TestConsoleStartFaults(t *testing.T) {
	tests := []struct {
		name string
		cfg  func(Config) Config
		ff   *fakeFault
		want error
	}{
		{"wrong password", func(c Config) Config { c.Password = "nope"; return c }, nil, ErrInvalidCredentials},
		{"quota", nil, &fakeFault{500, quotaFault}, ErrQuotaExceeded},
		{"access denied", nil, &fakeFault{500, `<s:Envelope xmlns:s="x"><s:Body><s:Fault><f:WSManFault xmlns:f="y" Code="5"><f:Message>Access is denied.</f:Message></f:WSManFault></s:Fault></s:Body></s:Envelope>`}, ErrAccessDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeTarget(t)
			f.failCreate = tt.ff
			cfg := f.config()
			if tt.cfg != nil {
				cfg = tt.cfg(cfg)
			}
			_, err := Start(context.Background(), cfg, func(Event) {})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Start = %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), "nope") || strings.Contains(err.Error(), `"pw"`) {
				t.Fatalf("error leaks the password: %v", err)
			}
		})
	}
}

// TestConsoleTargetStopsAnswering: a target that goes silent mid-session
// (black-holed) makes Send fail with ErrUnreachable within its deadline,
// the receive loop ends, and Close returns; nothing is left running.
func TestConsoleTargetStopsAnswering(t *testing.T) {
	f := newFakeTarget(t)
	base := runtime.NumGoroutine()
	c, rec := startFake(t, f)
	f.mu.Lock()
	f.hang = true
	f.mu.Unlock()
	res := make(chan error, 1)
	go func() { res <- c.Send("echo lost") }()
	select {
	case err := <-res:
		if !errors.Is(err, ErrUnreachable) {
			t.Fatalf("Send = %v, want ErrUnreachable", err)
		}
	case <-time.After(c.reqTimeout() + 10*time.Second):
		t.Fatal("Send hung on a silent target")
	}
	_, ev := rec.untilPrompt(t)
	if ev.Kind != Exited || !errors.Is(ev.Err, ErrUnreachable) {
		t.Fatalf("receive loop: %+v", ev)
	}
	closed := make(chan error, 1)
	go func() { closed <- c.Close() }()
	select {
	case err := <-closed:
		if !errors.Is(err, context.DeadlineExceeded) && err != nil {
			t.Logf("Close: %v", err)
		}
	case <-time.After(c.cfg.ConnectTimeout + 10*time.Second):
		t.Fatal("Close hung on a silent target")
	}
	f.srv.CloseClientConnections()
	f.mu.Lock()
	for _, s := range f.sh { // the silent target never saw the Delete
		s.stop()
	}
	f.mu.Unlock()
	settleGoroutines(t, base)
}
