package access

import "testing"

// TestHost: a session opened with a connection URI is re-checked against
// the URI's host (as at connect time), not the whole URI as a computer
// name; a computer stays a computer.
func TestHost(t *testing.T) {
	tests := []struct{ target, host string }{
		{"https://srv1.example.test:5986/wsman", "srv1.example.test"},
		{"http://[2001:db8::1]:5985/wsman", "2001:db8::1"},
		{"srv1.example.test", "srv1.example.test"},
		{"WINSRV01", "WINSRV01"},
		{"ftp://srv1/", "ftp://srv1/"},
	}
	for _, tt := range tests {
		if got := Host(tt.target); got != tt.host {
			t.Errorf("Host(%q) = %q, want %q", tt.target, got, tt.host)
		}
	}
}
