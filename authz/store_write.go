package authz

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
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

// tempPrefix starts the names of write's temp files (os.CreateTemp puts
// decimal digits after it).
func tempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// removeStaleTemps removes the temp files that a writer killed between
// creating and renaming one left beside the rules file. Update calls it under
// the lock, where no writer is between the two, so every file of exactly
// write's pattern is stale; nothing else (no symlink, no other name) is
// touched.
func (s *Store) removeStaleTemps() {
	dir, prefix := filepath.Dir(s.cfg.Path), tempPrefix(s.cfg.Path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return // the write will report the folder's problem
	}
	for _, e := range entries {
		digits, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || !e.Type().IsRegular() || digits == "" || strings.Trim(digits, "0123456789") != "" {
			continue
		}
		name := filepath.Join(dir, e.Name())
		if err := os.Remove(name); err != nil {
			s.cfg.Logger.Warn("stale rules temp file not removed", "file", name, "error", err)
			continue
		}
		s.cfg.Logger.Info("removed a stale rules temp file", "file", name)
	}
}

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
	path := s.cfg.Path
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tempPrefix(path)+"*")
	if err != nil {
		return fmt.Errorf("writing rules %q: %w", path, err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writing rules %q: %w", tmp.Name(), err)
	}
	if err := tmp.Chmod(mode); err != nil {
		return fmt.Errorf("writing rules %q: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("writing rules %q: fsync: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing rules %q: %w", tmp.Name(), err)
	}
	if exists {
		if err := backup(path); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing rules %q: %w", path, err)
	}
	ok = true
	return syncDir(dir)
}

// backup makes Path+".bak" the current file (a hard link, else a copy),
// replacing the previous backup atomically.
func backup(path string) error {
	bak := path + ".bak"
	tmp := bak + ".tmp"
	os.Remove(tmp)
	if err := os.Link(path, tmp); err != nil {
		data, rerr := os.ReadFile(path)
		if rerr != nil {
			return fmt.Errorf("backing up rules %q: %w", path, rerr)
		}
		if werr := os.WriteFile(tmp, data, 0o600); werr != nil {
			return fmt.Errorf("backing up rules to %q: %w", tmp, werr)
		}
	}
	if err := os.Rename(tmp, bak); err != nil {
		return fmt.Errorf("backing up rules to %q: %w", bak, err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing %q: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("syncing %q: %w", dir, err)
	}
	return nil
}
