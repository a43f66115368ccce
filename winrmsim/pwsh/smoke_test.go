package pwsh

import (
	"strings"
	"testing"
)

func TestSentinelBasics(t *testing.T) {
	tests := []struct {
		name, block, wantOut, wantErr, marker string
	}{
		{"write-output", `Write-Output "hello"`, "hello\n", "", "True:C:\\Users\\Administrator"},
		{"expansion", "$x = 21\n\"x is $($x*2) $x\"", "x is 42 21\n", "", "True"},
		{"unknown", "foo", "", "The term 'foo' is not recognized", "False"},
		{"write-error", `Write-Error "boom"`, "", "boom", "False"},
		{"cd", `Set-Location C:\Windows`, "", "", "True:C:\\Windows>>"},
		{"here-string", "$h = @'\nline1\n\nline 'q'\n'@\n$h", "line1\n\nline 'q'\n", "", "True"},
		{"unicode", `Write-Output "こんにちは ✓"`, "こんにちは ✓\n", "", "True"},
		{"pipeline", `1..5 | Select-Object -First 2`, "1\n2\n", "", "True"},
		{"if", "if (1 -lt 2) {\n 'yes'\n} else { 'no' }", "yes\n", "", "True"},
		{"foreach", "foreach ($i in 1..3) { $i * 2 }", "2\n4\n6\n", "", "True"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := startPS(t, Options{Codepage: 65001})
			s.block(tc.block, "g1")
			out, errOut := s.until(">>")
			i := strings.Index(out, "<<END:g1:")
			if i < 0 {
				t.Fatalf("no marker in %q", out)
			}
			if got := out[:i]; got != tc.wantOut {
				t.Errorf("stdout = %q, want %q", got, tc.wantOut)
			}
			if !strings.Contains(out[i:], tc.marker) {
				t.Errorf("marker %q lacks %q", out[i:], tc.marker)
			}
			if tc.wantErr == "" && errOut != "" || !strings.Contains(errOut, tc.wantErr) {
				t.Errorf("stderr = %q, want %q", errOut, tc.wantErr)
			}
			if tc.wantErr != "" && !strings.HasPrefix(errOut, "#< CLIXML\r\n<Objs Version=\"1.1.0.1\"") {
				t.Errorf("stderr not CLIXML: %q", errOut)
			}
		})
	}
}
