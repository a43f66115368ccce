package psrp_test

import (
	"context"
	"fmt"

	"github.com/psgate/psgate/psrp"
	"github.com/psgate/psgate/psrp/clixml"
)

// consoleHost answers Read-Host; a real console would ask its user.
type consoleHost struct{}

func (consoleHost) HostCall(_ context.Context, _ psrp.HostCallMsg, req psrp.HostRequest) (clixml.Value, error) {
	if _, ok := req.(psrp.ReadLineRequest); ok {
		return clixml.String("Ada"), nil
	}
	return nil, nil // a console would draw Write*, progress …
}

// A pool and one pipeline, with the server's messages built by hand where a
// transport would decode them from Receive responses.
func ExampleRunspacePool() {
	pool, _ := psrp.NewRunspacePool(psrp.PoolConfig{Host: ptrTo(psrp.ConsoleHost(psrp.HostDefaultData{WindowTitle: "psgate"}))})
	_ = pool.Open()
	for _, m := range pool.Outgoing() {
		fmt.Println("send", m.Type) // in the Create's creationXml
	}
	fromServer := func(pid psrp.GUID, b psrp.Body) psrp.Message {
		m, _ := psrp.NewMessage(psrp.DestinationClient, pool.ID(), pid, b)
		return m
	}
	for _, b := range []psrp.Body{psrp.ClientCapability(), psrp.RunspacePoolStateMsg{State: psrp.PoolOpened}} {
		events, _ := pool.Feed(fromServer(psrp.GUID{}, b))
		fmt.Printf("%T\n", events[0])
	}

	pl, _ := pool.NewPipeline(psrp.PipelineConfig{PowerShell: psrp.Script(`"Hello, $(Read-Host)"`, false)})
	fmt.Println("send", pool.Outgoing()[0].Type) // in a Command; pl.ID() is the CommandId
	for _, b := range []psrp.Body{
		psrp.HostCallMsg{Pipeline: true, CallID: 1, Method: psrp.HostReadLine},
		psrp.DataMsg{Type: psrp.PipelineOutput, Data: clixml.String("Hello, Ada")},
		psrp.PipelineStateMsg{State: psrp.PipelineCompleted},
	} {
		events, _ := pool.Feed(fromServer(pl.ID(), b))
		for _, ev := range events {
			switch ev := ev.(type) {
			case psrp.HostCallEvent:
				_ = pool.Answer(context.Background(), consoleHost{}, ev)
				fmt.Println("send", pool.Outgoing()[0].Type, "for", ev.Call.Method)
			case psrp.OutputEvent:
				fmt.Println("output", ev.Value)
			case psrp.PipelineStateEvent:
				fmt.Println("pipeline", ev.State)
			}
		}
	}
	// Output:
	// send SESSION_CAPABILITY
	// send INIT_RUNSPACEPOOL
	// psrp.CapabilityEvent
	// psrp.PoolStateEvent
	// send CREATE_PIPELINE
	// send PIPELINE_HOST_RESPONSE for ReadLine
	// output Hello, Ada
	// pipeline Completed
}
