package main

import (
	"bytes"
	"testing"
)

func TestTerminalSafe(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`EXAMPLE\alice smith`, `EXAMPLE\alice smith`},
		{"ünïcödé ✓", "ünïcödé ✓"},
		{"\x1b]0;pwned\x07\x1b[2J", `\x1b]0;pwned\a\x1b[2J`},
		{"a\tb\nc\rd\x7f", `a\tb\nc\rd\x7f`},
		{"\u009b2J\u202eevil\u200b", `\u009b2J\u202eevil\u200b`},
		{"bad\xffutf8\xc3", `bad\xffutf8\xc3`},
		{"real \ufffd", "real \ufffd"},
	} {
		if got := terminalSafe(tc.in); got != tc.want {
			t.Errorf("terminalSafe(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	var b bytes.Buffer
	tableRow(&b, "a\tb", 7, true)
	if got := b.String(); got != "a\\tb\t7\ttrue\n" {
		t.Errorf("tableRow = %q", got)
	}
}
