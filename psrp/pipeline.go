package psrp

import (
	"fmt"

	"github.com/psgate/psgate/psrp/clixml"
)

// SignalStop is the WS-Management Signal code that stops a pipeline and
// keeps the runspace; PSRP itself has no stop message.
const SignalStop = "powershell/signal/ctrl_c"

// PipelineConfig configures a pipeline. The zero value has no commands.
type PipelineConfig struct {
	// ID is the pipeline id (PID; also the WS-Man CommandId); zero means
	// one from PoolConfig.NewID.
	ID         GUID
	PowerShell PowerShell
	// Input says the pipeline reads input: send it with Input and finish
	// with EndInput. Without it the server reads none (NoInput).
	Input        bool
	AddToHistory bool
	// Host defaults to the pool's host.
	Host *HostInfo
	// IsNested runs the pipeline nested in a running one (from a host
	// call, as $host.EnterNestedPrompt does).
	IsNested bool
	// StreamOptions defaults to AddInvocationInfo.
	StreamOptions *RemoteStreamOptions
	// ApartmentState defaults to the pool's.
	ApartmentState *ApartmentState
}

// Script is the PowerShell of one script, written to Out-Default when
// outDefault is true (what a console does so the host formats output).
func Script(text string, outDefault bool) PowerShell {
	st := []Command{{Name: text, IsScript: true}}
	if outDefault {
		st = append(st, Command{Name: "Out-Default"})
	}
	return PowerShell{Statements: [][]Command{st}}
}

// Pipeline is one pipeline of a RunspacePool (client side). Its messages
// arrive through the pool's Feed.
type Pipeline struct {
	pool    *RunspacePool
	id      GUID
	state   PipelineStateValue
	input   bool
	ended   bool
	meta    bool
	stopped bool
}

// NewPipeline queues CREATE_PIPELINE and returns the pipeline, Running.
// The pool must be Opened; several pipelines may run at once.
func (p *RunspacePool) NewPipeline(cfg PipelineConfig) (*Pipeline, error) {
	if p.state != PoolOpened {
		return nil, fmt.Errorf("creating a pipeline in pool state %s: %w", p.state, ErrState)
	}
	msg := CreatePipelineMsg{NoInput: !cfg.Input, ApartmentState: *p.cfg.ApartmentState, RemoteStreamOptions: AddInvocationInfo,
		AddToHistory: cfg.AddToHistory, Host: *p.cfg.Host, PowerShell: cfg.PowerShell, IsNested: cfg.IsNested, Protocol: p.negotiated}
	msg.PowerShell.IsNested = cfg.IsNested
	if cfg.Host != nil {
		msg.Host = *cfg.Host
	}
	if cfg.StreamOptions != nil {
		msg.RemoteStreamOptions = *cfg.StreamOptions
	}
	if cfg.ApartmentState != nil {
		msg.ApartmentState = *cfg.ApartmentState
	}
	pl, err := p.addPipeline(cfg.ID, msg)
	if err != nil {
		return nil, err
	}
	pl.input = cfg.Input
	return pl, nil
}

// GetCommandMetadata queues GET_COMMAND_METADATA as a pipeline; each
// command's metadata arrives as an OutputEvent (the first is the count).
func (p *RunspacePool) GetCommandMetadata(id GUID, q GetCommandMetadataMsg) (*Pipeline, error) {
	if p.state != PoolOpened {
		return nil, fmt.Errorf("getting command metadata in pool state %s: %w", p.state, ErrState)
	}
	pl, err := p.addPipeline(id, q)
	if pl != nil {
		pl.meta = true
	}
	return pl, err
}

func (p *RunspacePool) addPipeline(id GUID, b Body) (*Pipeline, error) {
	if id.IsZero() {
		id = p.cfg.NewID()
	}
	if _, dup := p.pipelines[id]; dup {
		return nil, fmt.Errorf("pipeline %s exists: %w", id, ErrState)
	}
	if err := p.queue(id, b); err != nil {
		return nil, err
	}
	pl := &Pipeline{pool: p, id: id, state: PipelineRunning}
	p.pipelines[id] = pl
	return pl, nil
}

// ID is the pipeline's PID.
func (pl *Pipeline) ID() GUID { return pl.id }

// State is the pipeline's current state.
func (pl *Pipeline) State() PipelineStateValue { return pl.state }

// Input queues one PIPELINE_INPUT per value.
func (pl *Pipeline) Input(values ...clixml.Value) error {
	if !pl.input || pl.ended || pl.state.Terminal() {
		return fmt.Errorf("input to pipeline %s (state %s, input ended %v): %w", pl.id, pl.state, pl.ended || !pl.input, ErrState)
	}
	for _, v := range values {
		if err := pl.pool.queue(pl.id, DataMsg{Type: PipelineInput, Data: v}); err != nil {
			return err
		}
	}
	return nil
}

// EndInput queues END_OF_PIPELINE_INPUT.
func (pl *Pipeline) EndInput() error {
	if !pl.input || pl.ended {
		return fmt.Errorf("ending input of pipeline %s: %w", pl.id, ErrState)
	}
	pl.ended = true
	return pl.pool.queue(pl.id, EndOfPipelineInputMsg{})
}

// Stop marks the pipeline Stopping and returns the Signal code the
// transport sends for it (with the pipeline id as CommandId); the server
// then reports Stopped in PIPELINE_STATE. It returns "" for a pipeline
// that has already finished.
func (pl *Pipeline) Stop() string {
	if pl.state.Terminal() {
		return ""
	}
	pl.state = PipelineStopping
	return SignalStop
}

// reply queues the response to a host call of this pipeline.
func (pl *Pipeline) reply(r HostResponseMsg) error { return pl.pool.queue(pl.id, r) }

func (pl *Pipeline) feed(b Body) ([]Event, error) {
	switch b := b.(type) {
	case DataMsg:
		return []Event{OutputEvent{Pipeline: pl, Value: b.Data}}, nil
	case *ErrorRecordMsg, *InformationalRecordMsg, *InformationRecordMsg, *ProgressRecordMsg:
		return []Event{RecordEvent{Pipeline: pl, Record: b}}, nil
	case PipelineStateMsg:
		pl.state = b.State
		if b.State.Terminal() {
			delete(pl.pool.pipelines, pl.id)
		}
		return []Event{PipelineStateEvent{Pipeline: pl, State: b.State, Error: b.Error}}, nil
	case HostCallMsg:
		req, err := b.Request()
		if err != nil {
			return nil, err
		}
		return []Event{HostCallEvent{Pipeline: pl, Call: b, Request: req}}, nil
	}
	return nil, fmt.Errorf("%s for pipeline %s: %w", b.MessageType(), pl.id, ErrUnexpectedMessage)
}

// AttachPipeline adopts a pipeline another pool object created, after
// Connect to a disconnected pool: its buffered output and state arrive
// through Feed. It returns the existing pipeline if there is one.
func (p *RunspacePool) AttachPipeline(id GUID) *Pipeline {
	if pl := p.pipelines[id]; pl != nil {
		return pl
	}
	pl := &Pipeline{pool: p, id: id, state: PipelineRunning}
	p.pipelines[id] = pl
	return pl
}
