package clixml

import (
	"fmt"
	"slices"
	"strconv"
)

func (e *encoder) object(o *Object, name string, named bool, depth int) error {
	if o == nil {
		return fmt.Errorf("nil *Object: %w", ErrUnsupported)
	}
	if id, ok := e.refs[o]; ok {
		if err := e.open("Ref", name, named); err != nil {
			return err
		}
		e.buf = append(strconv.AppendInt(append(e.buf, ` RefId="`...), int64(id), 10), `" />`...)
		return nil
	}
	if e.refs == nil {
		e.refs = map[*Object]int{}
	}
	id := len(e.refs)
	e.refs[o] = id
	if err := e.open("Obj", name, named); err != nil {
		return err
	}
	e.buf = append(strconv.AppendInt(append(e.buf, ` RefId="`...), int64(id), 10), `">`...)
	if err := e.objectBody(o, depth); err != nil {
		return fmt.Errorf("object RefId %d: %w", id, err)
	}
	e.close("Obj")
	return nil
}

func (e *encoder) objectBody(o *Object, depth int) error {
	if depth+1 > DefaultMaxDepth && !o.empty() {
		return fmt.Errorf("object children at depth %d: %w", depth+1, ErrTooDeep)
	}
	if err := e.typeNames(o.TypeNames); err != nil {
		return err
	}
	if o.ToString != nil {
		if err := e.str("ToString", "", false, *o.ToString); err != nil {
			return err
		}
	}
	if o.Content != nil {
		if _, ok := o.Content.(Unknown); ok {
			return fmt.Errorf("unknown XML as object content (use Extra): %w", ErrUnsupported)
		}
		if err := e.value(o.Content, "", false, depth+1); err != nil {
			return err
		}
	}
	if err := e.collection(o, depth+1); err != nil {
		return err
	}
	if err := e.props("Props", o.Props, depth+1); err != nil {
		return err
	}
	if err := e.props("MS", o.Members, depth+1); err != nil {
		return err
	}
	for _, x := range o.Extra {
		if err := e.unknown(x, true, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (e *encoder) typeNames(tn []string) error {
	if len(tn) == 0 {
		return nil
	}
	for _, id := range e.tnIdx[tn[0]] {
		if old := e.tns[id]; &old[0] == &tn[0] || slices.Equal(old, tn) {
			e.buf = append(strconv.AppendInt(append(e.buf, `<TNRef RefId="`...), int64(id), 10), `" />`...)
			return nil
		}
	}
	if e.tnIdx == nil {
		e.tnIdx = map[string][]int{}
	}
	id := len(e.tns)
	e.tns = append(e.tns, tn)
	e.tnIdx[tn[0]] = append(e.tnIdx[tn[0]], id)
	e.buf = append(strconv.AppendInt(append(e.buf, `<TN RefId="`...), int64(id), 10), `">`...)
	for _, t := range tn {
		if err := e.str("T", "", false, t); err != nil {
			return err
		}
	}
	e.close("TN")
	return nil
}

func (e *encoder) props(tag string, ps []Property, depth int) error {
	if len(ps) == 0 {
		return nil
	}
	e.buf = append(append(append(e.buf, '<'), tag...), '>')
	for _, p := range ps {
		if err := e.value(p.Value, p.Name, true, depth+1); err != nil {
			return fmt.Errorf("%s %q: %w", tag, p.Name, err)
		}
	}
	e.close(tag)
	return nil
}

func collectionTag(k CollectionKind) string {
	switch k {
	case List:
		return "LST"
	case Enumerable:
		return "IE"
	case Stack:
		return "STK"
	case Queue:
		return "QUE"
	case Dictionary:
		return "DCT"
	}
	return ""
}

func (e *encoder) collection(o *Object, depth int) error {
	if o.Kind == NoCollection {
		if len(o.Items) > 0 || len(o.Entries) > 0 {
			return fmt.Errorf("items without a collection kind: %w", ErrUnsupported)
		}
		return nil
	}
	tag := collectionTag(o.Kind)
	if tag == "" {
		return fmt.Errorf("collection kind %d: %w", o.Kind, ErrUnsupported)
	}
	if (o.Kind == Dictionary && len(o.Items) > 0) || (o.Kind != Dictionary && len(o.Entries) > 0) {
		return fmt.Errorf("%s with items of the wrong kind: %w", tag, ErrUnsupported)
	}
	if len(o.Items) == 0 && len(o.Entries) == 0 {
		e.buf = append(append(append(e.buf, '<'), tag...), " />"...)
		return nil
	}
	e.buf = append(append(append(e.buf, '<'), tag...), '>')
	for i, it := range o.Items {
		if err := e.value(it, "", false, depth+1); err != nil {
			return fmt.Errorf("%s item %d: %w", tag, i, err)
		}
	}
	for i, en := range o.Entries {
		if depth+1 > DefaultMaxDepth {
			return fmt.Errorf("entry at depth %d: %w", depth+1, ErrTooDeep)
		}
		e.buf = append(e.buf, "<En>"...)
		if err := e.value(en.Key, "Key", true, depth+2); err != nil {
			return fmt.Errorf("DCT entry %d key: %w", i, err)
		}
		if err := e.value(en.Value, "Value", true, depth+2); err != nil {
			return fmt.Errorf("DCT entry %d value: %w", i, err)
		}
		e.buf = append(e.buf, "</En>"...)
	}
	e.close(tag)
	return nil
}

func (o *Object) empty() bool {
	return len(o.TypeNames) == 0 && o.ToString == nil && o.Content == nil && o.Kind == NoCollection &&
		len(o.Props) == 0 && len(o.Members) == 0 && len(o.Extra) == 0
}
