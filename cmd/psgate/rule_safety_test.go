package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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
