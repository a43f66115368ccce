package pwsh

import (
	"context"
	"strings"
	"testing"
)

// BenchmarkFlood measures how fast the process produces flood output.
func BenchmarkFlood(b *testing.B) {
	b.SetBytes(5 << 20)
	for i := 0; i < b.N; i++ {
		p := Start(context.Background(), "powershell.exe", []string{"-Command", "-"}, Options{Codepage: 65001})
		_, _ = p.Write([]byte("Get-Flood -Bytes 5MB\r\n"))
		p.CloseStdin()
		for range p.Output() {
		}
	}
}

// BenchmarkSentinelRoundTrip measures one iex block plus marker.
func BenchmarkSentinelRoundTrip(b *testing.B) {
	p := Start(context.Background(), "powershell.exe", []string{"-Command", "-"}, Options{Codepage: 65001})
	defer func() {
		p.Kill()
		for range p.Output() {
		}
	}()
	line := []byte("iex ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('R2V0LUNoaWxkSXRlbQ=='))); Write-Output \"<<END:x:$?:$PWD>>\"\r\n")
	for i := 0; i < b.N; i++ {
		_, _ = p.Write(line)
		for c := range p.Output() {
			if strings.Contains(string(c.Data), "<<END:x:") {
				break
			}
		}
	}
}
