package psrp

import (
	"errors"
	"fmt"
)

// CodecConfig configures a Codec.
type CodecConfig struct {
	// MaxPayloadSize is the largest payload Encode returns (see
	// MaxPayloadSize). Zero means the size for MaxEnvelopeSize 153600, the
	// WS-Management default, with DefaultEnvelopeOverhead: 113950.
	MaxPayloadSize int
	// Reassembler bounds what Decode buffers.
	Reassembler ReassemblerConfig
}

// Codec turns messages into payloads of fragments and payloads back into
// messages; it holds one side of a runspace pool's conversation (object ids
// count up per Codec). A client and a server each use one per pool. A Codec
// is not safe for concurrent use; encoding and decoding share no state, so a
// sender and a receiver goroutine may each own one half if they use
// Fragmenter and Reassembler directly.
type Codec struct {
	frag  *Fragmenter
	reasm *Reassembler
}

// NewCodec returns a Codec configured by cfg.
func NewCodec(cfg CodecConfig) (*Codec, error) {
	if cfg.MaxPayloadSize == 0 {
		n, err := MaxPayloadSize(153600, DefaultEnvelopeOverhead)
		if err != nil {
			return nil, err
		}
		cfg.MaxPayloadSize = n
	}
	f, err := NewFragmenter(cfg.MaxPayloadSize)
	if err != nil {
		return nil, fmt.Errorf("creating codec: %w", err)
	}
	r, err := NewReassembler(cfg.Reassembler)
	if err != nil {
		return nil, fmt.Errorf("creating codec: %w", err)
	}
	return &Codec{frag: f, reasm: r}, nil
}

// Fragmenter returns the Codec's fragmenter, to change its payload size or
// next object id.
func (c *Codec) Fragmenter() *Fragmenter { return c.frag }

// Encode encodes msgs and fragments them together (see Fragmenter.Fragment),
// returning the payloads to send in order.
func (c *Codec) Encode(msgs ...Message) ([][]byte, error) {
	raw := make([][]byte, len(msgs))
	for i, m := range msgs {
		b, err := m.MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("encoding %s message: %w", m.Type, err)
		}
		raw[i] = b
	}
	return c.frag.Fragment(raw...), nil
}

// Decode feeds one received payload and returns the messages it completes.
// Errors are joined: a fragment error ends the payload, a message that does
// not decode is left out, and a message of a type MS-PSRP does not list is
// returned along with an ErrUnknownMessageType error.
func (c *Codec) Decode(payload []byte) ([]Message, error) {
	raws, err := c.reasm.Feed(payload)
	errs := []error{err}
	msgs := make([]Message, 0, len(raws))
	for _, raw := range raws {
		m, derr := DecodeMessage(raw)
		switch {
		case derr == nil:
			msgs = append(msgs, m)
		case errors.Is(derr, ErrUnknownMessageType):
			msgs = append(msgs, m)
			errs = append(errs, derr)
		default:
			errs = append(errs, derr)
		}
	}
	return msgs, errors.Join(errs...)
}
