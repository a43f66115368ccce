package pwsh

import (
	"errors"
	"fmt"
	"strings"
)

// errStopped ends a pipeline stopped by ctrl_c (or the process ending).
var errStopped = errors.New("the pipeline has been stopped")

// exitError ends the process with code.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// psError is a PowerShell ErrorRecord.
type psError struct {
	msg         string
	command     string // the invocation text shown as "cmd : msg"
	category    string // e.g. "ObjectNotFound: (foo:String) []"
	id          string // FullyQualifiedErrorId
	terminating bool
	noPosition  bool // Write-Error records show no "At line:" block
}

func (e *psError) Error() string { return e.msg }

func notRecognized(name string) *psError {
	return &psError{
		msg: "The term '" + name + "' is not recognized as the name of a cmdlet, function, script file, or " +
			"operable program. Check the spelling of the name, or if a path was included, verify that the path " +
			"is correct and try again.",
		command:  name,
		category: "ObjectNotFound: (" + name + ":String) [], CommandNotFoundException",
		id:       "CommandNotFoundException",
	}
}

// render formats the record as the console host does (PowerShell 5.1),
// with the position of the statement.
func (e *psError) render(line string) string {
	var b strings.Builder
	if e.command != "" {
		b.WriteString(e.command + " : ")
	}
	b.WriteString(e.msg + "\r\n")
	if !e.noPosition {
		b.WriteString(position(line, e.command))
	}
	b.WriteString("    + CategoryInfo          : " + e.category + "\r\n")
	b.WriteString("    + FullyQualifiedErrorId : " + e.id + "\r\n \r\n")
	return b.String()
}

// position renders "At line:L char:C" with the source line and a ~ marker
// under the failing command (or the whole line when it is not found).
func position(src, word string) string {
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	ln, col, width := 0, 0, 0
	for i, l := range lines {
		if word != "" {
			if c := strings.Index(strings.ToLower(l), strings.ToLower(word)); c >= 0 {
				ln, col, width = i, c, len([]rune(word))
				break
			}
		}
	}
	line := strings.TrimRight(lines[ln], " \t")
	if col+width > len(line) {
		width = 0
	}
	if width == 0 {
		col = len(line) - len(strings.TrimLeft(line, " \t"))
		width = len([]rune(line)) - col
	}
	pre := []rune(line[:col])
	return fmt.Sprintf("At line:%d char:%d\r\n+ %s\r\n+ %s%s\r\n", ln+1, len(pre)+1, line,
		strings.Repeat(" ", len(pre)), strings.Repeat("~", max(1, width)))
}

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

// clixml encodes text as one <Objs> document of Error strings, one <S> per
// line, escaped as PowerShell's serializer does (_x000D__x000A_ for CRLF).
func clixml(text string) string {
	var b strings.Builder
	b.WriteString(`<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">`)
	for _, l := range strings.SplitAfter(text, "\r\n") {
		if l == "" {
			continue
		}
		b.WriteString(`<S S="Error">` + clixmlEscape(l) + `</S>`)
	}
	b.WriteString(`</Objs>`)
	return b.String()
}

func clixmlEscape(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case r == '_' && i+1 < len(rs) && (rs[i+1] == 'x' || rs[i+1] == 'X'):
			b.WriteString("_x005F_")
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "_x%04X_", r)
		case r > 0xffff:
			r -= 0x10000
			fmt.Fprintf(&b, "_x%04X__x%04X_", 0xD800+(r>>10), 0xDC00+(r&0x3ff))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
