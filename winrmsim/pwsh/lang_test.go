package pwsh

import (
	"strings"
	"testing"
)

func TestLanguage(t *testing.T) {
	tests := []struct{ block, want, wantErr string }{
		{"1..6 | Where-Object { $_ % 2 -eq 0 } | Sort-Object -Descending", "6\n4\n2\n", ""},
		{"'{0}-{1,3}' -f 'a', 7", "a-  7\n", ""},
		{"$h = @{a=1; b='x'}; $h.a + 1; $h['b']", "2\nx\n", ""},
		{"cmd /c exit 3; $LASTEXITCODE", "3\n", ""},
		{"& { 'in block' }", "in block\n", ""},
		{"'abc' -replace 'b', 'X'", "aXc\n", ""},
		{"$a = @(1,2,3); $a[-1]; $a.Count", "3\n3\n", ""},
		{"throw 'bad thing'", "", "bad thing"},
		{"Get-Content nope.txt", "", "Cannot find path 'C:\\Users\\Administrator\\nope.txt' because it does not exist."},
		{"$s = 'Hello'; $s.ToUpper(); $s.Length", "HELLO\n5\n", ""},
		{"iex \"'nested'; `$x = 5\"; $x", "nested\n5\n", ""},
		{"Get-Process -Name lsass | Select-Object -ExpandProperty Id", "640\n", ""},
		{"(1..3 | Measure-Object -Sum).Sum", "6\n", ""},
		{"1/0", "", "Attempted to divide by zero."},
		{"$x = 2; $x += 3; \"[$x]\"", "[5]\n", ""},
		{"'a','b' | Out-String", "a\nb\n\n", ""},
		{"cd C:\\Windows\\System32; cd ..; $PWD.Path", "C:\\Windows\n", ""},
		// the WinRS console's init script runs without error, as on Windows
		{"$ProgressPreference='SilentlyContinue'; [Console]::InputEncoding = New-Object Text.UTF8Encoding $false; " +
			"[Console]::OutputEncoding = New-Object Text.UTF8Encoding $false; $OutputEncoding = New-Object Text.UTF8Encoding $false; $?",
			"True\n", ""},
		{"[Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false; [Console]::OutputEncoding.WebName", "utf-8\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.block, func(t *testing.T) {
			s := startPS(t, Options{Codepage: 65001})
			s.block(tc.block, "L")
			out, errOut := s.until("<<END:L:")
			out = out[:strings.Index(out, "<<END:L:")]
			if out != tc.want || (tc.wantErr == "") != (errOut == "") || !strings.Contains(errOut, tc.wantErr) {
				t.Errorf("got %q / %q, want %q / %q", out, errOut, tc.want, tc.wantErr)
			}
		})
	}
}
