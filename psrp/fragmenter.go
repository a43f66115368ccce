package psrp

import "fmt"

// Fragmenter splits encoded messages into fragments and packs the fragments
// into payloads of at most MaxPayloadSize bytes each; one payload is what
// one WS-Management element carries (creationXml, rsp:Arguments or one
// rsp:Stream), base64-encoded. Each message gets the next object id, from 1,
// as PowerShell and pypsrp number them per runspace pool.
//
// Packing follows pypsrp, the client the recordings were made with, so its
// output is byte-for-byte what the recordings hold:
//   - every fragment but a message's last fills a payload: blob =
//     MaxPayloadSize - FragmentHeaderSize bytes;
//   - when several messages are fragmented together (Fragment(a, b)), the
//     first fragment of b goes into the payload that holds the last fragment
//     of a if at least one blob byte still fits there, and it takes as many
//     bytes as fit; otherwise b starts a new payload.
//
// A Fragmenter is not safe for concurrent use.
type Fragmenter struct {
	maxPayload int
	next       uint64
}

// NewFragmenter returns a Fragmenter producing payloads of at most
// maxPayloadSize bytes (see MaxPayloadSize); the first object id is 1.
func NewFragmenter(maxPayloadSize int) (*Fragmenter, error) {
	f := &Fragmenter{next: 1}
	if err := f.SetMaxPayloadSize(maxPayloadSize); err != nil {
		return nil, err
	}
	return f, nil
}

// SetMaxPayloadSize changes the payload size for later messages, as a client
// does when the server's SESSION_CAPABILITY allows a larger envelope.
func (f *Fragmenter) SetMaxPayloadSize(n int) error {
	if n <= FragmentHeaderSize {
		return fmt.Errorf("setting max payload size %d: must exceed the %d-byte fragment header: %w", n, FragmentHeaderSize, ErrInvalidConfig)
	}
	f.maxPayload = n
	return nil
}

// MaxPayloadSize reports the current payload size limit.
func (f *Fragmenter) MaxPayloadSize() int { return f.maxPayload }

// NextObjectID reports the object id the next message will get.
func (f *Fragmenter) NextObjectID() uint64 { return f.next }

// SetNextObjectID sets the object id the next message gets, for a replay
// that starts mid-session.
func (f *Fragmenter) SetNextObjectID(id uint64) { f.next = id }

// Fragment fragments the encoded messages, in order, and returns the
// payloads. A payload never exceeds MaxPayloadSize bytes.
func (f *Fragmenter) Fragment(msgs ...[]byte) [][]byte {
	var payloads [][]byte
	blobMax := f.maxPayload - FragmentHeaderSize
	// left is what the remaining messages need at least, to size payloads.
	left := 0
	for _, msg := range msgs {
		left += FragmentHeaderSize + len(msg)
	}
	for _, msg := range msgs {
		left -= FragmentHeaderSize + len(msg)
		id := f.next
		f.next++
		var fragID uint64
		for first := true; first || len(msg) > 0; first = false {
			n := blobMax
			packed := first && len(payloads) > 0 && f.room(payloads[len(payloads)-1]) > 0
			if packed {
				n = f.room(payloads[len(payloads)-1])
			}
			n = min(n, len(msg))
			frag := Fragment{ObjectID: id, FragmentID: fragID, Start: first, End: n == len(msg), Blob: msg[:n]}
			msg = msg[n:]
			fragID++
			if packed {
				payloads[len(payloads)-1], _ = frag.AppendBinary(payloads[len(payloads)-1])
				continue
			}
			b, _ := frag.AppendBinary(make([]byte, 0, min(f.maxPayload, FragmentHeaderSize+len(frag.Blob)+len(msg)+left)))
			payloads = append(payloads, b)
		}
	}
	return payloads
}

// room is how many blob bytes another fragment could carry in payload p.
func (f *Fragmenter) room(p []byte) int {
	return f.maxPayload - len(p) - FragmentHeaderSize
}
