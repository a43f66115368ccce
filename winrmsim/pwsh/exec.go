package pwsh

import (
	"errors"
	"strings"
)

// emitFn receives one pipeline output object.
type emitFn func(any) error

// errPipeDone tells upstream stages that downstream wants no more input
// (Select-Object -First).
var errPipeDone = errors.New("pipeline done")

// maxCallDepth bounds recursion through iex and script blocks.
const maxCallDepth = 100

func (in *interp) stmt(st node, out emitFn) error {
	if err := in.checkStop(); err != nil {
		return err
	}
	switch s := st.(type) {
	case *assign:
		return in.assign(s)
	case *ifStmt:
		for i, c := range s.conds {
			v, err := in.eval(c)
			if err != nil {
				return err
			}
			if toBool(v) {
				return in.block(s.blocks[i], out)
			}
		}
		if s.els != nil {
			return in.block(s.els, out)
		}
		return nil
	case *foreachStmt:
		v, err := in.eval(s.in)
		if err != nil {
			return err
		}
		for _, e := range flatten(v) {
			if err := in.setVar(s.v, e); err != nil {
				return err
			}
			if err := in.block(s.body, out); err != nil {
				return err
			}
		}
		return nil
	case *exitStmt:
		code := int64(0)
		if s.value != nil {
			v, err := in.eval(s.value)
			if err != nil {
				return err
			}
			code, _ = toInt(v)
		}
		return &exitError{int(int32(code))}
	case *throwStmt:
		msg := "ScriptHalted"
		if s.value != nil {
			v, err := in.eval(s.value)
			if err != nil {
				return err
			}
			msg = toStr(v)
		}
		return &psError{msg: msg, category: "OperationStopped: (" + msg + ":String) [], RuntimeException", id: msg, terminating: true}
	case *pipeline:
		return in.pipeline(s, out)
	}
	v, err := in.eval(st)
	if err != nil {
		return err
	}
	return emitAll(v, out)
}

func emitAll(v any, out emitFn) error {
	for _, e := range flatten(v) {
		if err := out(e); err != nil {
			return err
		}
	}
	return nil
}

func (in *interp) block(b *block, out emitFn) error {
	for _, st := range b.stmts {
		fails := in.fails
		if err := in.stmt(st, out); err != nil {
			var pe *psError
			if errors.As(err, &pe) && !pe.terminating {
				in.nonTerminating(pe)
				in.ok = false
				continue
			}
			return err
		}
		in.ok = in.fails == fails
	}
	return nil
}

// collect runs b and returns its output as a value (nil, one value or an
// array).
func (in *interp) collect(b *block) (any, error) {
	var vals []any
	err := in.block(b, func(v any) error { vals = append(vals, v); return nil })
	if err != nil {
		return nil, err
	}
	return unwrap(vals), nil
}

func unwrap(vals []any) any {
	switch len(vals) {
	case 0:
		return nil
	case 1:
		return vals[0]
	}
	return vals
}

func (in *interp) assign(s *assign) error {
	var v any
	var err error
	if pl, ok := s.value.(*pipeline); ok && len(pl.cmds) == 1 {
		v, err = in.evalPipeValue(pl)
	} else {
		v, err = in.evalPipeValue(&pipeline{cmds: []node{s.value}})
	}
	if err != nil {
		return err
	}
	if s.op != "=" {
		old, err := in.eval(s.target)
		if err != nil {
			return err
		}
		if v, err = binary(s.op[:1], old, v); err != nil {
			return err
		}
	}
	switch t := s.target.(type) {
	case *varRef:
		return in.setVar(t.name, v)
	case *member:
		if tr, ok := t.obj.(*typeLit); ok && strings.Contains(strings.ToLower(tr.name), "console") {
			return nil // [Console]::OutputEncoding = … accepted; the codepage stays WinRS's
		}
		obj, err := in.eval(t.obj)
		if err != nil {
			return err
		}
		switch o := obj.(type) {
		case *hashtable:
			o.set(t.name, v)
			return nil
		case *object:
			o.vals[strings.ToLower(t.name)] = v
			return nil
		}
		return &psError{msg: "The property '" + t.name + "' cannot be found on this object. Verify that the property exists and can be set.", category: "InvalidOperation: (:) [], RuntimeException", id: "PropertyAssignmentException", terminating: true}
	case *index:
		obj, err := in.eval(t.obj)
		if err != nil {
			return err
		}
		k, err := in.eval(t.idx)
		if err != nil {
			return err
		}
		switch o := obj.(type) {
		case *hashtable:
			o.set(toStr(k), v)
			return nil
		case []any:
			i, _ := toInt(k)
			if i < 0 {
				i += int64(len(o))
			}
			if i >= 0 && i < int64(len(o)) {
				o[i] = v
				return nil
			}
			return &psError{msg: "Index was outside the bounds of the array.", category: "OperationStopped: (:) [], IndexOutOfRangeException", id: "System.IndexOutOfRangeException", terminating: true}
		}
	}
	return &psError{msg: "The assignment expression is not valid. The input to an assignment operator must be an object that is able to accept assignments, such as a variable or a property.", category: "ParserError: (:) [], ParentContainsErrorRecordException", id: "InvalidLeftHandSide", terminating: true}
}

// evalPipeValue runs a pipeline and returns its output as a value.
func (in *interp) evalPipeValue(pl *pipeline) (any, error) {
	var vals []any
	err := in.pipeline(pl, func(v any) error { vals = append(vals, v); return nil })
	if err != nil {
		return nil, err
	}
	return unwrap(vals), nil
}
