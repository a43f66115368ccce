package clixml

import (
	"fmt"
)

// object decodes <Obj> whose start tag was just read.
func (st *decodeState) object(depth int) (Value, error) {
	s := &st.s
	st.checkAttrs(true)
	obj := &Object{}
	if id, ok, err := st.attr("RefId"); err != nil {
		return nil, err
	} else if ok {
		if !st.objs.define(id, obj) {
			return nil, fmt.Errorf("offset %d: <Obj RefId=%q> defined twice: %w", s.start, id, ErrInvalid)
		}
	}
	if s.selfClose {
		return obj, nil
	}
	var seenTN, seenProps, seenMS bool
	for {
		more, err := s.next()
		if err != nil {
			return nil, err
		}
		if !more {
			return obj, s.endTag([]byte("Obj"))
		}
		if err := st.objectChild(obj, depth+1, &seenTN, &seenProps, &seenMS); err != nil {
			return nil, err
		}
	}
}

// objectChild decodes one child of an Obj. A second TN, ToString, Props,
// MS, collection or content value is an error: the model has one of each,
// and keeping the second raw would change meaning on re-encoding.
func (st *decodeState) objectChild(obj *Object, depth int, seenTN, seenProps, seenMS *bool) error {
	name := string(st.s.name)
	if depth > st.maxDepth {
		return fmt.Errorf("offset %d: <%s> at depth %d: %w", st.s.start, name, depth, ErrTooDeep)
	}
	dup := func() error {
		return fmt.Errorf("offset %d: second <%s> in <Obj>: %w", st.s.start, name, ErrInvalid)
	}
	switch name {
	case "TN", "TNRef":
		if *seenTN {
			return dup()
		}
		*seenTN = true
		return st.typeNames(obj, depth)
	case "ToString":
		if obj.ToString != nil {
			return dup()
		}
		return st.toString(obj)
	case "Props", "MS":
		seen, dst := seenProps, &obj.Props
		if name == "MS" {
			seen, dst = seenMS, &obj.Members
		}
		if *seen {
			return dup()
		}
		*seen = true
		return st.props(dst, depth)
	case "LST", "IE", "STK", "QUE", "DCT":
		if obj.Kind != NoCollection {
			return dup()
		}
		return st.collection(obj, depth)
	case "Nil", "PR", "Obj", "Ref":
	default:
		if !isPrimitive(st.s.name) {
			v, err := st.unknown(depth, "unknown child of <Obj> kept raw in Extra")
			if err == nil {
				obj.Extra = append(obj.Extra, v.(Unknown))
			}
			return err
		}
	}
	if obj.Content != nil {
		return dup()
	}
	st.nameAttr("value inside <Obj>")
	v, err := st.value(depth)
	obj.Content = v
	return err
}

func (st *decodeState) typeNames(obj *Object, depth int) error {
	s := &st.s
	if depth > st.maxDepth {
		return fmt.Errorf("offset %d: <%s>: %w", s.start, s.name, ErrTooDeep)
	}
	st.checkAttrs(true)
	id, _, err := st.attr("RefId")
	if err != nil {
		return err
	}
	if string(s.name) == "TNRef" {
		tn, ok := st.tns.lookup(id)
		if !ok {
			return fmt.Errorf("offset %d: <TNRef RefId=%q> names no earlier TN: %w", s.start, id, ErrInvalid)
		}
		obj.TypeNames = tn
		return s.finish(s.name)
	}
	names, err := st.tnList()
	if err != nil {
		return err
	}
	if !st.tns.define(id, names) {
		return fmt.Errorf("offset %d: <TN RefId=%q> defined twice: %w", s.start, id, ErrInvalid)
	}
	obj.TypeNames = names
	return nil
}

// tnList reads the <T> children of the <TN> just read.
func (st *decodeState) tnList() ([]string, error) {
	s := &st.s
	if s.selfClose {
		return nil, nil
	}
	names := st.names[:0]
	for {
		more, err := s.next()
		if err != nil {
			return nil, err
		}
		if !more {
			st.names = names
			if len(names) == 0 {
				return nil, s.endTag([]byte("TN"))
			}
			return append([]string(nil), names...), s.endTag([]byte("TN"))
		}
		if string(s.name) != "T" {
			return nil, fmt.Errorf("offset %d: <%s> inside <TN>: %w", s.start, s.name, ErrInvalid)
		}
		st.checkAttrs(false)
		st.nameAttr("type name")
		text, err := s.textContent(s.name)
		if err != nil {
			return nil, err
		}
		names = append(names, st.string(text))
	}
}

func (st *decodeState) toString(obj *Object) error {
	s := &st.s
	st.checkAttrs(false)
	st.nameAttr("ToString")
	text, err := s.textContent(s.name)
	if err != nil {
		return err
	}
	str := st.string(text)
	obj.ToString = &str
	return nil
}

// props reads the children of <Props> or <MS> into *dst.
func (st *decodeState) props(dst *[]Property, depth int) error {
	s := &st.s
	if depth > st.maxDepth {
		return fmt.Errorf("offset %d: <%s>: %w", s.start, s.name, ErrTooDeep)
	}
	st.checkAttrs(false)
	st.nameAttr("property list")
	if s.selfClose {
		return nil
	}
	outer, base := s.name, len(st.propStack)
	for {
		more, err := s.next()
		if err != nil {
			return err
		}
		if !more {
			*dst = append([]Property(nil), st.propStack[base:]...)
			st.propStack = st.propStack[:base]
			return s.endTag(outer)
		}
		name, ok, err := st.attr("N")
		if err != nil {
			return err
		}
		if !ok {
			st.warn(s.start, s.name, "property without N: name kept as empty")
		}
		p := Property{Name: st.string(name)}
		if p.Value, err = st.value(depth + 1); err != nil {
			return err
		}
		st.propStack = append(st.propStack, p)
	}
}
