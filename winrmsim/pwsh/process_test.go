package pwsh

import (
	"context"
	"encoding/base64"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

func TestInterruptDuringSleep(t *testing.T) {
	s := startPS(t, Options{Codepage: 65001})
	s.block("1..3 | % { $_; Start-Sleep -Seconds 60 }", "a")
	s.until("1\n")
	s.p.Interrupt()
	// ctrl_c abandons the rest of the line, so the block's own marker
	// never comes; the console backend sends a marker line of its own.
	s.send(`Write-Output "<<AFTER:$?>>"`)
	out, _ := s.until("<<AFTER:")
	if strings.Contains(out, "2\n") || strings.Contains(out, "<<END:a:") || !strings.Contains(out, "<<AFTER:False>>") {
		t.Errorf("after ctrl_c: %q", out)
	}
	s.block(`"alive"`, "b")
	out, _ = s.until("<<END:b:True")
	if !strings.Contains(out, "alive\n") {
		t.Errorf("process did not survive ctrl_c: %q", out)
	}
}

func TestReadHost(t *testing.T) {
	s := startPS(t, Options{Codepage: 65001})
	s.block(`$n = Read-Host "Your name"; "Hello $n"`, "r")
	s.until("Your name: ")
	s.send("Ada")
	out, _ := s.until("<<END:r:True")
	if !strings.Contains(out, "Hello Ada\n") {
		t.Errorf("stdout %q", out)
	}
}

func TestReadHostNonInteractive(t *testing.T) {
	s := startPS(t, Options{}, "-NoLogo", "-NonInteractive", "-Command", "-")
	s.block(`Read-Host "x"`, "r")
	_, errOut := s.until("<<END:r:False")
	if !strings.Contains(errOut, "NonInteractive mode") {
		t.Errorf("stderr %q", errOut)
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name    string
		command string
		args    []string
		stdin   string
		want    int
		wantOut string
		wantErr string
	}{
		{"exit N", "powershell.exe", []string{"-NoLogo", "-Command", "-"}, "exit 7\r\n", 7, "", ""},
		{"exit in iex", "powershell.exe -NoLogo -NoProfile -Command -", nil, "iex 'exit 3'\r\n", 3, "", ""},
		{"eof", "powershell.exe", []string{"-Command", "-"}, "'x'\r\n", 0, "x\n", ""},
		{"cmd echo", "cmd.exe", []string{"/c", "echo", "hi"}, "", 0, "hi\r\n", ""},
		{"echo", "echo hi", nil, "", 0, "hi\r\n", ""},
		{"hostname", "hostname", nil, "", 0, "WIN-SIM\r\n", ""},
		{"whoami", "whoami", nil, "", 0, "win-sim\\administrator\r\n", ""},
		{"exit b", "cmd /c exit /b 3", nil, "", 3, "", ""},
		{"unknown", "foo", nil, "", 1, "", "'foo' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n"},
		{"script arg", "powershell.exe", []string{"Write-Host hi; exit 4"}, "", 4, "hi\n", ""},
		{"encoded", "powershell.exe", []string{"-EncodedCommand", encodePS("Write-Output 'enc'")}, "", 0, "enc\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Start(context.Background(), tc.command, tc.args, Options{})
			_, _ = p.Write([]byte(tc.stdin))
			p.CloseStdin()
			s := &session{t: t, p: p}
			out, errOut := s.drain()
			if p.ExitCode() != tc.want || out != tc.wantOut || errOut != tc.wantErr {
				t.Errorf("got (%d, %q, %q), want (%d, %q, %q)", p.ExitCode(), out, errOut, tc.want, tc.wantOut, tc.wantErr)
			}
		})
	}
}

func encodePS(s string) string {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func TestMultiLineNeedsBlankLine(t *testing.T) {
	s := startPS(t, Options{})
	s.send("if ($true) {", "  'inside'", "}")
	s.send(`Write-Output "<<M1>>"`) // still part of the statement: no blank line yet
	s.send("")
	out, _ := s.until("<<M1>>")
	if out != "inside\n<<M1>>\n" {
		t.Errorf("stdout %q", out)
	}
}

func TestCodepage437(t *testing.T) {
	s := startPS(t, Options{Codepage: 437})
	_, _ = s.p.Write([]byte("Write-Output \"caf\x82 $([char]10003)\"\r\nWrite-Output '<<E>>'\r\n")) // é in CP437 is 0x82
	out, _ := s.until("<<E>>")
	if out != "caf\x82 ?\n<<E>>\n" {
		t.Errorf("stdout %q", out)
	}
}

func TestFlood5MB(t *testing.T) {
	s := startPS(t, Options{Codepage: 65001})
	s.block("Get-Flood -Bytes 5MB", "f")
	total, chunks := 0, 0
	for c := range s.p.Output() {
		if strings.Contains(string(c.Data), "<<END:f:True") {
			break
		}
		total += len(c.Data)
		chunks++
		if len(c.Data) > floodChunk+200 {
			t.Fatalf("chunk of %d bytes", len(c.Data))
		}
	}
	if total != 5<<20 {
		t.Errorf("flood wrote %d bytes in %d chunks, want %d", total, chunks, 5<<20)
	}
}

func TestKillAndCancelLeaveNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	for i := 0; i < 20; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		p := Start(ctx, "powershell.exe", []string{"-Command", "-"}, Options{})
		_, _ = p.Write([]byte("Start-Sleep 100\r\n"))
		if i%2 == 0 {
			p.Kill()
		} else {
			cancel()
		}
		for range p.Output() {
		}
		if i%2 == 0 && p.ExitCode() != ExitTerminated {
			t.Errorf("exit code after Kill = %d", p.ExitCode())
		}
		cancel()
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("goroutines: %d before, %d after", before, n)
	}
}

func TestSplitWrites(t *testing.T) {
	s := startPS(t, Options{Codepage: 65001})
	line := "Write-Output \"ü€𝄞\"\r\nWrite-Output '<<E>>'\r\n"
	for i := 0; i < len(line); i++ {
		_, _ = s.p.Write([]byte{line[i]})
	}
	out, _ := s.until("<<E>>")
	if out != "ü€𝄞\n<<E>>\n" {
		t.Errorf("stdout %q", out)
	}
}
