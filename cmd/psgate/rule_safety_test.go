//go:build unix

package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRuleCLIEscapesTable: rule values from a hand-edited file (tab, C1
// CSI, bidi override) are shown escaped in `rule get`'s table.
func TestRuleCLIEscapesTable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "AuthorizationRules.xml")
	doc := `<Rules><Rule><Id>0</Id><Name>a&#9;b&#x9b;2Jc&#x202e;d</Name><UserCanonicalForm>D\u&#x85;x</UserCanonicalForm>` +
		`<UserType>User</UserType><DestinationCanonicalForm>srv</DestinationCanonicalForm>` +
		`<DestinationType>Computer</DestinationType><ConfigurationName>*</ConfigurationName></Rule></Rules>`
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "get-escaped", runRule(t, file, "get").String())
}

// TestRuleCLIBadFileExcerpt: a rules path symlinked to a key file shows in
// `rule get` as a short excerpt, not the key.
func TestRuleCLIBadFileExcerpt(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "key.pem")
	pem := "-----BEGIN PRIVATE KEY-----\n" + strings.Repeat("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n", 20) +
		"-----END PRIVATE KEY-----\n"
	if err := os.WriteFile(key, []byte(pem), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "AuthorizationRules.xml")
	if err := os.Symlink(key, file); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "bad-file-key", runRule(t, file, "get").String())
}

// TestRuleCLINonRegularFile: `rule add` and `rule remove` on a FIFO end at
// once with an error naming the path and what it is (they hung before).
func TestRuleCLINonRegularFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "AuthorizationRules.xml")
	if err := syscall.Mkfifo(file, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"add", "--user", `D\u`, "--computer", "*", "--configuration", "*"},
		{"remove", "--id", "0"},
		{"get"},
	} {
		done := make(chan cliResult, 1)
		go func() { done <- runRule(t, file, args...) }()
		select {
		case got := <-done:
			if got.code != 2 || !strings.Contains(got.stderr, `"RULES": not a regular file: it is a named pipe (FIFO)`) {
				t.Errorf("rule %s on a FIFO: %s", args[0], got)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("rule %s on a FIFO hung", args[0])
		}
	}
}

// TestRuleCLIDeletedFile: `rule add` on a deleted rules file refuses and
// says what is in force, unless --create.
func TestRuleCLIDeletedFile(t *testing.T) {
	t.Setenv("PSGATE_RULES_FILE", "")
	file := filepath.Join(t.TempDir(), "AuthorizationRules.xml")
	add := []string{"add", "--user", `D\u`, "--computer", "*", "--configuration", "*"}
	for range 2 {
		if got := runRule(t, file, add...); got.code != 0 {
			t.Fatal(got)
		}
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	got := runRule(t, file, add...)
	for _, want := range []string{"rules file is missing but psgate wrote it before", "RULES.bak holds 1 rule",
		"the last write left 2 rules at", "gateways keep the rules they last loaded", "--create"} {
		if got.code != 2 || !strings.Contains(got.stderr, want) {
			t.Errorf("add on a deleted file: want exit 2 saying %q:\n%s", want, got)
		}
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("a new rules file was written: %v", err)
	}
	if got := runRule(t, file, append(add, "--create")...); got.code != 0 {
		t.Errorf("add --create: %s", got)
	}
}

// TestDemoReadyzRulesFIFO: with a FIFO in place of the rules file, /readyz
// answers at once and says "not ready: rules" (the old code hung the
// request and then said ready); the next good file makes it ready again.
func TestDemoReadyzRulesFIFO(t *testing.T) {
	d := startDemo(t, "pw-readyz-fifo")
	file := filepath.Join(filepath.Dir(d.tokenFile), "AuthorizationRules.xml")
	good, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	c := demoClient(t)
	c.Timeout = 5 * time.Second
	if code, body := getPage(t, c, d.base+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz with good rules: %d %q", code, body)
	}
	swap := func(mk func(tmp string) error) {
		tmp := file + ".new"
		if err := mk(tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, file); err != nil {
			t.Fatal(err)
		}
	}
	swap(func(tmp string) error { return syscall.Mkfifo(tmp, 0o644) })
	for range 2 {
		if code, body := getPage(t, c, d.base+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "rules") {
			t.Errorf("/readyz with a FIFO as rules file: %d %q, want 503 naming the rules", code, body)
		}
	}
	swap(func(tmp string) error { return os.WriteFile(tmp, good, 0o644) })
	if code, body := getPage(t, c, d.base+"/readyz"); code != http.StatusOK {
		t.Errorf("/readyz after the good file is back: %d %q", code, body)
	}
}
