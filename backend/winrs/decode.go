package winrs

import (
	"strings"
	"unicode/utf8"
)

// utf8Stream decodes a byte stream that arrives in arbitrary chunks: a
// multi-byte character split across chunks is held back until it is whole;
// invalid bytes become U+FFFD. The zero value is ready to use.
type utf8Stream struct {
	pending []byte // an incomplete trailing sequence, at most 3 bytes
}

// decode returns the valid UTF-8 text of pending+b, keeping back an
// incomplete final sequence.
func (d *utf8Stream) decode(b []byte) string {
	if len(d.pending) > 0 {
		b = append(d.pending, b...)
		d.pending = nil
	}
	// Hold back a trailing incomplete (but so far valid) sequence.
	cut := len(b)
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				cut = i
			}
			break
		}
	}
	if cut < len(b) {
		d.pending = append([]byte(nil), b[cut:]...)
		b = b[:cut]
	}
	if utf8.Valid(b) {
		return string(b)
	}
	return replaceInvalid(b)
}

// replaceInvalid replaces each invalid byte by U+FFFD (one per byte, so the
// result does not depend on how the stream was cut).
func replaceInvalid(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			sb.WriteString("\uFFFD")
		} else {
			sb.Write(b[:n])
		}
		b = b[n:]
	}
	return sb.String()
}

// flush returns whatever is held back (as U+FFFD) at the end of the stream.
func (d *utf8Stream) flush() string {
	if len(d.pending) == 0 {
		return ""
	}
	s := strings.Repeat("\uFFFD", len(d.pending))
	d.pending = nil
	return s
}

// crlf normalises line endings for xterm.js: a bare LF becomes CRLF, CRLF
// stays, a bare CR (progress redraw) stays. It remembers whether the last
// chunk ended in CR so a CRLF split across chunks is not doubled.
type crlf struct {
	lastCR bool
}

func (n *crlf) normalise(s string) string {
	if s == "" {
		return s
	}
	if !strings.Contains(s, "\n") {
		n.lastCR = s[len(s)-1] == '\r'
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/16)
	prevCR := n.lastCR
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\n' && !prevCR {
			b.WriteByte('\r')
		}
		b.WriteByte(c)
		prevCR = c == '\r'
	}
	n.lastCR = prevCR
	return b.String()
}
