package winrstest_test

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/masterzen/winrm"

	"github.com/psgate/psgate/gateway/winrs/winrstest"
)

func TestFaultInjection(t *testing.T) {
	before := runtime.NumGoroutine()
	tests := []struct {
		name   string
		faults winrstest.Faults
		want   string
	}{
		// masterzen surfaces a WS-Man fault as "unsupported action: …/fault",
		// as it does against Windows; the fault bodies are checked in fixture_test.
		{"quota", winrstest.Faults{QuotaFault: true}, "wsman/fault"},
		{"reject credentials", winrstest.Faults{RejectCredentials: true}, "EOF"},
		{"drop", winrstest.Faults{DropEvery: 1}, "EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := winrstest.NewServer(winrstest.Config{Users: map[string]string{"alice": "pw"}, Faults: tt.faults})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			c := masterzenClient(t, s, "alice", "pw")
			_, err = c.RunWithContext(context.Background(), "cmd /c echo hi", &bytes.Buffer{}, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if s.OpenShells() != 0 {
				t.Fatalf("shells open: %d", s.OpenShells())
			}
		})
	}
	waitGoroutines(t, before)
}

func TestUnknownShellFault(t *testing.T) {
	s := newSim(t)
	c := masterzenClient(t, s, "alice", "S3cret!")
	sh, err := c.CreateShell()
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = sh.ExecuteWithContext(context.Background(), "cmd /c echo hi")
	if err == nil || !strings.Contains(err.Error(), "wsman/fault") {
		t.Fatalf("command on deleted shell: %v", err)
	}
	_ = time.Second
	_ = winrm.DefaultParameters
}
