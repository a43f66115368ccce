package clixml

import (
	"encoding/base64"
	"fmt"
	"strconv"
)

// Encode encodes v as one CLIXML element in the shape Windows writes; see
// [AppendEncode].
func Encode(v Value) ([]byte, error) {
	return AppendEncode(nil, v)
}

// AppendEncode appends the CLIXML of v to dst. The output has no byte
// order mark and no XML declaration. Objects get RefIds 0, 1, 2 … in
// document order, type name lists TN RefIds likewise; an *Object met again
// is written as <Ref RefId="n" />, and a type name list equal to an earlier
// one as <TNRef RefId="n" />. Empty strings are written <S></S>, empty
// collections <LST />, as Windows does. A nil Value is written as <Nil />.
// Nesting is limited to DefaultMaxDepth elements, so that the output can be
// decoded with the default limits.
func AppendEncode(dst []byte, v Value) ([]byte, error) {
	e := &encoder{buf: dst}
	if err := e.value(v, "", false, 1); err != nil {
		return dst, fmt.Errorf("encoding CLIXML: %w", err)
	}
	return e.buf, nil
}

type encoder struct {
	buf   []byte
	refs  map[*Object]int
	tns   [][]string       // type name lists written, by TN RefId
	tnIdx map[string][]int // their RefIds by most derived type name
}

// open writes "<tag" and the N attribute if named.
func (e *encoder) open(tag, name string, named bool) error {
	e.buf = append(append(e.buf, '<'), tag...)
	if !named {
		return nil
	}
	e.buf = append(e.buf, ` N="`...)
	var err error
	if e.buf, err = appendEscaped(e.buf, name, true, true); err != nil {
		return fmt.Errorf("property name %q: %w", name, err)
	}
	e.buf = append(e.buf, '"')
	return nil
}

func (e *encoder) close(tag string) {
	e.buf = append(append(append(e.buf, "</"...), tag...), '>')
}

// text writes <tag N="name">text</tag> for text needing no escapes.
func (e *encoder) text(tag, name string, named bool, text []byte) error {
	if err := e.open(tag, name, named); err != nil {
		return err
	}
	e.buf = append(append(e.buf, '>'), text...)
	e.close(tag)
	return nil
}

// str writes a string-like element with the CLIXML and XML escapes.
func (e *encoder) str(tag, name string, named bool, s string) error {
	if err := e.open(tag, name, named); err != nil {
		return err
	}
	e.buf = append(e.buf, '>')
	var err error
	if e.buf, err = appendEscaped(e.buf, s, true, false); err != nil {
		return fmt.Errorf("<%s>: %w", tag, err)
	}
	e.close(tag)
	return nil
}

func (e *encoder) value(v Value, name string, named bool, depth int) error {
	if depth > DefaultMaxDepth {
		return fmt.Errorf("value at depth %d, limit %d: %w", depth, DefaultMaxDepth, ErrTooDeep)
	}
	var num [40]byte
	switch v := v.(type) {
	case nil, Nil:
		if err := e.open("Nil", name, named); err != nil {
			return err
		}
		e.buf = append(e.buf, " />"...)
		return nil
	case String:
		return e.str("S", name, named, string(v))
	case URI:
		return e.str("URI", name, named, string(v))
	case XMLDocument:
		return e.str("XD", name, named, string(v))
	case ScriptBlock:
		return e.str("SBK", name, named, string(v))
	case Bool:
		return e.text("B", name, named, strconv.AppendBool(num[:0], bool(v)))
	case Char:
		return e.text("C", name, named, strconv.AppendUint(num[:0], uint64(v), 10))
	case Byte:
		return e.text("By", name, named, strconv.AppendUint(num[:0], uint64(v), 10))
	case UInt16:
		return e.text("U16", name, named, strconv.AppendUint(num[:0], uint64(v), 10))
	case UInt32:
		return e.text("U32", name, named, strconv.AppendUint(num[:0], uint64(v), 10))
	case UInt64:
		return e.text("U64", name, named, strconv.AppendUint(num[:0], uint64(v), 10))
	case SByte:
		return e.text("SB", name, named, strconv.AppendInt(num[:0], int64(v), 10))
	case Int16:
		return e.text("I16", name, named, strconv.AppendInt(num[:0], int64(v), 10))
	case Int32:
		return e.text("I32", name, named, strconv.AppendInt(num[:0], int64(v), 10))
	case Int64:
		return e.text("I64", name, named, strconv.AppendInt(num[:0], int64(v), 10))
	}
	return e.value2(v, name, named, depth)
}

func (e *encoder) value2(v Value, name string, named bool, depth int) error {
	var num [64]byte
	switch v := v.(type) {
	case Single:
		return e.text("Sg", name, named, appendFloat(num[:0], float64(v), 32))
	case Double:
		return e.text("Db", name, named, appendFloat(num[:0], float64(v), 64))
	case Decimal:
		if err := validDecimal(string(v)); err != nil {
			return err
		}
		return e.text("D", name, named, []byte(v))
	case DateTime:
		b, err := appendDateTime(num[:0], v)
		if err != nil {
			return err
		}
		return e.text("DT", name, named, b)
	case TimeSpan:
		return e.text("TS", name, named, appendTimeSpan(num[:0], v))
	case GUID:
		return e.text("G", name, named, appendGUID(num[:0], v))
	case Version:
		if v.Major < 0 || v.Minor < 0 || v.Build < -1 || v.Revision < -1 || (v.Build < 0 && v.Revision >= 0) {
			return fmt.Errorf("version %d.%d.%d.%d: %w", v.Major, v.Minor, v.Build, v.Revision, ErrUnsupported)
		}
		return e.text("Version", name, named, appendVersion(num[:0], v))
	case Bytes:
		return e.text("BA", name, named, base64.StdEncoding.AppendEncode(num[:0], v))
	case SecureString:
		return e.text("SS", name, named, base64.StdEncoding.AppendEncode(num[:0], v))
	case ProgressRecord:
		if depth+1 > DefaultMaxDepth {
			return fmt.Errorf("progress record fields at depth %d: %w", depth+1, ErrTooDeep)
		}
		return e.progress(v, name, named)
	case Unknown:
		return e.unknown(v, false, depth)
	case *Object:
		return e.object(v, name, named, depth)
	}
	return fmt.Errorf("value of type %T: %w", v, ErrUnsupported)
}

// unknown writes the raw XML back after checking that it is one element
// the decoder would again keep raw in that place: in a value position any
// element but a value's; as a child of an Obj (inObj) also none of TN,
// ToString, Props, MS or the collections.
func (e *encoder) unknown(u Unknown, inObj bool, depth int) error {
	s := scanner{data: []byte(u.XML)}
	ok, err := s.next()
	if err == nil && ok && !isValueElement(s.name) && !(inObj && collectionKind(s.name) != NoCollection) {
		switch string(s.name) {
		case "TN", "TNRef", "ToString", "Props", "MS":
			if inObj {
				break
			}
			fallthrough
		default:
			if err = s.skipElement(DefaultMaxDepth - depth + 1); err == nil {
				ok, err = s.next()
				if err == nil && !ok && s.pos == len(s.data) {
					e.buf = append(e.buf, u.XML...)
					return nil
				}
			}
		}
	}
	return fmt.Errorf("unknown XML %q is not one unknown element (%v): %w", clip([]byte(u.XML)), err, ErrUnsupported)
}

// isValueElement reports whether the decoder reads the element as a value.
func isValueElement(name []byte) bool {
	switch string(name) {
	case "Obj", "Ref", "Nil", "PR":
		return true
	}
	return isPrimitive(name)
}

func (e *encoder) progress(pr ProgressRecord, name string, named bool) error {
	if err := e.open("PR", name, named); err != nil {
		return err
	}
	e.buf = append(e.buf, '>')
	if err := e.str("AV", "", false, pr.Activity); err != nil {
		return fmt.Errorf("progress record activity: %w", err)
	}
	e.int32("AI", pr.ActivityID)
	if pr.CurrentOperation == nil {
		e.buf = append(e.buf, "<Nil />"...)
	} else if err := e.str("S", "", false, *pr.CurrentOperation); err != nil {
		return fmt.Errorf("progress record current operation: %w", err)
	}
	e.int32("PI", pr.ParentActivityID)
	e.int32("PC", pr.PercentComplete)
	if err := e.str("T", "", false, pr.RecordType); err != nil {
		return fmt.Errorf("progress record type: %w", err)
	}
	e.int32("SR", pr.SecondsRemaining)
	if err := e.str("SD", "", false, pr.StatusDescription); err != nil {
		return fmt.Errorf("progress record status: %w", err)
	}
	e.close("PR")
	return nil
}

func (e *encoder) int32(tag string, v int32) {
	e.buf = append(append(append(e.buf, '<'), tag...), '>')
	e.buf = strconv.AppendInt(e.buf, int64(v), 10)
	e.close(tag)
}
