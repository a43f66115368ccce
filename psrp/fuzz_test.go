package psrp_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/psgate/psgate/psrp"
	"github.com/psgate/psgate/psrp/internal/replay"
)

// fuzzSeeds returns the recorded payloads when the recordings are present,
// and a few synthetic fragment streams otherwise.
func fuzzSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	fr, err := psrp.NewFragmenter(64)
	if err != nil {
		f.Fatal(err)
	}
	msg := encode(psrp.Message{Destination: psrp.DestinationClient, Type: psrp.PipelineOutput, BOM: true, Data: []byte("<S>hello</S>")})
	seeds = append(seeds, bytes.Join(fr.Fragment(msg, msg), nil))
	if files, err := replay.Glob(fixtureDir, "test_psrp_*.yml"); err == nil {
		for _, file := range files {
			for _, x := range file.Exchanges {
				for _, e := range []*replay.Envelope{x.Request, x.Response} {
					if e == nil {
						continue
					}
					for _, p := range e.Payloads {
						if len(p.Data) > 0 && len(p.Data) < 4096 {
							seeds = append(seeds, p.Data)
						}
					}
				}
			}
		}
	}
	return seeds
}

// FuzzReassemble feeds arbitrary bytes, in two pieces, to a Reassembler
// with small limits: it must never panic, never return a message above the
// limit and never hold more objects than allowed.
func FuzzReassemble(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, uint16(len(s)/2))
	}
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		const maxMsg, maxObj = 1 << 12, 4
		r, err := psrp.NewReassembler(psrp.ReassemblerConfig{MaxMessageSize: maxMsg, MaxObjects: maxObj})
		if err != nil {
			t.Fatal(err)
		}
		at := int(cut) % (len(data) + 1)
		for _, piece := range [][]byte{data[:at], data[at:]} {
			msgs, err := r.Feed(piece)
			for _, m := range msgs {
				if len(m) > maxMsg {
					t.Fatalf("message of %d bytes above the %d limit", len(m), maxMsg)
				}
			}
			if err != nil && !isProtocolError(err) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			if r.Pending() > maxObj || r.Buffered() > maxMsg {
				t.Fatalf("%d objects, %d bytes pending; limits %d, %d", r.Pending(), r.Buffered(), maxObj, maxMsg)
			}
		}
	})
}

// FuzzMessageDecode decodes arbitrary bytes as a message: it must never
// panic, and a decoded message must re-encode to the same bytes.
func FuzzMessageDecode(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		frags, err := psrp.DecodeFragments(s)
		if err != nil {
			continue
		}
		for _, fr := range frags {
			if fr.Start {
				f.Add(fr.Blob)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := psrp.DecodeMessage(data)
		if err != nil && !errors.Is(err, psrp.ErrUnknownMessageType) {
			if !isProtocolError(err) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		got, merr := m.MarshalBinary()
		if merr != nil {
			t.Fatal(merr)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("re-encoded % X, decoded from % X", got, data)
		}
	})
}

func isProtocolError(err error) bool {
	for _, s := range []error{psrp.ErrTruncated, psrp.ErrInvalidFragment, psrp.ErrFragmentSequence,
		psrp.ErrTooLarge, psrp.ErrTooManyObjects, psrp.ErrInvalidMessage, psrp.ErrUnknownMessageType} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
