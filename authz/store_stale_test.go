package authz

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStoreRemovesStaleTemps: temp files a killed writer left (exactly
// write's pattern, regular files) are removed by the next write; nothing else
// is touched.
func TestStoreRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "AuthorizationRules.xml")
	stale := []string{".AuthorizationRules.xml.tmp-1", ".AuthorizationRules.xml.tmp-4294967295"}
	keep := []string{".AuthorizationRules.xml.tmp-", ".AuthorizationRules.xml.tmp-12x", ".Other.xml.tmp-5",
		"AuthorizationRules.xml.tmp-5", ".AuthorizationRules.xml.tmp-7.bak"}
	for _, n := range append(append([]string{}, stale...), keep...) {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("<Rules"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A symlink or folder of the pattern is not ours either.
	link := ".AuthorizationRules.xml.tmp-8"
	if err := os.Symlink(filepath.Join(dir, ".Other.xml.tmp-5"), filepath.Join(dir, link)); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, ".AuthorizationRules.xml.tmp-9"), 0o755); err != nil {
		t.Fatal(err)
	}
	keep = append(keep, link, ".AuthorizationRules.xml.tmp-9")
	var log bytes.Buffer
	s := newStore(t, path, &log)
	if _, err := s.Add(context.Background(), rules(`D\a|*|*`)); err != nil {
		t.Fatal(err)
	}
	for _, n := range stale {
		if _, err := os.Lstat(filepath.Join(dir, n)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("stale %s not removed: %v", n, err)
		}
		if !strings.Contains(log.String(), n) {
			t.Errorf("removal of %s not logged", n)
		}
	}
	for _, n := range keep {
		if _, err := os.Lstat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s removed: %v", n, err)
		}
	}
}
