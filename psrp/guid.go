package psrp

import (
	"encoding/hex"
	"fmt"
)

// GUID is a .NET System.Guid in the byte order of Guid.ToByteArray, which is
// how PowerShell writes RPID and PID into a message header: the first three
// groups little-endian, the last two as written. The zero GUID is the PID of
// a message that concerns no pipeline.
//
// Clients older than pypsrp 0.4 (all the recordings in
// shared/fixtures/pypsrp-responses) wrote the bytes in RFC 4122 order
// instead; Windows echoes whatever bytes it got, so such a session stays
// consistent on the wire but the header's GUID reads byte-swapped against
// the ShellId and CommandId (see FromRFC4122).
type GUID [16]byte

// ParseGUID parses the textual form, "76056A84-51DC-4F24-9262-CA2A55464B2B",
// in either case, with or without braces.
func ParseGUID(s string) (GUID, error) {
	t := s
	if len(t) == 38 && t[0] == '{' && t[37] == '}' {
		t = t[1:37]
	}
	if len(t) != 36 || t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-' {
		return GUID{}, fmt.Errorf("parsing GUID %q: want 8-4-4-4-12 hex digits: %w", s, ErrInvalidGUID)
	}
	var rfc [16]byte
	hexdigits := t[0:8] + t[9:13] + t[14:18] + t[19:23] + t[24:36]
	if _, err := hex.Decode(rfc[:], []byte(hexdigits)); err != nil {
		return GUID{}, fmt.Errorf("parsing GUID %q: %w: %w", s, err, ErrInvalidGUID)
	}
	return FromRFC4122(rfc), nil
}

// FromRFC4122 returns the GUID whose textual form reads as b in order
// (big-endian, RFC 4122 byte order).
func FromRFC4122(b [16]byte) GUID {
	return GUID{b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6],
		b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]}
}

// RFC4122 returns g's bytes in RFC 4122 (textual) order.
func (g GUID) RFC4122() [16]byte {
	return [16]byte(FromRFC4122(g)) // the swap is its own inverse
}

// IsZero reports whether g is the all-zero GUID.
func (g GUID) IsZero() bool { return g == GUID{} }

// String returns the upper-case textual form, as WS-Management ShellId and
// CommandId values are written.
func (g GUID) String() string {
	b := g.RFC4122()
	h := make([]byte, 32)
	hex.Encode(h, b[:])
	u := []byte(fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32]))
	for i, c := range u {
		if 'a' <= c && c <= 'f' {
			u[i] = c - 'a' + 'A'
		}
	}
	return string(u)
}
