package pwsh

import (
	"encoding/base64"
	"errors"
	"strings"
	"unicode/utf16"
)

// runCommandLine dispatches a WinRS command: powershell.exe or a cmd.exe
// command line. It returns the exit code.
func runCommandLine(p *Process, command string, args []string) int {
	// WinRS hands Windows one command line: the command and its
	// rsp:Arguments joined by spaces (pywinrm sends all arguments as one).
	f := strings.Fields(strings.TrimSpace(command + " " + strings.Join(args, " ")))
	if len(f) == 0 {
		return 0
	}
	command, words := f[0], f[1:]
	prog := strings.ToLower(command)
	prog = prog[strings.LastIndexAny(prog, `\/`)+1:]
	prog = strings.TrimSuffix(prog, ".exe")
	if prog == "powershell" || prog == "pwsh" {
		return runPowerShell(p, words)
	}
	res := runCmdLine(p, strings.TrimSpace(command+" "+strings.Join(words, " ")))
	p.emit("stdout", res.stdout)
	p.emit("stderr", res.stderr)
	return res.code
}

// runPowerShell parses powershell.exe's command line.
func runPowerShell(p *Process, words []string) int {
	in := newInterp(p)
	var script string
	hasScript := false
	for i := 0; i < len(words); i++ {
		w := strings.ToLower(words[i])
		switch {
		case w == "-":
			hasScript = false
		case w == "-noninteractive" || strings.HasPrefix("-noninteractive", w) && len(w) > 5 && strings.HasPrefix(w, "-noni"):
			in.nonInteractive = true
		case w == "-nologo" || w == "-noprofile" || w == "-nop" || w == "-noexit" || w == "-mta" || w == "-sta":
		case w == "-executionpolicy" || w == "-ep" || w == "-inputformat" || w == "-outputformat" || w == "-windowstyle" || w == "-version":
			i++
		case w == "-encodedcommand" || w == "-enc" || w == "-e" || w == "-ec":
			if i+1 < len(words) {
				script, hasScript = decodeUTF16(words[i+1]), true
				i++
			}
		case w == "-command" || w == "-c":
			rest := strings.Join(words[i+1:], " ")
			if strings.TrimSpace(rest) != "-" && rest != "" {
				script, hasScript = rest, true
			}
			i = len(words)
		default:
			script, hasScript = strings.Join(words[i:], " "), true
			i = len(words)
		}
	}
	if hasScript {
		return in.exitCode(in.runScript(script))
	}
	return in.repl()
}

func decodeUTF16(b64 string) string {
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return ""
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	return string(utf16.Decode(u))
}

func (in *interp) exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if in.ok {
		return 0
	}
	return 1
}

// repl is -Command -: statements are read from stdin and run one by one,
// without a prompt. A line that leaves a statement incomplete starts a
// multi-line statement, which runs at the next blank line (once complete).
func (in *interp) repl() int {
	var buf []string
	for {
		line, ok := in.p.readLine(nil)
		if !ok {
			// An incomplete last statement is dropped silently (PowerShell#21808).
			return in.exitCode(nil)
		}
		if len(buf) == 0 {
			if strings.TrimSpace(line) == "" {
				continue
			}
			if _, err := lex(line); errors.Is(err, errIncomplete) {
				buf = append(buf, line)
				continue
			}
			if err := in.runScript(line); err != nil {
				return in.exitCode(err)
			}
			continue
		}
		src := strings.Join(buf, "\n")
		if strings.TrimSpace(line) == "" {
			if _, err := lex(src); !errors.Is(err, errIncomplete) {
				buf = nil
				if err := in.runScript(src); err != nil {
					return in.exitCode(err)
				}
				continue
			}
		}
		buf = append(buf, line)
		if len(buf) > 100000 {
			buf = nil
		}
	}
}
