package winrstest

import (
	"context"

	"github.com/psgate/psgate/gateway/winrs/winrstest/pwsh"
	"strconv"
	"strings"
	"sync"
	"time"
)

// chunk is one child write (one rsp:Stream).
type chunk = pwsh.Chunk

// process is the remote process shape (matches winrstest/pwsh.Process).
type process interface {
	Write(b []byte) (int, error)
	CloseStdin()
	Interrupt()
	Kill()
	Output() <-chan chunk
	ExitCode() int
}

// echoProcess is the fallback remote process until winrstest/pwsh lands:
// `cmd /c echo X`, `cmd /c exit N`, and a stdin echo for anything else
// called powershell; unknown programs fail as cmd.exe does.
type echoProcess struct {
	out      chan chunk
	stdin    chan []byte
	kill     chan struct{}
	killOnce sync.Once
	code     int
}

func startEcho(ctx context.Context, command string, args []string) *echoProcess {
	p := &echoProcess{out: make(chan chunk), stdin: make(chan []byte, 16), kill: make(chan struct{})}
	go p.run(ctx, strings.TrimSpace(command+" "+strings.Join(args, " ")))
	return p
}

func (p *echoProcess) emit(stream, s string) bool {
	select {
	case p.out <- chunk{Stream: stream, Data: []byte(s)}:
		return true
	case <-p.kill:
		return false
	}
}

func (p *echoProcess) run(ctx context.Context, line string) {
	defer close(p.out)
	f := strings.Fields(line)
	if len(f) > 0 && strings.EqualFold(strings.TrimSuffix(strings.ToLower(f[0]), ".exe"), "cmd") && len(f) > 1 && strings.EqualFold(f[1], "/c") {
		f = f[2:]
	}
	if len(f) == 0 {
		return
	}
	switch strings.ToLower(strings.TrimSuffix(strings.ToLower(f[0]), ".exe")) {
	case "echo":
		p.emit("stdout", strings.Join(f[1:], " ")+"\r\n")
	case "sleep": // Start-Sleep stand-in: output over time
		n := 1
		if len(f) > 1 {
			n, _ = strconv.Atoi(f[1])
		}
		select {
		case <-time.After(time.Duration(n) * time.Second):
			p.emit("stdout", "slept\r\n")
		case <-p.kill:
		case <-ctx.Done():
		}
	case "exit":
		if len(f) > 1 {
			p.code, _ = strconv.Atoi(f[1])
		}
	case "powershell", "pwsh":
		for {
			select {
			case b, ok := <-p.stdin:
				if !ok {
					return
				}
				if !p.emit("stdout", string(b)) {
					return
				}
			case <-p.kill:
				p.code = 1
				return
			case <-ctx.Done():
				return
			}
		}
	default:
		p.emit("stderr", "'"+f[0]+"' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n")
		p.code = 1
	}
}

func (p *echoProcess) Write(b []byte) (int, error) {
	select {
	case p.stdin <- append([]byte(nil), b...):
	case <-p.kill:
	}
	return len(b), nil
}
func (p *echoProcess) CloseStdin() {
	defer func() { _ = recover() }()
	close(p.stdin)
}
func (p *echoProcess) Interrupt()           {}
func (p *echoProcess) Kill()                { p.killOnce.Do(func() { close(p.kill) }) }
func (p *echoProcess) Output() <-chan chunk { return p.out }
func (p *echoProcess) ExitCode() int        { return p.code }
