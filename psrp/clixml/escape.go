package clixml

import (
	"fmt"
	"unicode/utf8"
)

const hexDigits = "0123456789ABCDEF"

// EscapeString applies the CLIXML string escapes of MS-PSRP 2.2.5.1.1 to s
// (but not XML's own escapes): C0 controls (tab, CR and LF included), DEL and
// the C1 controls, U+FFFE and U+FFFF become _xHHHH_; a character outside
// the BMP becomes its UTF-16 surrogate pair, two escapes (_xD83D__xDE00_);
// an underscore followed by x or X becomes _x005F_ so that it does not read
// as an escape. s must be valid UTF-8.
func EscapeString(s string) (string, error) {
	b, err := appendEscaped(nil, s, false, false)
	return string(b), err
}

// UnescapeString reverses [EscapeString]. Only the lower-case form
// _xHHHH_ (four hex digits of either case) is an escape; anything else is
// literal text. A surrogate escape that is not part of a high-low pair
// decodes to U+FFFD, the replacement character, since a Go string cannot
// hold a lone surrogate.
func UnescapeString(s string) string {
	if !hasEscape([]byte(s)) {
		return s
	}
	return string(appendUnescaped(nil, []byte(s)))
}

func needsEscape(r rune) bool {
	return r < 0x20 || (r >= 0x7F && r <= 0x9F) || r == 0xFFFE || r == 0xFFFF || r >= 0x10000
}

func appendX(dst []byte, u uint16) []byte {
	return append(dst, '_', 'x', hexDigits[u>>12], hexDigits[u>>8&0xF], hexDigits[u>>4&0xF], hexDigits[u&0xF], '_')
}

// appendEscaped appends s with the CLIXML escapes and, if xmlEsc, XML's
// (&lt; &gt; &amp;, and &quot; when attr).
func appendEscaped(dst []byte, s string, xmlEsc, attr bool) ([]byte, error) {
	for i := 0; i < len(s); {
		run := i
		for i < len(s) && plainByte(s[i], xmlEsc, attr) {
			i++
		}
		dst = append(dst, s[run:i]...)
		if i == len(s) {
			break
		}
		c := s[i]
		if c >= 0x20 && c < 0x7F {
			switch {
			case c == '_' && i+1 < len(s) && (s[i+1] == 'x' || s[i+1] == 'X'):
				dst = append(dst, "_x005F_"...)
			case xmlEsc && c == '<':
				dst = append(dst, "&lt;"...)
			case xmlEsc && c == '>':
				dst = append(dst, "&gt;"...)
			case xmlEsc && c == '&':
				dst = append(dst, "&amp;"...)
			case xmlEsc && attr && c == '"':
				dst = append(dst, "&quot;"...)
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return dst, fmt.Errorf("escaping string: invalid UTF-8 at byte %d: %w", i, ErrInvalidUTF8)
		}
		switch {
		case r >= 0x10000:
			r -= 0x10000
			dst = appendX(appendX(dst, uint16(0xD800+r>>10)), uint16(0xDC00+r&0x3FF))
		case needsEscape(r):
			dst = appendX(dst, uint16(r))
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst, nil
}

// plainByte reports whether c is copied as it is.
func plainByte(c byte, xmlEsc, attr bool) bool {
	if c < 0x20 || c >= 0x7F || c == '_' {
		return false
	}
	return !xmlEsc || (c != '<' && c != '>' && c != '&' && (!attr || c != '"'))
}

func hasEscape(b []byte) bool {
	for i := 0; i+1 < len(b); i++ {
		if b[i] == '_' && b[i+1] == 'x' {
			return true
		}
	}
	return false
}

// xUnit reads _xHHHH_ at b[i:].
func xUnit(b []byte, i int) (uint16, bool) {
	if i+7 > len(b) || b[i] != '_' || b[i+1] != 'x' || b[i+6] != '_' {
		return 0, false
	}
	var u uint16
	for _, c := range b[i+2 : i+6] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		u = u<<4 | uint16(c)
	}
	return u, true
}

func appendUnescaped(dst, b []byte) []byte {
	for i := 0; i < len(b); {
		u, ok := xUnit(b, i)
		if !ok {
			dst = append(dst, b[i])
			i++
			continue
		}
		i += 7
		r := rune(u)
		switch {
		case u >= 0xD800 && u < 0xDC00:
			if lo, ok := xUnit(b, i); ok && lo >= 0xDC00 && lo < 0xE000 {
				r = 0x10000 + (r-0xD800)<<10 + rune(lo-0xDC00)
				i += 7
			} else {
				r = utf8.RuneError
			}
		case u >= 0xDC00 && u < 0xE000:
			r = utf8.RuneError
		}
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}
