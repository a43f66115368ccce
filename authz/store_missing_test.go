package authz

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStoreRefusesRecreatingDeletedFile: a writer must not silently start a
// one-rule file where psgate wrote rules before (the gateways still hold
// them); the error says what is in force. Recreate allows it.
func TestStoreRefusesRecreatingDeletedFile(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		writes int    // writes before the file is deleted
		want   string // in the error
	}{
		{"after one write (lock stamp)", 1, "the last write left 1 rule at "},
		{"after two writes (.bak)", 2, ".bak holds 1 rule)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "AuthorizationRules.xml")
			s := newStore(t, path, nil)
			for range tc.writes {
				if _, err := s.Add(ctx, rules(`D\a|*|*`)); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			_, err := s.Add(ctx, rules(`D\b|*|*`))
			if !errors.Is(err, ErrRulesFileGone) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("add on the deleted file: %v, want ErrRulesFileGone saying %q", err, tc.want)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a new file was written: %v", err)
			}
			re, err := OpenStore(StoreConfig{Path: path, Recreate: true})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := re.Add(ctx, rules(`D\b|*|*`)); err != nil || re.Policy().Len() != 1 {
				t.Errorf("add with Recreate: %v, %d rules", err, re.Policy().Len())
			}
		})
	}
	// A lock file without a recorded write (a remove that failed on a new
	// install) does not stop the first add.
	path := filepath.Join(t.TempDir(), "AuthorizationRules.xml")
	s := newStore(t, path, nil)
	if _, err := s.Remove(ctx, []int{3}, nil); !errors.Is(err, ErrRuleNotFound) {
		t.Fatalf("remove on a new install: %v", err)
	}
	if _, err := s.Add(ctx, rules(`D\a|*|*`)); err != nil {
		t.Errorf("first add after a failed remove: %v", err)
	}
}
