package remoting

import (
	"context"
	"fmt"

	"github.com/psgate/psgate/backend/wsman"
	"github.com/psgate/psgate/psrp"
	"github.com/psgate/psgate/psrp/clixml"
)

// Invocation is one pipeline to run.
type Invocation struct {
	// Pipeline configures it (commands, input, host); see psrp.PipelineConfig.
	Pipeline psrp.PipelineConfig
	// Host answers the server's host calls (Read-Host, prompts, …); nil
	// answers none (the server then fails the call).
	Host psrp.Host
	// Input, when Pipeline.Input is set, is sent, then the input's end.
	Input []clixml.Value
	// Started, when set, gets the pipeline once the target runs it (to
	// Stop it from another goroutine).
	Started func(*psrp.Pipeline)
	// OnEvent, when set, gets every event of the pipeline as it arrives
	// (output, records, host calls after they were answered, states).
	OnEvent func(psrp.Event)
}

// Invoke runs one pipeline to its end (Start, then Wait) and returns its
// final state and, for a failed or stopped pipeline, its error record.
func (c *Client) Invoke(ctx context.Context, inv Invocation) (psrp.PipelineStateValue, *psrp.ErrorRecordMsg, error) {
	pl, err := c.Start(ctx, inv)
	if err != nil {
		return 0, nil, err
	}
	return c.Wait(ctx, pl, inv)
}

// Start starts a pipeline on the target: CREATE_PIPELINE's first fragment
// goes in the Command's arguments, the others on stdin, then its input and
// the input's end when it reads input. It does not wait for output: a
// caller may Disconnect now and collect the output after a Connect
// (Attach, Wait).
func (c *Client) Start(ctx context.Context, inv Invocation) (*psrp.Pipeline, error) {
	c.mu.Lock()
	pl, err := c.pool.NewPipeline(inv.Pipeline)
	if err != nil {
		c.mu.Unlock()
		return nil, fmt.Errorf("creating pipeline: %w", err)
	}
	payloads, err := c.encode()
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	id := pl.ID().String()
	if _, err := c.shell.Command(ctx, id, payloads[0]); err != nil {
		return nil, fmt.Errorf("starting pipeline %s: %w", id, err)
	}
	if err := c.send(ctx, id, "stdin", payloads[1:]); err != nil {
		return nil, err
	}
	if inv.Started != nil {
		inv.Started(pl)
	}
	if inv.Pipeline.Input {
		if err := c.sendInput(ctx, pl, inv.Input); err != nil {
			return nil, err
		}
	}
	return pl, nil
}

// Attach connects this client (after Connect) to a pipeline that ran on
// while the pool was disconnected: Wait then delivers its output, buffered
// on the target, and its end.
func (c *Client) Attach(ctx context.Context, id psrp.GUID) (*psrp.Pipeline, error) {
	c.mu.Lock()
	pl := c.pool.AttachPipeline(id)
	c.mu.Unlock()
	if _, err := c.shell.Connect(ctx, id.String(), nil); err != nil {
		return nil, fmt.Errorf("attaching pipeline %s: %w", id, err)
	}
	return pl, nil
}

// Wait receives the pipeline's events until it ends: output, records and
// states go to inv.OnEvent in order; host calls are answered by inv.Host
// on pr. It returns the final state and, for a failed or stopped pipeline,
// its error record.
func (c *Client) Wait(ctx context.Context, pl *psrp.Pipeline, inv Invocation) (psrp.PipelineStateValue, *psrp.ErrorRecordMsg, error) {
	id := pl.ID().String()
	for {
		events, err := c.receive(ctx, id)
		if err != nil {
			return 0, nil, err
		}
		for _, ev := range events {
			if hc, ok := ev.(psrp.HostCallEvent); ok && inv.Host != nil {
				if err := c.answer(ctx, id, inv.Host, hc); err != nil {
					return 0, nil, err
				}
			}
			if inv.OnEvent != nil {
				inv.OnEvent(ev)
			}
			if st, ok := ev.(psrp.PipelineStateEvent); ok && st.Pipeline == pl && st.State.Terminal() {
				return st.State, st.Error, c.closeCommand(ctx, id)
			}
		}
	}
}

// sendInput sends the pipeline's input and its end.
func (c *Client) sendInput(ctx context.Context, pl *psrp.Pipeline, input []clixml.Value) error {
	c.mu.Lock()
	err := pl.Input(input...)
	if err == nil {
		err = pl.EndInput()
	}
	var payloads [][]byte
	if err == nil {
		payloads, err = c.encode()
	}
	c.mu.Unlock()
	if err != nil {
		return fmt.Errorf("pipeline %s input: %w", pl.ID(), err)
	}
	return c.send(ctx, pl.ID().String(), "stdin", payloads)
}

// answer passes a host call to h and sends the reply on pr.
func (c *Client) answer(ctx context.Context, id string, h psrp.Host, hc psrp.HostCallEvent) error {
	c.mu.Lock()
	err := c.pool.Answer(ctx, h, hc)
	var payloads [][]byte
	if err == nil {
		payloads, err = c.encode()
	}
	c.mu.Unlock()
	if err != nil {
		return fmt.Errorf("answering host call %s: %w", hc.Call.Method, err)
	}
	return c.send(ctx, id, "pr", payloads)
}

// send sends payloads on stream of command id, in order.
func (c *Client) send(ctx context.Context, id, stream string, payloads [][]byte) error {
	for _, p := range payloads {
		if err := c.shell.Send(ctx, id, stream, p, false); err != nil {
			return fmt.Errorf("sending to pipeline %s: %w", id, err)
		}
	}
	return nil
}

// closeCommand frees an ended pipeline's command on the target (pypsrp's
// Signal terminate), when configured.
func (c *Client) closeCommand(ctx context.Context, id string) error {
	if !c.cfg.CloseCommands {
		return nil
	}
	if err := c.shell.Signal(ctx, id, wsman.SignalTerminate); err != nil {
		return fmt.Errorf("closing pipeline %s: %w", id, err)
	}
	return nil
}

// Stop stops a running pipeline (Ctrl+C) and keeps the runspace: a Signal
// powershell/signal/ctrl_c; the pipeline then ends as Stopped.
func (c *Client) Stop(ctx context.Context, pl *psrp.Pipeline) error {
	c.mu.Lock()
	code := pl.Stop()
	c.mu.Unlock()
	if err := c.shell.Signal(ctx, pl.ID().String(), code); err != nil {
		return fmt.Errorf("stopping pipeline %s: %w", pl.ID(), err)
	}
	return nil
}
