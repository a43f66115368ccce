package psrp_test

import (
	"testing"

	"github.com/psgate/psgate/psrp"
	"github.com/psgate/psgate/psrp/clixml"
)

// BenchmarkPipelineRoundTrip is one pipeline at the message level: the
// client builds and encodes CREATE_PIPELINE (a script piped to
// Out-Default), then decodes and feeds the server's PIPELINE_OUTPUT (one
// string) and PIPELINE_STATE Completed. No transport, no fragments.
func BenchmarkPipelineRoundTrip(b *testing.B) {
	p := openedPool(b, psrp.PoolConfig{ID: psrp.GUID{7}, Host: ptrTo(psrp.ConsoleHost(psrp.HostDefaultData{WindowTitle: "psgate"}))})
	pid := psrp.GUID{8}
	var server [][]byte
	for _, body := range []psrp.Body{
		psrp.DataMsg{Type: psrp.PipelineOutput, Data: clixml.String("Directory: C:\\Users\\psgate")},
		psrp.PipelineStateMsg{State: psrp.PipelineCompleted},
	} {
		m, err := psrp.NewMessage(psrp.DestinationClient, p.ID(), pid, body)
		if err != nil {
			b.Fatal(err)
		}
		raw, _ := m.MarshalBinary()
		server = append(server, raw)
	}
	cfg := psrp.PipelineConfig{ID: pid, PowerShell: psrp.Script("Get-ChildItem", true)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.NewPipeline(cfg); err != nil {
			b.Fatal(err)
		}
		for _, m := range p.Outgoing() {
			if _, err := m.MarshalBinary(); err != nil {
				b.Fatal(err)
			}
		}
		for _, raw := range server {
			m, err := psrp.DecodeMessage(raw)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := p.Feed(m); err != nil {
				b.Fatal(err)
			}
		}
	}
}
