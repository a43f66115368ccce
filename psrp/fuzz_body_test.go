package psrp_test

import (
	"context"
	"crypto/rsa"
	"errors"
	"sync"
	"testing"

	"github.com/psgate/psgate/psrp"
	"github.com/psgate/psgate/psrp/clixml"
	"github.com/psgate/psgate/psrp/internal/replay"
)

// fuzzPID is the pipeline FuzzServerMessage's pool has running.
var fuzzPID = psrp.GUID{1, 2, 3}

// FuzzServerMessage decodes arbitrary bodies as every message type a
// server sends, and feeds them to an opened pool with one running
// pipeline: no panic; every error wraps a psrp or clixml sentinel; a body
// that decodes re-encodes, and a host call's parameters decode or fail
// with an error.
func FuzzServerMessage(f *testing.F) {
	types := psrp.MessageTypes()
	if files, err := replay.Glob(fixtureDir, "test_psrp_*.yml"); err == nil {
		for _, file := range files {
			for _, m := range recordedMessages(f, file) {
				if len(m.Data) < 8192 {
					f.Add(uint8(typeIndex(types, m.Type)), m.Data)
				}
			}
		}
	}
	f.Add(uint8(typeIndex(types, psrp.PipelineState)), []byte(`<Obj RefId="0"><MS><I32 N="PipelineState">5</I32></MS></Obj>`))
	f.Fuzz(func(t *testing.T, ti uint8, data []byte) {
		m := psrp.Message{Destination: psrp.DestinationClient, Type: types[int(ti)%len(types)], BOM: true, Data: data}
		if b, err := psrp.DecodeBody(m); err == nil {
			if _, err := psrp.EncodeBody(b); err != nil && !errors.Is(err, psrp.ErrInvalidBody) && !errors.Is(err, clixml.ErrUnsupported) && !errors.Is(err, clixml.ErrInvalid) {
				t.Fatalf("re-encoding %s: %v", m.Type, err)
			}
			if c, ok := b.(psrp.HostCallMsg); ok {
				if _, err := c.Request(); err != nil && !errors.Is(err, psrp.ErrInvalidBody) {
					t.Fatalf("host call request: %v", err)
				}
			}
		} else if !errors.Is(err, psrp.ErrInvalidBody) && !errors.Is(err, psrp.ErrUnknownMessageType) {
			t.Fatalf("decoding %s: error wraps no sentinel: %v", m.Type, err)
		}
		p := fuzzPool(t)
		m.RPID, m.PID = p.ID(), fuzzPID
		if m.Type>>16 != 4 {
			m.PID = psrp.GUID{}
		}
		events, _ := p.Feed(m)
		for _, ev := range events {
			if hc, ok := ev.(psrp.HostCallEvent); ok {
				_ = p.Answer(context.Background(), failingHost{}, hc)
			}
		}
	})
}

func typeIndex(types []psrp.MessageType, t psrp.MessageType) int {
	for i, x := range types {
		if x == t {
			return i
		}
	}
	return 0
}

// fuzzKey is generated once: a PUBLIC_KEY_REQUEST would otherwise make
// every run generate an RSA key.
var fuzzKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := psrp.GenerateExchangeKey()
	if err != nil {
		panic(err)
	}
	return k
})

func fuzzPool(t *testing.T) *psrp.RunspacePool {
	p := openedPool(t, psrp.PoolConfig{ID: psrp.GUID{9}, ExchangeKey: fuzzKey()})
	if _, err := p.NewPipeline(psrp.PipelineConfig{ID: fuzzPID, PowerShell: psrp.Script("x", false)}); err != nil {
		t.Fatal(err)
	}
	p.Outgoing()
	return p
}
