package pwsh

import (
	"reflect"
	"strings"
	"time"
)

type cmdlet func(in *interp, a *cmdArgs, out emitFn) (stage, error)

var aliases = map[string]string{
	"echo": "write-output", "write": "write-output", "cd": "set-location", "sl": "set-location", "chdir": "set-location",
	"pwd": "get-location", "gl": "get-location", "dir": "get-childitem", "ls": "get-childitem", "gci": "get-childitem",
	"cat": "get-content", "type": "get-content", "gc": "get-content", "sc": "set-content", "ac": "add-content",
	"ni": "new-item", "mkdir": "new-item", "md": "new-item", "rm": "remove-item", "del": "remove-item", "ri": "remove-item",
	"erase": "remove-item", "rmdir": "remove-item", "ps": "get-process", "gps": "get-process", "gsv": "get-service",
	"%": "foreach-object", "foreach": "foreach-object", "?": "where-object", "where": "where-object",
	"select": "select-object", "sort": "sort-object", "measure": "measure-object", "ft": "format-table",
	"fl": "format-list", "iex": "invoke-expression", "sleep": "start-sleep", "cls": "clear-host", "clear": "clear-host",
	"gv": "get-variable", "h": "get-history", "history": "get-history", "gcm": "get-command", "copy": "copy-item",
	"cp": "copy-item", "move": "move-item", "mv": "move-item", "ren": "rename-item",
}

func (in *interp) cmdlets() map[string]cmdlet {
	return map[string]cmdlet{
		"write-output": cmdWriteOutput, "write-host": cmdWriteHost, "write-error": cmdWriteError,
		"write-warning": cmdWriteWarning, "write-verbose": cmdNull, "write-debug": cmdNull, "write-progress": cmdNull,
		"write-information": cmdWriteHost, "clear-host": cmdNull, "out-null": cmdNull, "get-history": cmdNull,
		"start-sleep": cmdStartSleep, "read-host": cmdReadHost, "get-date": cmdGetDate,
		"get-location": cmdGetLocation, "set-location": cmdSetLocation, "get-childitem": cmdGetChildItem, "get-item": cmdGetItem,
		"get-content": cmdGetContent, "set-content": cmdSetContent, "add-content": cmdSetContent, "out-file": cmdSetContent,
		"new-item": cmdNewItem, "remove-item": cmdRemoveItem, "test-path": cmdTestPath,
		"get-process": cmdGetProcess, "get-service": cmdGetService, "foreach-object": cmdForEach,
		"where-object": cmdWhere, "select-object": cmdSelect, "sort-object": cmdSort, "measure-object": cmdMeasure,
		"out-string": cmdOutString, "out-host": cmdOutHost, "out-default": cmdOutHost, "format-table": cmdOutHost,
		"format-list": cmdFormatList, "invoke-expression": cmdIex, "get-flood": cmdFlood, "psgate-flood": cmdFlood,
		"get-variable": cmdGetVariable, "get-command": cmdGetCommand, "new-object": cmdNewObject, "exit": nil,
	}
}

func (in *interp) commandStage(a *cmdArgs, out emitFn, alone bool) (stage, error) {
	name := strings.ToLower(a.name)
	if strings.HasSuffix(name, ".exe") {
		name = strings.TrimSuffix(name, ".exe")
	}
	if al, ok := aliases[name]; ok {
		if name == "mkdir" || name == "md" {
			a.named["itemtype"] = "Directory"
		}
		name = al
	}
	if c := in.cmdlets()[name]; c != nil {
		return c(in, a, out)
	}
	if isNative(name) {
		return in.nativeStage(name, a, out, alone), nil
	}
	return stage{}, notRecognized(a.name)
}

// isDisplay tells whether out is the console itself (native programs then
// write straight to stdout, CRLF and all).
func (in *interp) isDisplay(out emitFn) bool {
	return reflect.ValueOf(out).Pointer() == reflect.ValueOf(in.displayFn).Pointer()
}

func (in *interp) nativeStage(name string, a *cmdArgs, out emitFn, alone bool) stage {
	return source(func() error {
		var args []string
		for _, v := range a.pos {
			args = append(args, toStr(v))
		}
		for k, v := range a.named {
			if b, ok := v.(bool); ok && b {
				args = append(args, "-"+k)
			} else {
				args = append(args, "-"+k, toStr(v))
			}
		}
		res := runNative(in.p, name, args)
		in.lastExit = int64(res.code)
		if res.code != 0 {
			in.fails++
		}
		if res.stderr != "" {
			in.p.emit("stderr", res.stderr)
		}
		if alone && in.isDisplay(out) {
			in.endTable()
			in.p.emit("stdout", res.stdout)
			return nil
		}
		for _, l := range strings.Split(strings.TrimRight(res.stdout, "\r\n"), "\n") {
			if err := out(strings.TrimSuffix(l, "\r")); err != nil {
				return err
			}
		}
		return nil
	})
}

func cmdNull(*interp, *cmdArgs, emitFn) (stage, error) {
	return stage{process: func(any) error { return nil }}, nil
}

func cmdWriteOutput(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	return stage{process: out, end: func() error {
		v, _ := a.arg(-1, "inputobject")
		if v != nil {
			if err := emitAll(v, out); err != nil {
				return err
			}
		}
		for _, v := range a.pos {
			if err := emitAll(v, out); err != nil {
				return err
			}
		}
		return nil
	}}, nil
}

func cmdWriteHost(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	write := func(vals []any) {
		in.endTable()
		var parts []string
		for _, v := range vals {
			parts = append(parts, toStr(v))
		}
		sep := " "
		if s, ok := a.get("separator"); ok {
			sep = toStr(s)
		}
		in.p.emit("stdout", strings.Join(parts, sep))
		if !a.flag("nonewline") {
			in.p.emit("stdout", "\n")
		}
	}
	piped := false
	return stage{
		process: func(v any) error { piped = true; write([]any{v}); return nil },
		end: func() error {
			if !piped {
				vals := a.pos
				if v, ok := a.get("object"); ok {
					vals = append([]any{v}, vals...)
				}
				write(vals)
			}
			return nil
		},
	}, nil
}

func cmdWriteError(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	return source(func() error {
		msg, _ := a.arg(0, "message")
		in.nonTerminating(&psError{msg: toStr(msg), command: strings.TrimSpace(firstLine(in.line)),
			category: "NotSpecified: (:) [Write-Error], WriteErrorException",
			id:       "Microsoft.PowerShell.Commands.WriteErrorException", noPosition: true})
		return nil
	}), nil
}

func cmdWriteWarning(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	return source(func() error {
		msg, _ := a.arg(0, "message")
		in.endTable()
		in.emitCLIXML(`<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><S S="warning">` +
			clixmlEscape(toStr(msg)) + `</S></Objs>`)
		return nil
	}), nil
}

// sleep waits d or until ctrl_c / the process ends.
func (in *interp) sleep(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-in.stop:
		return errStopped
	case <-in.p.ctx.Done():
		return errStopped
	}
}

func cmdStartSleep(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	return source(func() error {
		var d time.Duration
		if v, ok := a.get("milliseconds", "m"); ok {
			n, _ := toNum(v)
			d = time.Duration(asFloat(n) * float64(time.Millisecond))
		} else if v, ok := a.arg(0, "seconds", "s"); ok {
			n, ok := toNum(v)
			if !ok {
				return &psError{msg: "Cannot bind parameter 'Seconds'. Cannot convert value \"" + toStr(v) + "\" to type \"System.Int32\".", command: "Start-Sleep",
					category: "InvalidArgument: (:) [Start-Sleep], ParameterBindingException", id: "CannotConvertArgumentNoMessage,Microsoft.PowerShell.Commands.StartSleepCommand"}
			}
			d = time.Duration(asFloat(n) * float64(time.Second))
		}
		return in.sleep(d)
	}), nil
}

func cmdReadHost(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	return source(func() error {
		if in.nonInteractive {
			return &psError{msg: "PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.", command: "Read-Host",
				category: "InvalidOperation: (:) [Read-Host], PSInvalidOperationException", id: "InvalidOperation,Microsoft.PowerShell.Commands.ReadHostCommand"}
		}
		if pr, ok := a.arg(0, "prompt"); ok {
			in.endTable()
			in.p.emit("stdout", toStr(pr)+": ")
		}
		line, ok := in.p.readLine(in.stop)
		if !ok {
			return errStopped
		}
		return out(line)
	}), nil
}

func cmdIex(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	run := func(v any) error {
		src := toStr(v)
		b, err := parse(src)
		if err != nil {
			return &psError{msg: err.Error(), command: "Invoke-Expression", category: "ParserError: (:) [Invoke-Expression], ParseException", id: "ParseException,Microsoft.PowerShell.Commands.InvokeExpressionCommand", terminating: true}
		}
		if in.depth > maxCallDepth {
			return &psError{msg: "The script failed due to call depth overflow.", category: "InvalidOperation: (0:Int32) [], ParentContainsErrorRecordException", id: "CallDepthOverflow", terminating: true}
		}
		oldLine := in.line
		in.line = src
		in.depth++
		defer func() { in.line = oldLine; in.depth-- }()
		return in.block(b, out)
	}
	piped := false
	return stage{
		process: func(v any) error { piped = true; return run(v) },
		end: func() error {
			if piped {
				return nil
			}
			v, _ := a.arg(0, "command")
			return run(v)
		},
	}, nil
}
