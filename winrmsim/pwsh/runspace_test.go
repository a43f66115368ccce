package pwsh

import (
	"context"
	"testing"
	"time"
)

func TestRunspaceStop(t *testing.T) {
	rs := NewRunspace(context.Background(), Options{})
	defer rs.Close()
	go func() { time.Sleep(200 * time.Millisecond); rs.Stop() }()
	start := time.Now()
	if !rs.Run("Start-Sleep 30", Sink{}) {
		t.Errorf("Start-Sleep 30 not stopped")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("stop took %v", d)
	}
	var out []any
	rs.Run("'a','b'", Sink{Output: func(v any) { out = append(out, v) }})
	if len(out) != 2 {
		t.Errorf("output %v", out)
	}
	var errs []ErrorRecord
	rs.Run("Get-Item nope", Sink{Error: func(e ErrorRecord) { errs = append(errs, e) }})
	if len(errs) != 1 || errs[0].Terminating || errs[0].ID != "PathNotFound,Microsoft.PowerShell.Commands.GetItemCommand" {
		t.Errorf("Get-Item nope: %+v", errs)
	}
}

// TestRunspaceNonInteractive: Read-Host cannot prompt (no host calls yet),
// Write-Host reaches the host sink, state survives between runs.
func TestRunspaceNonInteractive(t *testing.T) {
	rs := NewRunspace(context.Background(), Options{})
	defer rs.Close()
	var errs []ErrorRecord
	done := make(chan struct{})
	go func() {
		rs.Run("Read-Host 'name'", Sink{Error: func(e ErrorRecord) { errs = append(errs, e) }})
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Read-Host blocked")
	}
	if len(errs) != 1 {
		t.Errorf("Read-Host: %d errors, want 1", len(errs))
	}
	var host []string
	rs.Run("$v = 3; Write-Host 'hi'", Sink{Host: func(s string) { host = append(host, s) }})
	var out []any
	rs.Run("$v", Sink{Output: func(v any) { out = append(out, v) }})
	if len(host) == 0 || len(out) != 1 || out[0] != int64(3) {
		t.Errorf("host %q, output %v", host, out)
	}
}
