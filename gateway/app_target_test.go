package gateway

import (
	"testing"

	"github.com/psgate/psgate/session"
)

// TestSessionTarget: a session opened with a connection URI is re-checked
// against the URI's host (as at connect time), not the whole URI as a
// computer name; a computer stays a computer.
func TestSessionTarget(t *testing.T) {
	tests := []struct {
		target, host, display string
		uri                   bool
	}{
		{"https://srv1.example.test:5986/wsman", "srv1.example.test", "https://srv1.example.test:5986/wsman", true},
		{"http://[2001:db8::1]:5985/wsman", "2001:db8::1", "http://[2001:db8::1]:5985/wsman", true},
		{"srv1.example.test", "srv1.example.test", "srv1.example.test", false},
		{"WINSRV01", "WINSRV01", "WINSRV01", false},
	}
	for _, tt := range tests {
		got := sessionTarget(session.Info{Target: tt.target, Configuration: "Microsoft.PowerShell"})
		if got.Host() != tt.host || got.Display() != tt.display || (got.URI != nil) != tt.uri || got.Configuration != "Microsoft.PowerShell" {
			t.Errorf("sessionTarget(%q) = host %q display %q uri %v, want %q %q %v", tt.target, got.Host(), got.Display(), got.URI != nil, tt.host, tt.display, tt.uri)
		}
	}
}
