package pwsh

import (
	"errors"
	"strings"
)

// interp is the PowerShell state that persists between statements.
type interp struct {
	p              *Process
	vars           map[string]any // lower-case names
	cwd            string
	fs             *vfs
	ok             bool // $?
	lastExit       int64
	nonInteractive bool
	line           string // statement text (for error positions)
	table          *tableState
	stop           chan struct{}  // ctrl_c channel of the running top-level statement
	depth          int            // nesting of iex and script blocks
	fails          int            // errors written or native failures, for $?
	displayFn      emitFn         // the console's Out-Default
	errorFn        func(*psError) // a Runspace's error sink (runspace.go); nil writes CLIXML to stderr
}

func newInterp(p *Process) *interp {
	in := &interp{p: p, vars: map[string]any{}, fs: newVFS(p.opt), ok: true}
	in.cwd = in.fs.home
	in.displayFn = in.display
	in.vars["progresspreference"] = "Continue"
	in.vars["erroractionpreference"] = "Continue"
	in.vars["pshome"] = `C:\Windows\System32\WindowsPowerShell\v1.0`
	in.vars["psversiontable"] = psVersionTable()
	in.vars["host"] = newObject("generic", "System.Management.Automation.Internal.Host.InternalHost", "Name", "ConsoleHost", "Version", "5.1.17763.1")
	return in
}

// runScript parses and runs src as one top-level input; it reports
// errors to stderr and returns an *exitError when the script exits.
func (in *interp) runScript(src string) error {
	in.line = src
	b, err := parse(src)
	if err != nil {
		var se *syntaxError
		if errors.As(err, &se) {
			in.writeError(&psError{msg: se.msg, category: "ParserError: (:) [], ParentContainsErrorRecordException", id: "ParseException"})
		} else {
			in.writeError(&psError{msg: "Missing closing '}' in statement block or type definition.", category: "ParserError: (:) [], ParentContainsErrorRecordException", id: "MissingEndCurlyBrace"})
		}
		in.ok = false
		return nil
	}
	return in.runTop(b)
}

// runTop runs a block's statements with console formatting of the output.
func (in *interp) runTop(b *block) error {
	for _, st := range b.stmts {
		in.table = nil
		in.stop = in.p.stopChan()
		fails := in.fails
		err := in.stmt(st, in.displayFn)
		in.endTable()
		if errors.Is(err, errStopped) {
			// ctrl_c abandons the rest of the input line, as the console
			// host does; the next line runs normally.
			in.ok = false
			return nil
		}
		if err = in.topError(err); err != nil {
			return err
		}
		in.ok = in.fails == fails
	}
	return nil
}

// topError reports err; it returns only errors that end the process.
func (in *interp) topError(err error) error {
	var pe *psError
	switch {
	case err == nil:
		return nil
	case errors.As(err, new(*exitError)):
		return err
	case errors.Is(err, errStopped):
		in.fails++
		return nil
	case errors.As(err, &pe):
		in.writeError(pe)
		return nil
	}
	in.writeError(&psError{msg: err.Error(), category: "NotSpecified: (:) [], RuntimeException", id: "RuntimeException"})
	return nil
}

// writeError writes an error record to stderr as CLIXML.
func (in *interp) writeError(e *psError) {
	in.fails++
	in.endTable()
	if in.errorFn != nil {
		in.errorFn(e)
		return
	}
	in.emitCLIXML(clixml(e.render(in.line)))
}

// emitCLIXML writes a CLIXML document to stderr, the process's first one
// after the "#< CLIXML" header as powershell.exe writes it.
func (in *interp) emitCLIXML(doc string) {
	in.p.mu.Lock()
	first := !in.p.errHdr
	in.p.errHdr = true
	in.p.mu.Unlock()
	if first {
		doc = "#< CLIXML\r\n" + doc
	}
	in.p.emit("stderr", doc)
}

// nonTerminating reports a non-terminating error and sets $? to False.
func (in *interp) nonTerminating(e *psError) {
	in.writeError(e)
}

// checkStop returns errStopped after ctrl_c or when the process ends.
func (in *interp) checkStop() error {
	select {
	case <-in.stop:
		return errStopped
	case <-in.p.ctx.Done():
		return errStopped
	default:
		return nil
	}
}

func (in *interp) getVar(name string) (any, bool) {
	ln := strings.ToLower(name)
	switch {
	case ln == "?":
		return in.ok, true
	case ln == "true":
		return true, true
	case ln == "false":
		return false, true
	case ln == "null":
		return nil, true
	case ln == "pwd":
		return newObject("generic", in.cwd, "Path", in.cwd), true
	case ln == "lastexitcode":
		return in.lastExit, true
	case strings.HasPrefix(ln, "env:"):
		return in.env(name[4:])
	}
	v, ok := in.vars[ln]
	return v, ok
}

func (in *interp) env(name string) (any, bool) {
	for k, v := range in.p.opt.Env {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	dom, user, _ := strings.Cut(in.p.opt.User, `\`)
	if user == "" {
		user, dom = dom, in.p.opt.Host
	}
	m := map[string]string{"username": user, "userdomain": dom, "computername": strings.ToUpper(in.p.opt.Host),
		"userprofile": in.fs.home, "windir": `C:\Windows`, "systemroot": `C:\Windows`, "systemdrive": "C:",
		"temp": in.fs.home + `\AppData\Local\Temp`, "tmp": in.fs.home + `\AppData\Local\Temp`,
		"os": "Windows_NT", "processor_architecture": "AMD64", "number_of_processors": "2",
		"path":         `C:\Windows\system32;C:\Windows;C:\Windows\System32\Wbem;C:\Windows\System32\WindowsPowerShell\v1.0\`,
		"psmodulepath": `C:\Users\` + user + `\Documents\WindowsPowerShell\Modules;C:\Program Files\WindowsPowerShell\Modules;C:\Windows\system32\WindowsPowerShell\v1.0\Modules`}
	v, ok := m[strings.ToLower(name)]
	return v, ok
}

func (in *interp) setVar(name string, v any) error {
	ln := strings.ToLower(name)
	switch {
	case ln == "true" || ln == "false" || ln == "null" || ln == "?":
		return &psError{msg: "Cannot overwrite variable " + name + " because it is read-only or constant.", category: "WriteError: (" + name + ":String) [], SessionStateUnauthorizedAccessException", id: "VariableNotWritable", terminating: true}
	case strings.HasPrefix(ln, "env:"):
		if in.p.opt.Env == nil {
			in.p.opt.Env = map[string]string{}
		}
		in.p.opt.Env[name[4:]] = toStr(v)
		return nil
	case ln == "lastexitcode":
		in.lastExit, _ = toInt(v)
		return nil
	}
	in.vars[ln] = v
	return nil
}
