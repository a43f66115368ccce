package pwsh

import (
	"errors"
	"strings"
)

// stage is one pipeline element: process is called per input object (nil
// when the command takes no pipeline input), end once after the input.
type stage struct {
	process func(any) error
	end     func() error
}

// cmdArgs are a command's evaluated arguments.
type cmdArgs struct {
	name  string
	pos   []any
	named map[string]any // lower-case parameter name
}

func (a *cmdArgs) get(names ...string) (any, bool) {
	for _, n := range names {
		if v, ok := a.named[n]; ok {
			return v, true
		}
	}
	return nil, false
}

// arg returns the named parameter, else positional i.
func (a *cmdArgs) arg(i int, names ...string) (any, bool) {
	if v, ok := a.get(names...); ok {
		return v, true
	}
	if i >= 0 && i < len(a.pos) {
		return a.pos[i], true
	}
	return nil, false
}

func (a *cmdArgs) flag(names ...string) bool {
	v, ok := a.get(names...)
	return ok && toBool(v)
}

var switches = map[string]bool{"force": true, "recurse": true, "nonewline": true, "assecurestring": true,
	"stream": true, "descending": true, "sum": true, "average": true, "maximum": true, "minimum": true,
	"unique": true, "passthru": true, "directory": true, "file": true, "autosize": true, "wait": true,
	"noenumerate": true, "raw": true, "character": true, "line": true, "word": true, "list": true}

func (in *interp) pipeline(pl *pipeline, out emitFn) error {
	if in.depth > maxCallDepth {
		return &psError{msg: "The script failed due to call depth overflow.", category: "InvalidOperation: (0:Int32) [], ParentContainsErrorRecordException", id: "CallDepthOverflow", terminating: true}
	}
	stages := make([]stage, len(pl.cmds))
	next := out
	for i := len(pl.cmds) - 1; i >= 0; i-- {
		st, err := in.makeStage(pl.cmds[i], next, i == 0, len(pl.cmds) == 1)
		if err != nil {
			return err
		}
		stages[i] = st
		if st.process != nil {
			next = st.process
		} else {
			next = func(any) error { return nil }
		}
	}
	for _, st := range stages {
		if st.end == nil {
			continue
		}
		if err := st.end(); err != nil && !errors.Is(err, errPipeDone) {
			return err
		}
	}
	return nil
}

func (in *interp) makeStage(n node, out emitFn, first, alone bool) (stage, error) {
	c, ok := n.(*command)
	if !ok {
		return stage{end: func() error {
			v, err := in.eval(n)
			if err != nil {
				return err
			}
			return emitAll(v, out)
		}}, nil
	}
	args, err := in.evalArgs(c)
	if err != nil {
		return stage{}, err
	}
	if c.call != nil {
		target, err := in.eval(c.call)
		if err != nil {
			return stage{}, err
		}
		if sb, ok := target.(*scriptBlock); ok {
			return in.scriptStage(sb, out), nil
		}
		args.name = toStr(target)
	} else {
		args.name = c.name
	}
	return in.commandStage(args, out, alone)
}

func (in *interp) evalArgs(c *command) (*cmdArgs, error) {
	a := &cmdArgs{named: map[string]any{}}
	for i := 0; i < len(c.args); i++ {
		if p, ok := c.args[i].(*paramArg); ok {
			ln := strings.ToLower(p.name)
			if switches[ln] || i+1 >= len(c.args) {
				a.named[ln] = true
				continue
			}
			if _, isParam := c.args[i+1].(*paramArg); isParam {
				a.named[ln] = true
				continue
			}
			v, err := in.eval(c.args[i+1])
			if err != nil {
				return nil, err
			}
			a.named[ln] = v
			i++
			continue
		}
		v, err := in.eval(c.args[i])
		if err != nil {
			return nil, err
		}
		a.pos = append(a.pos, v)
	}
	return a, nil
}

// scriptStage runs a script block once per input ($_) or once alone.
func (in *interp) scriptStage(sb *scriptBlock, out emitFn) stage {
	got := false
	return stage{
		process: func(v any) error {
			got = true
			return in.invoke(sb, v, out)
		},
		end: func() error {
			if got {
				return nil
			}
			return in.invoke(sb, nil, out)
		},
	}
}

// invoke runs a script block with $_ bound to item.
func (in *interp) invoke(sb *scriptBlock, item any, out emitFn) error {
	old, had := in.vars["_"]
	in.vars["_"] = item
	in.depth++
	defer func() {
		in.depth--
		if had {
			in.vars["_"] = old
		} else {
			delete(in.vars, "_")
		}
	}()
	return in.block(sb.b, out)
}

// each makes a stage that handles each input object with fn.
func each(fn func(any) error) stage { return stage{process: fn} }

// gather makes a stage that collects its input and calls fn at the end.
func gather(fn func([]any) error) stage {
	var items []any
	return stage{
		process: func(v any) error { items = append(items, v); return nil },
		end:     func() error { return fn(items) },
	}
}

// source makes a stage that takes no input and produces at the end.
func source(fn func() error) stage { return stage{end: fn} }
