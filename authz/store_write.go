package authz

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"time"

	"github.com/psgate/psgate/internal/atomicfile"
)

// Update changes the rules file: under the exclusive lock it re-reads the
// file, calls fn with its rules (sorted by Id), validates what fn returns and
// writes it atomically (temp file in the same folder, fsync, rename, fsync of
// the folder), keeping the previous file as Path+".bak". A file that does not
// load is never overwritten: Update returns the load error. A missing file
// counts as empty when it was never written; one that was (ErrRulesFileGone)
// only with StoreConfig.Recreate. Temp files that an interrupted writer left
// are removed first. fn must not keep the slice.
func (s *Store) Update(ctx context.Context, fn func([]Rule) ([]Rule, error)) error {
	lk, err := lockFile(ctx, s.cfg.Path+".lock")
	if err != nil {
		return err
	}
	defer lk.unlock()
	s.removeStaleTemps()
	r := s.readBounded(ctx)
	if r.err != nil && !errors.Is(r.err, ErrNoRulesFile) {
		return fmt.Errorf("refusing to change a rules file that does not load (fix it or restore %s.bak): %w",
			s.cfg.Path, r.err)
	}
	if r.err != nil && !s.cfg.Recreate {
		if err := s.checkNeverWritten(lk); err != nil {
			return err
		}
	}
	rules := r.rules
	slices.SortFunc(rules, func(a, b Rule) int { return a.ID - b.ID })
	next, err := fn(rules)
	if err != nil {
		return err
	}
	if err := checkRules(next); err != nil {
		return err
	}
	mode := s.cfg.FileMode
	if r.fi != nil {
		mode = r.fi.Mode().Perm()
	}
	if err := s.write(next, r.fi != nil, mode); err != nil {
		return err
	}
	if err := lk.stampWrite(len(next), time.Now()); err != nil {
		s.cfg.Logger.Warn("rules written; the lock file does not record it", "rules_file", s.cfg.Path, "error", err)
	}
	s.Policy()
	return nil
}

// removeStaleTemps removes the temp files that a writer killed between
// creating and renaming one left beside the rules file (under the lock).
func (s *Store) removeStaleTemps() { atomicfile.RemoveStaleTemps(s.cfg.Path, s.cfg.Logger) }

// checkRules validates every rule and the uniqueness of Ids.
func checkRules(rules []Rule) error {
	seen := make(map[int]bool, len(rules))
	for _, r := range rules {
		if err := r.Validate(); err != nil {
			return err
		}
		if seen[r.ID] {
			return fmt.Errorf("rule %d: %w: duplicate Id", r.ID, ErrBadValue)
		}
		seen[r.ID] = true
	}
	return nil
}

// write replaces the file atomically, keeping a backup of the old one.
func (s *Store) write(rules []Rule, exists bool, mode fs.FileMode) error {
	var buf bytes.Buffer
	if err := Encode(&buf, rules); err != nil {
		return fmt.Errorf("encoding rules: %w", err)
	}
	if err := atomicfile.WriteFile(s.cfg.Path, buf.Bytes(), mode, exists); err != nil {
		return fmt.Errorf("writing rules: %w", err)
	}
	return nil
}
