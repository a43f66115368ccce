package winrs

import (
	"context"
	"errors"
	"time"

	"github.com/masterzen/winrm"

	"github.com/psgate/psgate/backend/wsman"
)

// maxReceiveRetries is how many consecutive transport failures (dropped
// connections) the receive loop rides out before it gives up.
const maxReceiveRetries = 3

// loop long-polls Receive until the command is done, the connection is
// lost for good, or Close cancels ctx. We do not use masterzen's Command:
// its fetchOutput goroutine checks the context only between Receives (late
// cancellation: up to OperationTimeout), blocks when a pipe is not drained,
// and cannot be stopped during a request. Here every Receive carries ctx, so
// Close ends the loop at once.
func (c *Console) loop(ctx context.Context) {
	defer close(c.loopDone)
	failures := 0
	for ctx.Err() == nil {
		rctx, cancel := context.WithTimeout(ctx, c.reqTimeout())
		body, err := c.recv.post(rctx, envelope(winrm.NewGetOutputRequest(c.url, c.shellID, c.cmdID, "stdout stderr", c.params)))
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			var f *wsman.FaultError
			if errors.As(err, &f) && f.OperationTimedOut() {
				failures = 0 // nothing happened within OperationTimeout: poll again
				continue
			}
			if failures++; failures <= maxReceiveRetries && f == nil && wsman.IsNetworkError(err) {
				c.log.Debug("winrs receive retry", "shell", c.shellID, "error", err)
				sleepCtx(ctx, time.Duration(failures)*100*time.Millisecond)
				continue
			}
			c.end(Event{Kind: Exited, ExitCode: -1, Err: classify("receiving output", err)})
			return
		}
		failures = 0
		reply, err := wsman.ParseReceive(body)
		if err != nil {
			c.end(Event{Kind: Exited, ExitCode: -1, Err: err})
			return
		}
		for _, st := range reply.Streams {
			c.handle(st)
		}
		if reply.Done {
			for _, ev := range c.out.flush() {
				c.deliver(ev)
			}
			c.end(Event{Kind: Exited, ExitCode: reply.ExitCode, Success: reply.ExitCode == 0})
			return
		}
	}
}

// end reports the end of the process and releases the remote shell.
func (c *Console) end(ev Event) {
	c.closed.Store(true)
	c.busy.Store(false)
	c.emit(ev)
	_ = c.release()
}

func (c *Console) handle(st wsman.Stream) {
	var evs []Event
	if st.Name == "stderr" {
		evs = c.out.stderr(st.Data)
	} else {
		evs = c.out.stdout(st.Data)
	}
	for _, ev := range evs {
		c.deliver(ev)
	}
}

// deliver emits an event, tracking readiness and the busy state. Output
// before the first prompt is the init script's and is dropped.
func (c *Console) deliver(ev Event) {
	select {
	case <-c.ready:
	default:
		if ev.Kind == Prompt && ev.seq == 0 {
			if !ev.Success {
				c.log.Warn("winrs init script reported failure", "shell", c.shellID)
			}
			ev.Success = true // the user has run nothing yet
			close(c.ready)
			c.emit(ev)
			return
		}
		c.log.Debug("winrs init output dropped", "stream", ev.Stream, "bytes", len(ev.Text))
		return
	}
	if ev.Kind == Prompt {
		c.stateMu.Lock()
		current := ev.seq == c.seq
		if current {
			c.busy.Store(false)
		}
		c.stateMu.Unlock()
		if !current {
			return // the marker of a block Interrupt re-armed past
		}
	}
	c.emit(ev)
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
