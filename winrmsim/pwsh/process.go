package pwsh

import (
	"context"
	"strings"
	"sync"

	"golang.org/x/text/encoding/charmap"
)

// Chunk is one child write; the simulator sends each as one rsp:Stream.
type Chunk struct {
	Stream string // "stdout" or "stderr"
	Data   []byte
}

// Options describe the WinRS environment of the process.
type Options struct {
	Codepage int               // 65001 (UTF-8) or 437 (CP437); 0 means 437
	User     string            // DOMAIN\user; default "WIN-SIM\Administrator"
	Host     string            // computer name; default "WIN-SIM"
	Env      map[string]string // extra environment variables
}

func (o *Options) setDefaults() {
	env := make(map[string]string, len(o.Env))
	for k, v := range o.Env {
		env[k] = v
	}
	o.Env = env // the process's own copy: $env:X = … must not touch the caller's map
	if o.Codepage == 0 {
		o.Codepage = 437
	}
	if o.Host == "" {
		o.Host = "WIN-SIM"
	}
	if o.User == "" {
		o.User = strings.ToUpper(o.Host) + `\Administrator`
	}
}

// ExitTerminated is the exit code of a process ended by Kill: Windows'
// STATUS_CONTROL_C_EXIT (0xC000013A) as a signed 32-bit value.
const ExitTerminated = -1073741510

// Process is a running simulated program.
type Process struct {
	opt    Options
	ctx    context.Context
	cancel context.CancelFunc
	out    chan Chunk
	done   chan struct{}

	mu       sync.Mutex
	in       []byte
	inEOF    bool
	inNotify chan struct{}
	stop     chan struct{} // closed by Interrupt; replaced per pipeline
	exitCode int
	killed   bool
	errHdr   bool                   // "#< CLIXML" header already written
	tap      func(stream, s string) // a Runspace's console sink (runspace.go); nil sends to out
}

// Start runs command with args (as WinRS passes them) until it exits, ctx
// ends or Kill is called.
func Start(ctx context.Context, command string, args []string, opt Options) *Process {
	opt.setDefaults()
	c, cancel := context.WithCancel(ctx)
	p := &Process{opt: opt, ctx: c, cancel: cancel, out: make(chan Chunk, 64),
		done: make(chan struct{}), inNotify: make(chan struct{}, 1), stop: make(chan struct{})}
	go p.run(command, args)
	return p
}

func (p *Process) run(command string, args []string) {
	defer close(p.out)
	defer close(p.done)
	defer p.cancel()
	code := runCommandLine(p, command, args)
	p.mu.Lock()
	if p.killed {
		code = ExitTerminated
	}
	p.exitCode = code
	p.mu.Unlock()
}

// Write feeds stdin; bytes may be split anywhere.
func (p *Process) Write(b []byte) (int, error) {
	p.mu.Lock()
	p.in = append(p.in, b...)
	p.mu.Unlock()
	p.notify()
	return len(b), nil
}

// CloseStdin signals EOF on stdin.
func (p *Process) CloseStdin() {
	p.mu.Lock()
	p.inEOF = true
	p.mu.Unlock()
	p.notify()
}

func (p *Process) notify() {
	select {
	case p.inNotify <- struct{}{}:
	default:
	}
}

// Interrupt is a ctrl_c: it stops the running pipeline; the process goes
// on reading input.
func (p *Process) Interrupt() {
	p.mu.Lock()
	close(p.stop)
	p.stop = make(chan struct{})
	p.mu.Unlock()
}

// Kill terminates the process; ExitCode becomes ExitTerminated.
func (p *Process) Kill() {
	p.mu.Lock()
	p.killed = true
	p.mu.Unlock()
	p.cancel()
}

// Output delivers the process's writes; it is closed after exit.
func (p *Process) Output() <-chan Chunk { return p.out }

// ExitCode is valid after Output is closed.
func (p *Process) ExitCode() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exitCode
}

func (p *Process) stopChan() chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stop
}

// readLine returns the next stdin line without its line ending; ok is false
// at EOF or when the process ends.
func (p *Process) readLine(stop chan struct{}) (string, bool) {
	for {
		p.mu.Lock()
		if i := strings.IndexByte(string(p.in), '\n'); i >= 0 {
			line := p.in[:i]
			p.in = p.in[i+1:]
			p.mu.Unlock()
			return strings.TrimSuffix(p.decode(line), "\r"), true
		}
		if p.inEOF {
			rest := p.in
			p.in = nil
			p.mu.Unlock()
			if len(rest) > 0 {
				return strings.TrimSuffix(p.decode(rest), "\r"), true
			}
			return "", false
		}
		p.mu.Unlock()
		select {
		case <-p.inNotify:
		case <-stop:
			return "", false
		case <-p.ctx.Done():
			return "", false
		}
	}
}

func (p *Process) decode(b []byte) string {
	if p.opt.Codepage == 437 {
		s, err := charmap.CodePage437.NewDecoder().Bytes(b)
		if err == nil {
			return string(s)
		}
	}
	return string(b)
}

func (p *Process) encode(s string) []byte {
	if p.opt.Codepage == 437 {
		var b []byte
		enc := charmap.CodePage437
		for _, r := range s {
			c, ok := enc.EncodeRune(r)
			if !ok {
				c = '?'
			}
			b = append(b, c)
		}
		return b
	}
	return []byte(s)
}

// emit writes one chunk; it gives up when the process is killed.
func (p *Process) emit(stream, s string) {
	if s == "" {
		return
	}
	if p.tap != nil {
		p.tap(stream, s)
		return
	}
	data := p.encode(s)
	select {
	case p.out <- Chunk{Stream: stream, Data: data}:
	case <-p.ctx.Done():
	}
}
