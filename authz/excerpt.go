package authz

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxExcerpt is the most bytes of a value or of the rules file that an
// error message quotes: a file that is not a rules file (a key, by a wrong
// symlink) must not end up whole in logs and on admins' terminals.
const maxExcerpt = 80

// excerpt quotes s for an error message: at most maxExcerpt bytes of it, cut
// at a rune boundary and marked "…" when cut, with control characters and
// invalid UTF-8 escaped as %q does.
func excerpt(s string) string {
	if len(s) <= maxExcerpt {
		return strconv.Quote(s)
	}
	cut := maxExcerpt
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}

// excerptText is excerpt without the quotes, for text that has its own
// delimiters (an element name) or is a message.
func excerptText(s string) string {
	q := excerpt(s)
	end := strings.LastIndexByte(q, '"')
	return q[1:end] + q[end+1:]
}

// excerptBefore quotes up to maxExcerpt bytes of data that end at off (the
// position an error was found at; the start of a rune is looked for so that
// the cut does not split one).
func excerptBefore(data []byte, off int) string {
	start := max(off-maxExcerpt, 0)
	for start < off && !utf8.RuneStart(data[start]) {
		start++
	}
	prefix := ""
	if start > 0 {
		prefix = "…"
	}
	return prefix + strconv.Quote(string(data[start:off]))
}
