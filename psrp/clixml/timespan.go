package clixml

import (
	"fmt"
	"math"
	"time"
)

// TimeSpan is <TS>, a .NET TimeSpan in 100 ns ticks (its range exceeds
// time.Duration's), written as XmlConvert writes an xs:duration:
// PT9.0269226S, P1DT2H3M4.5S, -PT1S, PT0S.
type TimeSpan struct {
	Ticks int64
}

// Duration converts to a time.Duration, saturating at its limits.
func (ts TimeSpan) Duration() time.Duration {
	const lim = math.MaxInt64 / 100
	switch {
	case ts.Ticks > lim:
		return math.MaxInt64
	case ts.Ticks < -lim:
		return math.MinInt64
	}
	return time.Duration(ts.Ticks * 100)
}

// TimeSpanOf converts a time.Duration, truncating below 100 ns.
func TimeSpanOf(d time.Duration) TimeSpan { return TimeSpan{Ticks: int64(d / 100)} }

const (
	ticksPerMinute = 60 * ticksPerSecond
	ticksPerHour   = 60 * ticksPerMinute
	ticksPerDay    = 24 * ticksPerHour
)

// parseTimeSpan parses an xs:duration. Years count 365 days and months 30,
// as .NET's XsdDuration does (Windows never writes them); up to 9
// fractional digits are read and truncated to ticks.
func parseTimeSpan(s string) (TimeSpan, error) {
	bad := func(why string) (TimeSpan, error) {
		return TimeSpan{}, fmt.Errorf("TimeSpan %q: %s: %w", s, why, ErrInvalid)
	}
	p, neg := s, false
	if len(p) > 0 && p[0] == '-' {
		p, neg = p[1:], true
	}
	if len(p) < 2 || p[0] != 'P' {
		return bad("must start with P")
	}
	p = p[1:]
	var total uint64
	add := func(n, unit uint64) bool {
		if n != 0 && unit > math.MaxUint64/n {
			return false
		}
		v := n * unit
		total += v
		return total >= v && total <= 1<<63
	}
	units, from, inTime, seen := "YMD", 0, false, 0
	for len(p) > 0 {
		if p[0] == 'T' {
			if inTime || len(p) == 1 {
				return bad("misplaced T")
			}
			units, from, inTime, p = "HMS", 0, true, p[1:]
			continue
		}
		i, n := 0, uint64(0)
		for i < len(p) && p[i] >= '0' && p[i] <= '9' {
			if n > (math.MaxUint64-9)/10 {
				return bad("number too large")
			}
			n = n*10 + uint64(p[i]-'0')
			i++
		}
		var frac uint64
		if i < len(p) && p[i] == '.' && inTime {
			j, scale := i+1, uint64(ticksPerSecond)
			for j < len(p) && p[j] >= '0' && p[j] <= '9' {
				if j-i > 9 {
					return bad("fraction longer than 9 digits")
				}
				scale /= 10
				frac += uint64(p[j]-'0') * scale
				j++
			}
			if j == i+1 || j >= len(p) || p[j] != 'S' {
				return bad("fraction only on seconds")
			}
			i = j
		}
		if i == 0 || i >= len(p) {
			return bad("number without unit")
		}
		k := indexByte(units[from:], p[i]) + from
		if k < from {
			return bad("unexpected " + string(p[i]))
		}
		unit := [2][3]uint64{{365 * ticksPerDay, 30 * ticksPerDay, ticksPerDay}, {ticksPerHour, ticksPerMinute, ticksPerSecond}}[b2i(inTime)][k]
		if !add(n, unit) || !add(frac, 1) {
			return bad("out of range")
		}
		from, p, seen = k+1, p[i+1:], seen+1
	}
	if seen == 0 {
		return bad("no fields")
	}
	if neg {
		return TimeSpan{Ticks: int64(-total)}, nil
	}
	if total > math.MaxInt64 {
		return bad("out of range")
	}
	return TimeSpan{Ticks: int64(total)}, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func indexByte(s string, c byte) int {
	for i := range len(s) {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func appendTimeSpan(dst []byte, ts TimeSpan) []byte {
	t := uint64(ts.Ticks)
	if ts.Ticks < 0 {
		dst, t = append(dst, '-'), -t
	}
	dst = append(dst, 'P')
	if days := t / ticksPerDay; days != 0 {
		dst = append(appendUint(dst, days), 'D')
	}
	t %= ticksPerDay
	if t == 0 {
		if ts.Ticks == 0 {
			dst = append(dst, "T0S"...)
		}
		return dst
	}
	dst = append(dst, 'T')
	if h := t / ticksPerHour; h != 0 {
		dst = append(appendUint(dst, h), 'H')
	}
	if m := t / ticksPerMinute % 60; m != 0 {
		dst = append(appendUint(dst, m), 'M')
	}
	if sec, frac := t/ticksPerSecond%60, t%ticksPerSecond; sec != 0 || frac != 0 {
		dst = appendUint(dst, sec)
		if frac != 0 {
			dst = appendFraction(dst, int(frac))
		}
		dst = append(dst, 'S')
	}
	return dst
}
