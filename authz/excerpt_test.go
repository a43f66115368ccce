package authz

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadErrorQuotesExcerptOnly: a rules path symlinked to some other file
// (a PEM key here) or a file with huge or hostile values must not put that
// content in the error (the gateway's ERROR line, /readyz's WARN, `rule get`):
// at most maxExcerpt bytes of it, escaped.
func TestLoadErrorQuotesExcerptOnly(t *testing.T) {
	keyLine := "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7secretsecretsecretsecret"
	pem := "-----BEGIN PRIVATE KEY-----\n" + strings.Repeat(keyLine+"\n", 25) + "-----END PRIVATE KEY-----\n"
	long := strings.Repeat("k", 5000)
	okRule := func(name string) string {
		return "<Rules><Rule><Id>5</Id><Name>" + name + "</Name><UserCanonicalForm>D\\u</UserCanonicalForm>" +
			"<UserType>Usr</UserType><DestinationCanonicalForm>srv</DestinationCanonicalForm>" +
			"<DestinationType>Computer</DestinationType><ConfigurationName>*</ConfigurationName></Rule></Rules>"
	}
	tests := []struct {
		name, doc string
		never     string // must not be in the error
	}{
		{"PEM key", pem, "-----END PRIVATE KEY-----"},
		{"long value", strings.Replace(okRule("n"), ">Usr<", ">Usr"+long+"<", 1), long[:maxExcerpt+1]},
		{"long Id", strings.Replace(okRule("n"), "<Id>5", "<Id>"+long, 1), long[:maxExcerpt+1]},
		{"long element name", "<Rules><" + long + "/></Rules>", long[:maxExcerpt+1]},
		{"long name in an XML syntax error", "<Rules><" + long + " x=1/></Rules>", long[:maxExcerpt+1]},
		{"long text", "<Rules>" + long + "</Rules>", long[:maxExcerpt+1]},
		{"escape sequence", "\x1b]0;owned\x07\x1b[2J" + long, "\x1b"},
		{"escape in a value", strings.Replace(okRule("n"), ">Usr<", ">\x1b]0;owned\x07<", 1), "\x1b"},
	}
	dir := t.TempDir()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target := filepath.Join(dir, "other")
			if err := os.WriteFile(target, []byte(tc.doc), 0o600); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "AuthorizationRules.xml")
			os.Remove(path)
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
			var log bytes.Buffer
			err := newStore(t, path, &log).Err()
			if err == nil {
				t.Fatal("loaded")
			}
			msg := err.Error()
			if strings.Contains(msg, tc.never) || strings.Contains(log.String(), tc.never) {
				t.Errorf("error quotes too much:\n%s", msg)
			}
			if n := len(strings.ReplaceAll(msg, path, "")); n > 400 {
				t.Errorf("error of %d bytes:\n%s", n, msg)
			}
			if strings.ContainsFunc(msg, func(r rune) bool { return r < 0x20 }) {
				t.Errorf("control character in the error: %q", msg)
			}
		})
	}
}

func TestExcerpt(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"abc", `"abc"`},
		{"a\x1b[2Jb\n", `"a\x1b[2Jb\n"`},
		{strings.Repeat("é", 50), `"` + strings.Repeat("é", 40) + `"…`},
		{strings.Repeat("x", 79) + "é", `"` + strings.Repeat("x", 79) + `"…`},
		{"\xff", `"\xff"`},
	} {
		if got := excerpt(tc.in); got != tc.want {
			t.Errorf("excerpt(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	if got := excerptText("a\"b\x07"); got != `a\"b\a` {
		t.Errorf("excerptText = %s", got)
	}
	if got, want := excerptBefore([]byte("é"+strings.Repeat("x", 79)+"after"), 81), `…"`+strings.Repeat("x", 79)+`"`; got != want {
		t.Errorf("excerptBefore = %s, want %s", got, want)
	}
}
