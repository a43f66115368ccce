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
