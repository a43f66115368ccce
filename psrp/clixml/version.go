package clixml

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is <Version>, a .NET System.Version: two to four non-negative
// parts; Build and Revision are -1 when absent ("2.3" has Build -1).
type Version struct {
	Major, Minor, Build, Revision int32
}

// ParseVersion parses "2.3", "1.1.0.1" and the like.
func ParseVersion(s string) (Version, error) {
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 4 {
		return Version{}, fmt.Errorf("version %q: want 2 to 4 parts: %w", s, ErrInvalid)
	}
	v := [4]int32{-1, -1, -1, -1}
	for i, p := range parts {
		if !allDigits(p) || p == "" {
			return Version{}, fmt.Errorf("version %q: part %q: %w", s, p, ErrInvalid)
		}
		n, err := strconv.ParseInt(p, 10, 32)
		if err != nil {
			return Version{}, fmt.Errorf("version %q: part %q: %w", s, p, ErrInvalid)
		}
		v[i] = int32(n)
	}
	return Version{v[0], v[1], v[2], v[3]}, nil
}

// String formats the version as .NET does, leaving out absent parts.
func (v Version) String() string { return string(appendVersion(nil, v)) }

func appendVersion(dst []byte, v Version) []byte {
	dst = strconv.AppendInt(dst, int64(v.Major), 10)
	dst = strconv.AppendInt(append(dst, '.'), int64(v.Minor), 10)
	if v.Build >= 0 {
		dst = strconv.AppendInt(append(dst, '.'), int64(v.Build), 10)
		if v.Revision >= 0 {
			dst = strconv.AppendInt(append(dst, '.'), int64(v.Revision), 10)
		}
	}
	return dst
}

// Less reports whether v is an earlier version than w (absent parts
// count as -1, so 2.3 < 2.3.0).
func (v Version) Less(w Version) bool {
	a := [4]int32{v.Major, v.Minor, v.Build, v.Revision}
	b := [4]int32{w.Major, w.Minor, w.Build, w.Revision}
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}
