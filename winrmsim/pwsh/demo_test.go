package pwsh

import (
	"strings"
	"testing"
)

// TestDemoViews checks the formatted views a demo user sees.
func TestDemoViews(t *testing.T) {
	tests := []struct{ cmd, want string }{
		{"Get-ChildItem", "    Directory: C:\\Users\\Administrator\n\n\nMode                LastWriteTime         Length Name\n"},
		{"Get-Process", "Handles  NPM(K)    PM(K)      WS(K)     CPU(s)     Id  SI ProcessName\n"},
		{"Get-Service W*", "Status   Name               DisplayName\n"},
		{"$PSVersionTable", "PSVersion                      5.1.17763.6189\n"},
		{"ipconfig", "   IPv4 Address. . . . . . . . . . . : 10.0.0.15\r\n"},
		{"Set-Content x.txt 'a','b'; Get-Content x.txt", "a\nb\n"},
		{"(Get-ChildItem C:\\Windows\\System32 -Name | Measure-Object).Count", "8\n"},
		{"$env:USERNAME + '@' + $env:COMPUTERNAME", "Administrator@WIN-SIM\n"},
	}
	for _, tc := range tests {
		t.Run(tc.cmd, func(t *testing.T) {
			s := startPS(t, Options{Codepage: 65001})
			s.block(tc.cmd, "d")
			out, errOut := s.until("<<END:d:")
			if !strings.Contains(out, tc.want) || errOut != "" {
				t.Errorf("stdout %q stderr %q, want %q", out, errOut, tc.want)
			}
		})
	}
}
