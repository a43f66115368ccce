package clixml

import (
	"encoding/hex"
	"fmt"
)

// ParseGUID parses the 36-character form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx
// (either case).
func ParseGUID(s string) (GUID, error) {
	var g GUID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return g, fmt.Errorf("GUID %q: %w", s, ErrInvalid)
	}
	b := []byte(s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36])
	if _, err := hex.Decode(g[:], b); err != nil {
		return g, fmt.Errorf("GUID %q: %w", s, ErrInvalid)
	}
	return g, nil
}

// String formats the GUID in lower case as .NET does.
func (g GUID) String() string { return string(appendGUID(nil, g)) }

func appendGUID(dst []byte, g GUID) []byte {
	for i, c := range g {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xF])
	}
	return dst
}
