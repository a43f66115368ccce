package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tableRow writes one row of a CLI table (for a tabwriter): the cells
// separated by tabs, each passed through terminalSafe. Every CLI table and
// listing of names goes through it: user names, session names and rule
// values come from users, the directory or a hand-edited file.
func tableRow(w io.Writer, cells ...any) {
	var b strings.Builder
	for i, c := range cells {
		if i > 0 {
			b.WriteByte('\t')
		}
		b.WriteString(terminalSafe(fmt.Sprint(c)))
	}
	b.WriteByte('\n')
	io.WriteString(w, b.String())
}

// terminalSafe escapes, as Go does in quoted strings (\x1b, \n, \u202e …),
// every character a terminal would act on or that would break a table's
// columns: control characters (C0, DEL, C1), tabs, newlines, format
// characters such as bidi overrides, and invalid UTF-8. Printable text,
// including backslashes and spaces, is kept as is.
func terminalSafe(s string) string {
	if strings.IndexFunc(s, unsafeRune) < 0 && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && strings.HasPrefix(s[i:], "\xef\xbf\xbd"):
			b.WriteRune(r) // a real U+FFFD
		case r == utf8.RuneError:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafeRune(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func unsafeRune(r rune) bool { return r != ' ' && !unicode.IsPrint(r) }
