package ldap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// DecodeSID renders a binary objectSid as S-1-5-21-….
func DecodeSID(b []byte) (string, error) {
	if len(b) < 8 || b[0] != 1 {
		return "", fmt.Errorf("sid of %d bytes: %w", len(b), errBadSID)
	}
	n := int(b[1])
	if n > 15 || len(b) != 8+4*n {
		return "", fmt.Errorf("sid with %d sub-authorities in %d bytes: %w", n, len(b), errBadSID)
	}
	var auth uint64
	for _, c := range b[2:8] {
		auth = auth<<8 | uint64(c)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "S-1-%d", auth)
	for i := range n {
		fmt.Fprintf(&sb, "-%d", binary.LittleEndian.Uint32(b[8+4*i:]))
	}
	return sb.String(), nil
}

var errBadSID = errors.New("malformed SID")

// EncodeSID is the inverse of DecodeSID.
func EncodeSID(s string) ([]byte, error) {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || len(parts) > 18 || !strings.EqualFold(parts[0], "S") || parts[1] != "1" {
		return nil, fmt.Errorf("sid %q: %w", s, errBadSID)
	}
	auth, err := strconv.ParseUint(parts[2], 10, 48)
	if err != nil {
		return nil, fmt.Errorf("sid %q: authority: %w", s, errBadSID)
	}
	subs := parts[3:]
	b := make([]byte, 8, 8+4*len(subs))
	b[0], b[1] = 1, byte(len(subs))
	for i := 7; i >= 2; i-- {
		b[i] = byte(auth)
		auth >>= 8
	}
	for _, p := range subs {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("sid %q: sub-authority %q: %w", s, p, errBadSID)
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	return b, nil
}

// IsSID reports whether s looks like a string SID.
func IsSID(s string) bool {
	_, err := EncodeSID(s)
	return err == nil
}

// sidFilterValue is a SID as an escaped binary filter value (\01\05…),
// which every AD and Samba version matches against objectSid.
func sidFilterValue(s string) (string, error) {
	b, err := EncodeSID(s)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	for _, c := range b {
		fmt.Fprintf(&sb, "\\%02x", c)
	}
	return sb.String(), nil
}
