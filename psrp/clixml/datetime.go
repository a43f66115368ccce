package clixml

import (
	"fmt"
	"time"
)

// DateTimeKind is .NET's DateTimeKind, which decides the zone suffix.
type DateTimeKind uint8

// The kinds: no suffix, "Z", or a numeric offset such as "+10:00".
const (
	Unspecified DateTimeKind = iota
	UTC
	Local
)

// DateTime is <DT>, a .NET DateTime with 100 ns resolution, written as
// XmlConvert does (round-trip kind): 2018-09-24T17:23:35.0766117+10:00,
// …Z, or no zone at all. The fraction has up to 7 digits without trailing
// zeros and is left out when zero.
//
// For Local the offset is Time's zone offset; for UTC and Unspecified the
// wall clock of Time in UTC is written (decoding an Unspecified value
// yields a Time in UTC with that wall clock).
type DateTime struct {
	Time time.Time
	Kind DateTimeKind
}

const ticksPerSecond = 10_000_000

func digits(s string, n int) (int, bool) {
	if len(s) < n {
		return 0, false
	}
	v := 0
	for _, c := range []byte(s[:n]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// parseDateTime parses the DT text. Up to 9 fractional digits are read;
// below 100 ns the value is truncated, as .NET does.
func parseDateTime(s string) (DateTime, error) {
	bad := func(why string) (DateTime, error) {
		return DateTime{}, fmt.Errorf("DateTime %q: %s: %w", s, why, ErrInvalid)
	}
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return bad("not yyyy-mm-ddThh:mm:ss")
	}
	var f [6]int
	for i, p := range [6]int{0, 5, 8, 11, 14, 17} {
		n := 2
		if i == 0 {
			n = 4
		}
		v, ok := digits(s[p:], n)
		if !ok {
			return bad("bad digits")
		}
		f[i] = v
	}
	rest, nsec := s[19:], 0
	if len(rest) > 0 && rest[0] == '.' {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 1 || n > 10 {
			return bad("fraction must have 1 to 9 digits")
		}
		v, _ := digits(rest[1:], n-1)
		for k := n - 1; k < 9; k++ {
			v *= 10
		}
		nsec, rest = v/100*100, rest[n:]
	}
	loc, kind := time.UTC, Unspecified
	switch {
	case rest == "":
	case rest == "Z":
		kind = UTC
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		h, ok1 := digits(rest[1:], 2)
		m, ok2 := digits(rest[4:], 2)
		if !ok1 || !ok2 || h > 14 || m > 59 {
			return bad("bad zone offset")
		}
		off := (h*60 + m) * 60
		if rest[0] == '-' {
			off = -off
		}
		loc, kind = time.FixedZone("", off), Local
	default:
		return bad("bad zone")
	}
	t := time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], nsec, loc)
	if f[0] < 1 || t.Year() != f[0] || int(t.Month()) != f[1] || t.Day() != f[2] || t.Hour() != f[3] || t.Minute() != f[4] || t.Second() != f[5] {
		return bad("field out of range")
	}
	return DateTime{Time: t, Kind: kind}, nil
}

func appendDigits(dst []byte, v, n int) []byte {
	for d := n - 1; d >= 0; d-- {
		p := 1
		for k := 0; k < d; k++ {
			p *= 10
		}
		dst = append(dst, byte('0'+v/p%10))
	}
	return dst
}

// appendFraction appends "." and ticks (0 < ticks < 10^7) as 7 digits
// without trailing zeros.
func appendFraction(dst []byte, ticks int) []byte {
	n := 7
	for ticks%10 == 0 {
		ticks /= 10
		n--
	}
	return appendDigits(append(dst, '.'), ticks, n)
}

func appendDateTime(dst []byte, d DateTime) ([]byte, error) {
	if d.Kind > Local {
		return dst, fmt.Errorf("DateTime kind %d: %w", d.Kind, ErrUnsupported)
	}
	t := d.Time
	if d.Kind != Local {
		t = t.UTC()
	}
	if y := t.Year(); y < 1 || y > 9999 {
		return dst, fmt.Errorf("DateTime year %d outside 1-9999: %w", y, ErrUnsupported)
	}
	dst = appendDigits(dst, t.Year(), 4)
	for i, v := range [5]int{int(t.Month()), t.Day(), t.Hour(), t.Minute(), t.Second()} {
		dst = append(dst, "--T::"[i])
		dst = appendDigits(dst, v, 2)
	}
	if ticks := t.Nanosecond() / 100; ticks != 0 {
		dst = appendFraction(dst, ticks)
	}
	switch d.Kind {
	case UTC:
		dst = append(dst, 'Z')
	case Local:
		_, off := t.Zone()
		sign := byte('+')
		if off < 0 {
			sign, off = '-', -off
		}
		if off%60 != 0 || off > 14*3600 {
			return dst, fmt.Errorf("DateTime zone offset %ds not whole minutes within 14h: %w", off, ErrUnsupported)
		}
		dst = appendDigits(append(dst, sign), off/3600, 2)
		dst = appendDigits(append(dst, ':'), off/60%60, 2)
	}
	return dst, nil
}
