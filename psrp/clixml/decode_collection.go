package clixml

import (
	"fmt"
)

func collectionKind(name []byte) CollectionKind {
	switch string(name) {
	case "LST":
		return List
	case "IE":
		return Enumerable
	case "STK":
		return Stack
	case "QUE":
		return Queue
	case "DCT":
		return Dictionary
	}
	return NoCollection
}

// collection decodes LST, IE, STK, QUE or DCT just read into obj.
func (st *decodeState) collection(obj *Object, depth int) error {
	s := &st.s
	if depth > st.maxDepth {
		return fmt.Errorf("offset %d: <%s>: %w", s.start, s.name, ErrTooDeep)
	}
	st.checkAttrs(false)
	st.nameAttr("collection")
	obj.Kind = collectionKind(s.name)
	if s.selfClose {
		return nil
	}
	outer, base := s.name, len(st.items)
	for {
		more, err := s.next()
		if err != nil {
			return err
		}
		if !more {
			if len(st.items) > base {
				obj.Items = append([]Value(nil), st.items[base:]...)
				st.items = st.items[:base]
			}
			return s.endTag(outer)
		}
		if obj.Kind == Dictionary {
			e, err := st.entry(depth + 1)
			if err != nil {
				return err
			}
			obj.Entries = append(obj.Entries, e)
			continue
		}
		st.nameAttr("collection item")
		v, err := st.value(depth + 1)
		if err != nil {
			return err
		}
		st.items = append(st.items, v)
	}
}

// entry decodes an <En> with its Key and Value children (by N).
func (st *decodeState) entry(depth int) (Entry, error) {
	s := &st.s
	var e Entry
	if string(s.name) != "En" {
		return e, fmt.Errorf("offset %d: <%s> inside <DCT>: %w", s.start, s.name, ErrInvalid)
	}
	if depth > st.maxDepth {
		return e, fmt.Errorf("offset %d: <En>: %w", s.start, ErrTooDeep)
	}
	st.checkAttrs(false)
	start := s.start
	if !s.selfClose {
		for {
			more, err := s.next()
			if err != nil {
				return e, err
			}
			if !more {
				break
			}
			n, _, err := st.attr("N")
			if err != nil {
				return e, err
			}
			slot := &e.Key
			switch string(n) {
			case "Key":
			case "Value":
				slot = &e.Value
			default:
				return e, fmt.Errorf("offset %d: <%s N=%q> inside <En>: %w", s.start, s.name, n, ErrInvalid)
			}
			if *slot != nil {
				return e, fmt.Errorf("offset %d: second %s in <En>: %w", s.start, n, ErrInvalid)
			}
			if *slot, err = st.value(depth + 1); err != nil {
				return e, err
			}
		}
		if err := s.endTag([]byte("En")); err != nil {
			return e, err
		}
	}
	if e.Key == nil || e.Value == nil {
		return e, fmt.Errorf("offset %d: <En> without Key or Value: %w", start, ErrInvalid)
	}
	return e, nil
}

// progress decodes a <PR> just read.
func (st *decodeState) progress(depth int) (Value, error) {
	s := &st.s
	var pr ProgressRecord
	if s.selfClose {
		return nil, fmt.Errorf("offset %d: empty <PR>: %w", s.start, ErrInvalid)
	}
	seen := map[string]bool{}
	for {
		more, err := s.next()
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
		name := string(s.name)
		if seen[name] || (name == "S" && seen["Nil"]) || (name == "Nil" && seen["S"]) {
			return nil, fmt.Errorf("offset %d: second <%s> in <PR>: %w", s.start, name, ErrInvalid)
		}
		seen[name] = true
		if depth+1 > st.maxDepth {
			return nil, fmt.Errorf("offset %d: <%s>: %w", s.start, name, ErrTooDeep)
		}
		if err := st.progressField(&pr, name); err != nil {
			return nil, err
		}
	}
	if len(seen) != 8 {
		return nil, fmt.Errorf("offset %d: <PR> with %d of its 8 fields: %w", s.pos, len(seen), ErrInvalid)
	}
	return pr, s.endTag([]byte("PR"))
}

func (st *decodeState) progressField(pr *ProgressRecord, name string) error {
	s := &st.s
	st.checkAttrs(false)
	st.nameAttr("progress record field")
	if name == "Nil" {
		return s.finish(s.name)
	}
	text, err := s.textContent(s.name)
	if err != nil {
		return err
	}
	var num *int32
	switch name {
	case "AV":
		pr.Activity = st.string(text)
	case "S":
		op := st.string(text)
		pr.CurrentOperation = &op
	case "T":
		pr.RecordType = st.string(text)
	case "SD":
		pr.StatusDescription = st.string(text)
	case "AI":
		num = &pr.ActivityID
	case "PI":
		num = &pr.ParentActivityID
	case "PC":
		num = &pr.PercentComplete
	case "SR":
		num = &pr.SecondsRemaining
	default:
		return fmt.Errorf("offset %d: <%s> inside <PR>: %w", s.start, name, ErrInvalid)
	}
	if num != nil {
		v, err := parseInt(trimSpace(text), 32)
		if err != nil {
			return fmt.Errorf("offset %d: <PR><%s>: %w", s.start, name, err)
		}
		*num = int32(v)
	}
	return nil
}
