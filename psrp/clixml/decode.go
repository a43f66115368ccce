package clixml

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// Default limits of a [Decoder].
const (
	DefaultMaxDepth = 64       // element nesting; the recordings need 17
	DefaultMaxBytes = 64 << 20 // one reassembled message body
)

// Decoder decodes CLIXML with limits. The zero value uses the defaults.
type Decoder struct {
	// MaxDepth is the deepest element nesting accepted (default
	// DefaultMaxDepth). An Obj holding an MS holding an S is 3 deep.
	MaxDepth int
	// MaxBytes is the largest input accepted (default DefaultMaxBytes).
	MaxBytes int
}

// Warning reports something decoding kept raw or could not keep: an
// unknown element (kept as [Unknown] or in [Object.Extra]), an unknown
// attribute, or an N attribute where the model has no name (a list item,
// the top-level element).
type Warning struct {
	Offset  int    // byte offset of the element in the input
	Element string // its name
	Msg     string
}

// String formats the warning as "offset N: <elem>: message".
func (w Warning) String() string {
	return fmt.Sprintf("offset %d: <%s>: %s", w.Offset, w.Element, w.Msg)
}

// Decode decodes one CLIXML element (a message body) with the default
// limits; see [Decoder.Decode].
func Decode(data []byte) (Value, []Warning, error) {
	return Decoder{}.Decode(data)
}

// Decode decodes data, which must hold exactly one element, optionally
// preceded by a UTF-8 byte order mark, an XML declaration, comments and
// whitespace. Warnings are not errors: the value is complete, with anything
// unknown kept raw. An error means the input is not CLIXML (or breaks a
// limit), and the value is nil.
//
// Decoded strings share memory with one copy of data, so a string kept
// from the value keeps that copy alive.
func (d Decoder) Decode(data []byte) (Value, []Warning, error) {
	maxBytes, maxDepth := d.MaxBytes, d.MaxDepth
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	if len(data) > maxBytes {
		return nil, nil, fmt.Errorf("decoding %d bytes, limit %d: %w", len(data), maxBytes, ErrTooLarge)
	}
	if !utf8.Valid(data) {
		return nil, nil, fmt.Errorf("decoding CLIXML: %w", ErrInvalidUTF8)
	}
	st := &decodeState{
		s:        scanner{data: data},
		str:      string(data),
		maxDepth: maxDepth,
	}
	st.s.pos = len(bom(data))
	v, err := st.document()
	if err != nil {
		return nil, nil, fmt.Errorf("decoding CLIXML: %w", err)
	}
	return v, st.warnings, nil
}

func bom(data []byte) []byte {
	if bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) {
		return data[:3]
	}
	return nil
}

type decodeState struct {
	s        scanner
	str      string // the input as one string; decoded strings share it
	maxDepth int
	objs     refTable[*Object]
	tns      refTable[[]string]
	// Scratch stacks: lists are gathered here and copied out once, at
	// their exact size.
	propStack []Property
	items     []Value
	names     []string
	warnings  []Warning
}

func (st *decodeState) document() (Value, error) {
	ok, err := st.s.next()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, st.s.errorf("no element")
	}
	st.nameAttr("top-level element")
	v, err := st.value(1)
	if err != nil {
		return nil, err
	}
	if ok, err := st.s.next(); err != nil || ok || st.s.pos < len(st.s.data) {
		if err != nil {
			return nil, err
		}
		return nil, st.s.errorf("content after the element")
	}
	return v, nil
}

func (st *decodeState) warn(offset int, elem []byte, format string, args ...any) {
	st.warnings = append(st.warnings, Warning{offset, string(elem), fmt.Sprintf(format, args...)})
}

// nameAttr reports an N attribute on an element whose name the model does
// not keep.
func (st *decodeState) nameAttr(where string) bool {
	for _, a := range st.s.attrs {
		if string(a.name) == "N" {
			st.warn(st.s.start, st.s.name, "N=%q on a %s is not kept", a.value, where)
			return true
		}
	}
	return false
}

// string turns raw text into a string with the _xHHHH_ escapes decoded.
// Text that is a plain slice of the input becomes a substring of st.str,
// which saves an allocation per string (and keeps the input alive as long
// as any of its strings).
func (st *decodeState) string(b []byte) string {
	if len(b) == 0 || hasEscape(b) {
		return clixmlString(b)
	}
	data := st.s.data
	if p := cap(data) - cap(b); p >= 0 && p+len(b) <= len(data) && &data[p] == &b[0] {
		return st.str[p : p+len(b)]
	}
	return string(b)
}

// clixmlString turns raw text into a string: _xHHHH_ escapes decoded.
func clixmlString(b []byte) string {
	if !hasEscape(b) {
		return string(b)
	}
	return string(appendUnescaped(make([]byte, 0, len(b)), b))
}
