package pwsh

import (
	"context"
	"testing"
	"time"
)

// FuzzParse checks that the lexer and parser never panic on any input.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"$x = 1; \"$x $(1+2)\"", "@'\nhi\n'@", "if ($a -eq 1) { 'y' } elseif ($b) { } else { 'n' }",
		"[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('aGk='))", "1..5 | % { $_; Start-Sleep -m 1 }",
		"@{a=1; b='x'}.a", "$a[0] += 2", "& { param() 1 }", "foreach ($i in @(1,2)) { $i }", "`", "\"`$($('x'\"", "-5 * -3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		_, _ = parse(src)
	})
}

// FuzzRun runs arbitrary input through the interpreter with a deadline:
// no panic, bounded time (sleeps and reads end with the context).
func FuzzRun(f *testing.F) {
	for _, s := range []string{"$x = 'a' * 3; $x.Length", "1..3 | Select-Object -First 1", "cd ..; dir", "Write-Error e",
		"iex \"'nested'\"", "Get-Process | Sort-Object Id | Select -First 2", "New-Item -ItemType Directory x; cd x; pwd"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		p := Start(ctx, "powershell.exe", []string{"-NonInteractive", "-Command", "-"}, Options{Codepage: 65001})
		_, _ = p.Write([]byte(src))
		p.CloseStdin()
		for range p.Output() {
		}
	})
}
