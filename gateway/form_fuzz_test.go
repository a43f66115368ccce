package gateway

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzParseTarget: no panic, and an accepted target never carries control
// characters, markup or an unvalidated port into the audit log or the
// backend.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"srv01", "https://srv:5986/wsman", "a\r\nb", "<script>", "\x00", "http://u:p@h/"} {
		f.Add(s, "", "5985", "0")
		f.Add("", s, "", "negotiate")
	}
	f.Fuzz(func(t *testing.T, computer, uri, port, auth string) {
		form := url.Values{"computer": {computer}, "uri": {uri}, "port": {port}, "authentication": {auth}}
		tgt, errs := ParseTarget(form, testDefaults, true)
		if errs != nil {
			return
		}
		d := tgt.Display()
		if invalidChars(d) || strings.ContainsAny(d, "<>\"' ") {
			t.Fatalf("accepted target %q", d)
		}
		if tgt.Port < 1 || tgt.Port > 65535 {
			t.Fatalf("accepted port %d", tgt.Port)
		}
		if (tgt.Computer == "") == (tgt.URI == nil) {
			t.Fatalf("not exactly one of computer/URI: %+v", tgt)
		}
	})
}
