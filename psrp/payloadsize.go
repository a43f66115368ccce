package psrp

import "fmt"

// DefaultEnvelopeOverhead is the number of bytes of a WS-Management envelope
// reserved for everything but its base64 payload when deriving the payload
// size from MaxEnvelopeSize. It is pypsrp's reservation for the endpoint the
// recordings used (https://127.0.0.1:55986/wsman, 29 bytes): the 1,410-byte
// skeleton of a Send envelope with empty stream, ShellId and CommandId, plus
// 256 bytes of slack. See docs/psrp.md for the derivation; psgate's own
// envelopes are no larger than pypsrp's.
const DefaultEnvelopeOverhead = 1666

// MaxPayloadSize derives the largest fragment payload (fragment headers
// included, before base64) that fits in an envelope of maxEnvelopeSize bytes
// when overhead bytes go to the SOAP around it:
//
//	payload = floor((maxEnvelopeSize - overhead) * 3 / 4)
//
// With DefaultEnvelopeOverhead this gives 113950 for 153600, 382750 for
// 512000 and 23326 for 32768, the sizes in the pypsrp recordings.
func MaxPayloadSize(maxEnvelopeSize, overhead int) (int, error) {
	if overhead < 0 || maxEnvelopeSize-overhead <= 0 {
		return 0, fmt.Errorf("deriving payload size from MaxEnvelopeSize %d with overhead %d: %w", maxEnvelopeSize, overhead, ErrInvalidConfig)
	}
	n := (maxEnvelopeSize - overhead) / 4 * 3
	n += (maxEnvelopeSize - overhead) % 4 * 3 / 4
	if n <= FragmentHeaderSize {
		return 0, fmt.Errorf("deriving payload size from MaxEnvelopeSize %d with overhead %d: %d bytes leave no room for a fragment: %w", maxEnvelopeSize, overhead, n, ErrInvalidConfig)
	}
	return n, nil
}
