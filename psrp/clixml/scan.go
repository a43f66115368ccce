package clixml

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// scanner is a small XML tokenizer for CLIXML: elements, attributes, text
// with the predefined and numeric entity references, CDATA, comments and
// processing instructions (skipped). DTDs are refused.
type scanner struct {
	data []byte
	pos  int

	// The start tag just read.
	name      []byte
	attrs     []attr
	selfClose bool
	start     int // offset of its '<'

	text []byte // scratch buffer for decoded text
}

// maxAttrs bounds the attributes of one element (CLIXML uses at most two).
const maxAttrs = 32

type attr struct {
	name, value []byte // value still has its entity references
}

func (s *scanner) errorf(format string, args ...any) error {
	return fmt.Errorf("offset %d: "+format+": %w", append([]any{s.pos}, append(args, ErrSyntax)...)...)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func isNameEnd(c byte) bool { return isSpace(c) || c == '/' || c == '>' || c == '=' || c == '<' }

// skipMarkup skips a comment or processing instruction at pos, reporting
// whether there was one.
func (s *scanner) skipMarkup() (bool, error) {
	rest := s.data[s.pos:]
	var end string
	switch {
	case bytes.HasPrefix(rest, []byte("<!--")):
		end = "-->"
	case bytes.HasPrefix(rest, []byte("<?")):
		end = "?>"
	case bytes.HasPrefix(rest, []byte("<!")) && !bytes.HasPrefix(rest, []byte("<![CDATA[")):
		return false, s.errorf("DTD or declaration not allowed")
	default:
		return false, nil
	}
	i := bytes.Index(rest[2:], []byte(end))
	if i < 0 {
		return false, s.errorf("unterminated %s", rest[:2])
	}
	s.pos += 2 + i + len(end)
	return true, nil
}

// next moves to the next start or end tag, skipping whitespace, comments
// and PIs. It reports false at an end tag (left unread) and at EOF.
func (s *scanner) next() (bool, error) {
	for {
		for s.pos < len(s.data) && isSpace(s.data[s.pos]) {
			s.pos++
		}
		if s.pos >= len(s.data) {
			return false, nil
		}
		if s.data[s.pos] != '<' {
			return false, s.errorf("unexpected text %q", clip(s.data[s.pos:]))
		}
		if s.pos+1 < len(s.data) && s.data[s.pos+1] == '/' {
			return false, nil
		}
		skipped, err := s.skipMarkup()
		if err != nil {
			return false, err
		}
		if !skipped {
			return true, s.startTag()
		}
	}
}

func clip(b []byte) []byte {
	if len(b) > 20 {
		return b[:20]
	}
	return b
}

func (s *scanner) readName() []byte {
	i := s.pos
	for s.pos < len(s.data) && !isNameEnd(s.data[s.pos]) {
		s.pos++
	}
	return s.data[i:s.pos]
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) && isSpace(s.data[s.pos]) {
		s.pos++
	}
}

// startTag reads the start tag at pos ("<name attr="v" …>" or "…/>").
func (s *scanner) startTag() error {
	s.start = s.pos
	s.pos++
	if s.pos < len(s.data) && s.data[s.pos] == '!' {
		return s.errorf("CDATA outside a text element")
	}
	s.name = s.readName()
	if len(s.name) == 0 {
		return s.errorf("element without a name")
	}
	s.attrs = s.attrs[:0]
	for {
		s.skipSpace()
		if s.pos >= len(s.data) {
			return s.errorf("unterminated start tag <%s", s.name)
		}
		switch c := s.data[s.pos]; c {
		case '>':
			s.pos++
			s.selfClose = false
			return nil
		case '/':
			if s.pos+1 >= len(s.data) || s.data[s.pos+1] != '>' {
				return s.errorf("bad / in <%s", s.name)
			}
			s.pos += 2
			s.selfClose = true
			return nil
		}
		if len(s.attrs) >= maxAttrs {
			return fmt.Errorf("offset %d: <%s> with more than %d attributes: %w", s.start, s.name, maxAttrs, ErrTooLarge)
		}
		if err := s.attr(); err != nil {
			return err
		}
	}
}

func (s *scanner) attr() error {
	name := s.readName()
	s.skipSpace()
	if len(name) == 0 || s.pos >= len(s.data) || s.data[s.pos] != '=' {
		return s.errorf("bad attribute in <%s", s.name)
	}
	s.pos++
	s.skipSpace()
	if s.pos >= len(s.data) || (s.data[s.pos] != '"' && s.data[s.pos] != '\'') {
		return s.errorf("unquoted attribute %s", name)
	}
	q := s.data[s.pos]
	end := bytes.IndexByte(s.data[s.pos+1:], q)
	if end < 0 {
		return s.errorf("unterminated attribute %s", name)
	}
	val := s.data[s.pos+1 : s.pos+1+end]
	if bytes.IndexByte(val, '<') >= 0 {
		return s.errorf("< in attribute %s", name)
	}
	for _, a := range s.attrs {
		if bytes.Equal(a.name, name) {
			return s.errorf("duplicate attribute %s", name)
		}
	}
	s.attrs = append(s.attrs, attr{name, val})
	s.pos += end + 2
	return nil
}

// endTag consumes "</name>" at pos.
func (s *scanner) endTag(name []byte) error {
	if !bytes.HasPrefix(s.data[s.pos:], []byte("</")) {
		return s.errorf("expected </%s>", name)
	}
	s.pos += 2
	got := s.readName()
	s.skipSpace()
	if !bytes.Equal(got, name) || s.pos >= len(s.data) || s.data[s.pos] != '>' {
		return s.errorf("expected </%s>, got </%s", name, got)
	}
	s.pos++
	return nil
}

// finish consumes the end of the element whose start tag was just read and
// which must be empty: nothing (self-closed), or whitespace/comments then
// its end tag.
func (s *scanner) finish(name []byte) error {
	if s.selfClose {
		return nil
	}
	more, err := s.next()
	if err != nil {
		return err
	}
	if more {
		return s.errorf("unexpected <%s> in <%s>", s.name, name)
	}
	return s.endTag(name)
}

// skipElement skips the rest of the element whose start tag was just read,
// for keeping it raw; depth bounds the nesting below it.
func (s *scanner) skipElement(depth int) error {
	if s.selfClose {
		return nil
	}
	stack := [][]byte{s.name}
	for len(stack) > 0 {
		i := bytes.IndexByte(s.data[s.pos:], '<')
		if i < 0 {
			return s.errorf("unterminated <%s>", stack[0])
		}
		if err := s.checkText(s.data[s.pos : s.pos+i]); err != nil {
			return err
		}
		s.pos += i
		switch {
		case bytes.HasPrefix(s.data[s.pos:], []byte("</")):
			if err := s.endTag(stack[len(stack)-1]); err != nil {
				return err
			}
			stack = stack[:len(stack)-1]
		case bytes.HasPrefix(s.data[s.pos:], []byte("<![CDATA[")):
			j := bytes.Index(s.data[s.pos:], []byte("]]>"))
			if j < 0 {
				return s.errorf("unterminated CDATA")
			}
			s.pos += j + 3
		default:
			skipped, err := s.skipMarkup()
			if err != nil || skipped {
				if err != nil {
					return err
				}
				continue
			}
			if err := s.startTag(); err != nil {
				return err
			}
			if !s.selfClose {
				if len(stack) >= depth {
					return fmt.Errorf("offset %d: element <%s>: %w", s.start, s.name, ErrTooDeep)
				}
				stack = append(stack, s.name)
			}
		}
	}
	return nil
}

// checkText validates character data: entity references must be known.
func (s *scanner) checkText(b []byte) error {
	if bytes.IndexByte(b, '&') < 0 {
		return nil
	}
	_, err := s.appendEntities(nil, b)
	return err
}

// text reads the character data of the element whose start tag was just
// read, up to and including its end tag. The result aliases the input or
// the scanner's scratch buffer; it is valid until the next call.
func (s *scanner) textContent(name []byte) ([]byte, error) {
	if s.selfClose {
		return nil, nil
	}
	i := bytes.IndexByte(s.data[s.pos:], '<')
	if i < 0 {
		return nil, s.errorf("unterminated <%s>", name)
	}
	seg := s.data[s.pos : s.pos+i]
	if bytes.HasPrefix(s.data[s.pos+i:], []byte("</")) && bytes.IndexByte(seg, '&') < 0 && bytes.IndexByte(seg, '\r') < 0 {
		s.pos += i
		return seg, s.endTag(name)
	}
	return s.slowText(name)
}

func (s *scanner) slowText(name []byte) ([]byte, error) {
	out := s.text[:0]
	for {
		i := bytes.IndexByte(s.data[s.pos:], '<')
		if i < 0 {
			return nil, s.errorf("unterminated <%s>", name)
		}
		var err error
		if out, err = s.appendEntities(out, s.data[s.pos:s.pos+i]); err != nil {
			return nil, err
		}
		s.pos += i
		rest := s.data[s.pos:]
		switch {
		case bytes.HasPrefix(rest, []byte("</")):
			s.text = out
			return normalizeNewlines(out), s.endTag(name)
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			j := bytes.Index(rest, []byte("]]>"))
			if j < 0 {
				return nil, s.errorf("unterminated CDATA")
			}
			out = append(out, rest[9:j]...)
			s.pos += j + 3
		default:
			skipped, err := s.skipMarkup()
			if err != nil {
				return nil, err
			}
			if !skipped {
				return nil, s.errorf("element inside <%s>", name)
			}
		}
	}
}

// normalizeNewlines applies XML's end-of-line handling: CR LF and lone CR
// become LF.
func normalizeNewlines(b []byte) []byte {
	if bytes.IndexByte(b, '\r') < 0 {
		return b
	}
	w := 0
	for r := 0; r < len(b); r++ {
		if b[r] == '\r' {
			b[w] = '\n'
			if r+1 < len(b) && b[r+1] == '\n' {
				r++
			}
		} else {
			b[w] = b[r]
		}
		w++
	}
	return b[:w]
}

// appendEntities appends b with its entity references replaced.
func (s *scanner) appendEntities(dst, b []byte) ([]byte, error) {
	for {
		i := bytes.IndexByte(b, '&')
		if i < 0 {
			return append(dst, b...), nil
		}
		dst = append(dst, b[:i]...)
		b = b[i:]
		j := bytes.IndexByte(b, ';')
		if j < 0 || j > 12 {
			return dst, s.errorf("bad entity reference %q", clip(b))
		}
		ref := string(b[1:j])
		switch ref {
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "amp":
			dst = append(dst, '&')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			r, ok := charRef(ref)
			if !ok {
				return dst, s.errorf("unknown entity &%s;", ref)
			}
			dst = utf8.AppendRune(dst, r)
		}
		b = b[j+1:]
	}
}

func charRef(ref string) (rune, bool) {
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	var n uint64
	var err error
	if ref[1] == 'x' {
		n, err = strconv.ParseUint(ref[2:], 16, 32)
	} else {
		n, err = strconv.ParseUint(ref[1:], 10, 32)
	}
	r := rune(n)
	if err != nil || r == 0 || !utf8.ValidRune(r) {
		return 0, false
	}
	return r, true
}

// attrValue decodes an attribute value: entities, and the XML
// normalization of literal tab, CR and LF to spaces.
func (s *scanner) attrValue(v []byte) ([]byte, error) {
	plain := true
	for _, c := range v {
		if c == '&' || c == '\t' || c == '\r' || c == '\n' {
			plain = false
			break
		}
	}
	if plain {
		return v, nil
	}
	norm := make([]byte, 0, len(v))
	for _, c := range v {
		if c == '\t' || c == '\r' || c == '\n' {
			c = ' '
		}
		norm = append(norm, c)
	}
	return s.appendEntities(nil, norm)
}
