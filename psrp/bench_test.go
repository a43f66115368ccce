package psrp_test

import (
	"bytes"
	"testing"

	"github.com/psgate/psgate/psrp"
)

// benchStream is 1 MiB of PIPELINE_OUTPUT messages of about 4 KiB each,
// fragmented at the payload size for MaxEnvelopeSize 512000, the size
// pypsrp and PowerShell use from protocol 2.2 on.
func benchStream(b *testing.B, msgSize int) (msgs [][]byte, payloads [][]byte, total int) {
	b.Helper()
	size, err := psrp.MaxPayloadSize(512000, psrp.DefaultEnvelopeOverhead)
	if err != nil {
		b.Fatal(err)
	}
	fr, err := psrp.NewFragmenter(size)
	if err != nil {
		b.Fatal(err)
	}
	data := bytes.Repeat([]byte(`<S>line of output text</S>`), msgSize/26)
	for total < 1<<20 {
		m := encode(psrp.Message{Destination: psrp.DestinationClient, Type: psrp.PipelineOutput, BOM: true, Data: data})
		msgs = append(msgs, m)
		total += len(m)
	}
	for _, m := range msgs {
		payloads = append(payloads, fr.Fragment(m)...)
	}
	return msgs, payloads, total
}

// BenchmarkReassemble reassembles and decodes a 1 MiB stream of 4 KiB
// messages, one payload per message.
func BenchmarkReassemble(b *testing.B) {
	_, payloads, total := benchStream(b, 4096)
	b.SetBytes(int64(total))
	b.ReportAllocs()
	for b.Loop() {
		c, err := psrp.NewCodec(psrp.CodecConfig{})
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range payloads {
			if _, err := c.Decode(p); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkReassembleLarge reassembles one 1 MiB message split into
// fragments at the 32768-byte MaxEnvelopeSize (23305-byte blobs).
func BenchmarkReassembleLarge(b *testing.B) {
	size, _ := psrp.MaxPayloadSize(32768, psrp.DefaultEnvelopeOverhead)
	fr, _ := psrp.NewFragmenter(size)
	msg := encode(psrp.Message{Destination: psrp.DestinationClient, Type: psrp.PipelineOutput, Data: bytes.Repeat([]byte("x"), 1<<20)})
	payloads := fr.Fragment(msg)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		r, _ := psrp.NewReassembler(psrp.ReassemblerConfig{})
		n := 0
		for _, p := range payloads {
			out, err := r.Feed(p)
			if err != nil {
				b.Fatal(err)
			}
			n += len(out)
		}
		if n != 1 {
			b.Fatalf("%d messages", n)
		}
	}
}

// BenchmarkFragment fragments the same 1 MiB stream of 4 KiB messages.
func BenchmarkFragment(b *testing.B) {
	msgs, _, total := benchStream(b, 4096)
	b.SetBytes(int64(total))
	b.ReportAllocs()
	for b.Loop() {
		fr, _ := psrp.NewFragmenter(382750)
		fr.Fragment(msgs...)
	}
}

// BenchmarkFragmentLarge fragments one 1 MiB message at the 32768-byte
// MaxEnvelopeSize.
func BenchmarkFragmentLarge(b *testing.B) {
	size, _ := psrp.MaxPayloadSize(32768, psrp.DefaultEnvelopeOverhead)
	msg := bytes.Repeat([]byte("x"), 1<<20)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		fr, _ := psrp.NewFragmenter(size)
		fr.Fragment(msg)
	}
}
