package pwsh

import (
	"context"
	"errors"
	"time"
)

// Runspace is a PowerShell session that runs scripts one after another
// and keeps its state (variables, functions, location) between them: the
// runspace of a PSRP runspace pool. Output arrives as objects, not text.
type Runspace struct {
	p  *Process
	in *interp
}

// ErrorRecord is an error a script wrote (or a terminating error).
type ErrorRecord struct {
	Message     string // the exception's message
	Command     string // the command that failed ("" for none)
	Category    string // "ObjectNotFound: (nope:String) [Get-Item], ItemNotFoundException"
	ID          string // FullyQualifiedErrorId
	Text        string // the console rendering, position included
	Terminating bool
}

// Sink receives what a script writes, in order.
type Sink struct {
	// Output gets each output object: nil, bool, int64, float64, string or
	// time.Time; any other object arrives as its string form.
	Output func(v any)
	Error  func(ErrorRecord)
	// Host gets text written to the console itself (Write-Host, native programs).
	Host func(s string)
}

// NewRunspace starts a runspace; ctx ending closes it, as Close does.
func NewRunspace(ctx context.Context, opt Options) *Runspace {
	opt.setDefaults()
	c, cancel := context.WithCancel(ctx)
	p := &Process{opt: opt, ctx: c, cancel: cancel, out: make(chan Chunk), done: make(chan struct{}),
		inNotify: make(chan struct{}, 1), stop: make(chan struct{}), inEOF: true}
	in := newInterp(p)
	in.nonInteractive = true
	return &Runspace{p: p, in: in}
}

// Run runs script to its end; stopped is true when Stop ended it. Only
// one Run runs at a time.
func (r *Runspace) Run(script string, s Sink) (stopped bool) {
	in := r.in
	r.p.tap = func(_, text string) {
		if s.Host != nil {
			s.Host(text)
		}
	}
	in.errorFn = func(e *psError) {
		if s.Error != nil {
			s.Error(ErrorRecord{Message: e.msg, Command: e.command, Category: e.category, ID: e.id,
				Text: e.render(in.line), Terminating: e.terminating})
		}
	}
	in.displayFn = func(v any) error {
		if s.Output != nil {
			s.Output(plain(v))
		}
		return nil
	}
	in.line = script
	b, err := parse(script)
	if err != nil {
		return r.runParseError(script)
	}
	for _, st := range b.stmts {
		in.table = nil
		in.stop = r.p.stopChan()
		err := in.stmt(st, in.displayFn)
		if errors.Is(err, errStopped) || errors.Is(in.checkStop(), errStopped) {
			return true
		}
		if errors.As(err, new(*exitError)) {
			return false
		}
		_ = in.topError(err) // statement-terminating errors are records; throw fails the run
		if pe := (*psError)(nil); errors.As(err, &pe) && pe.terminating {
			return false
		}
	}
	return false
}

func (r *Runspace) runParseError(script string) bool {
	_ = r.in.runScript(script) // reports the parse error through errorFn
	return false
}

// Stop stops the running script (ctrl_c); the runspace stays usable.
func (r *Runspace) Stop() { r.p.Interrupt() }

// Close ends the runspace.
func (r *Runspace) Close() { r.p.Kill() }

// plain converts a runtime value to one a PSRP server serializes.
func plain(v any) any {
	switch x := v.(type) {
	case nil, bool, int64, float64, string, time.Time:
		return x
	}
	return toStr(v)
}
