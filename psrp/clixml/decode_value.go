package clixml

import (
	"encoding/base64"
	"fmt"
)

// value decodes the element whose start tag was just read.
func (st *decodeState) value(depth int) (Value, error) {
	s := &st.s
	if depth > st.maxDepth {
		return nil, fmt.Errorf("offset %d: element <%s> at depth %d, limit %d: %w", s.start, s.name, depth, st.maxDepth, ErrTooDeep)
	}
	switch string(s.name) {
	case "Obj":
		return st.object(depth)
	case "Ref":
		return st.ref()
	case "Nil":
		st.checkAttrs(false)
		return Nil{}, s.finish(s.name)
	case "PR":
		st.checkAttrs(false)
		return st.progress(depth)
	}
	if !isPrimitive(s.name) {
		return st.unknown(depth, "unknown element kept raw")
	}
	st.checkAttrs(false)
	name := s.name
	text, err := s.textContent(name)
	if err != nil {
		return nil, err
	}
	switch string(name) {
	case "S":
		return String(st.string(text)), nil
	case "URI":
		return URI(st.string(text)), nil
	case "XD":
		return XMLDocument(st.string(text)), nil
	case "SBK":
		return ScriptBlock(st.string(text)), nil
	}
	v, err := primitive(name, text)
	if err != nil {
		return nil, fmt.Errorf("offset %d: <%s>: %w", s.start, name, err)
	}
	return v, nil
}

// unknown keeps the element whose start tag was just read as raw XML.
func (st *decodeState) unknown(depth int, why string) (Value, error) {
	s := &st.s
	start, name := s.start, s.name
	if err := s.skipElement(st.maxDepth - depth + 1); err != nil {
		return nil, err
	}
	st.warn(start, name, "%s", why)
	return Unknown{XML: string(s.data[start:s.pos])}, nil
}

// checkAttrs warns about attributes other than N (and RefId when allowed).
func (st *decodeState) checkAttrs(refID bool) {
	for _, a := range st.s.attrs {
		switch string(a.name) {
		case "N":
		case "RefId":
			if refID {
				continue
			}
			fallthrough
		default:
			st.warn(st.s.start, st.s.name, "attribute %s=%q is not kept", a.name, a.value)
		}
	}
}

func (st *decodeState) attr(name string) ([]byte, bool, error) {
	for _, a := range st.s.attrs {
		if string(a.name) == name {
			v, err := st.s.attrValue(a.value)
			return v, true, err
		}
	}
	return nil, false, nil
}

func (st *decodeState) ref() (Value, error) {
	s := &st.s
	st.checkAttrs(true)
	id, ok, err := st.attr("RefId")
	if err != nil {
		return nil, err
	}
	obj, found := st.objs.lookup(id)
	if !ok || !found {
		return nil, fmt.Errorf("offset %d: <Ref RefId=%q> names no earlier object: %w", s.start, id, ErrInvalid)
	}
	return obj, s.finish(s.name)
}

func isPrimitive(name []byte) bool {
	switch string(name) {
	case "S", "C", "B", "DT", "TS", "By", "SB", "I16", "U16", "I32", "U32", "I64", "U64",
		"Sg", "Db", "D", "BA", "G", "URI", "Version", "XD", "SBK", "SS":
		return true
	}
	return false
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// primitive converts the text of a primitive element other than the
// string-like ones (S URI XD SBK, which keep every character); surrounding
// whitespace is ignored, as .NET's XmlConvert does.
func primitive(name, text []byte) (Value, error) {
	t := trimSpace(text)
	switch string(name) {
	case "B":
		return parseBool(t)
	case "C":
		v, err := parseUint(t, 16)
		return Char(v), err
	case "By":
		v, err := parseUint(t, 8)
		return Byte(v), err
	case "U16":
		v, err := parseUint(t, 16)
		return UInt16(v), err
	case "U32":
		v, err := parseUint(t, 32)
		return UInt32(v), err
	case "U64":
		v, err := parseUint(t, 64)
		return UInt64(v), err
	case "SB":
		v, err := parseInt(t, 8)
		return SByte(v), err
	case "I16":
		v, err := parseInt(t, 16)
		return Int16(v), err
	case "I32":
		v, err := parseInt(t, 32)
		return Int32(v), err
	case "I64":
		v, err := parseInt(t, 64)
		return Int64(v), err
	}
	return primitiveText(name, string(t))
}

func primitiveText(name []byte, t string) (Value, error) {
	switch string(name) {
	case "Sg":
		v, err := parseFloat(t, 32)
		return Single(v), err
	case "Db":
		v, err := parseFloat(t, 64)
		return Double(v), err
	case "D":
		return Decimal(t), validDecimal(t)
	case "DT":
		return parseDateTime(t)
	case "TS":
		return parseTimeSpan(t)
	case "G":
		return ParseGUID(t)
	case "Version":
		return ParseVersion(t)
	case "BA":
		b, err := decodeBase64(t)
		return Bytes(b), err
	case "SS":
		b, err := decodeBase64(t)
		return SecureString(b), err
	}
	return nil, fmt.Errorf("element %s: %w", name, ErrInvalid) // unreachable: isPrimitive
}

func decodeBase64(t string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(t)
	if err != nil {
		return nil, fmt.Errorf("base64 %q: %w", clip([]byte(t)), ErrInvalid)
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}
