package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// TempPrefix starts the names of WriteFile's temp files beside path
// (os.CreateTemp puts decimal digits after it).
func TempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// WriteFile replaces path atomically with data: a temp file in the same
// folder, chmod mode, fsync, rename, fsync of the folder. With backup the
// file being replaced becomes path+".bak" first (a hard link, else a copy).
// A failed write removes its temp file and leaves path as it was.
func WriteFile(path string, data []byte, mode fs.FileMode, backup bool) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, TempPrefix(path)+"*")
	if err != nil {
		return fmt.Errorf("writing %q: %w", path, err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("writing %q: %w", tmp.Name(), err)
	}
	if err := tmp.Chmod(mode); err != nil {
		return fmt.Errorf("writing %q: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("writing %q: fsync: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %q: %w", tmp.Name(), err)
	}
	if backup {
		if err := Backup(path); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %q: %w", path, err)
	}
	ok = true
	return SyncDir(dir)
}

// Backup makes path+".bak" the current file (a hard link, else a copy),
// replacing the previous backup atomically.
func Backup(path string) error {
	bak := path + ".bak"
	tmp := bak + ".tmp"
	os.Remove(tmp)
	if err := os.Link(path, tmp); err != nil {
		data, rerr := os.ReadFile(path)
		if rerr != nil {
			return fmt.Errorf("backing up %q: %w", path, rerr)
		}
		if werr := os.WriteFile(tmp, data, 0o600); werr != nil {
			return fmt.Errorf("backing up to %q: %w", tmp, werr)
		}
	}
	if err := os.Rename(tmp, bak); err != nil {
		return fmt.Errorf("backing up to %q: %w", bak, err)
	}
	return nil
}

// SyncDir fsyncs a folder, so that a rename in it is durable.
func SyncDir(dir string) error {
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

// RemoveStaleTemps removes the temp files that a writer killed between
// creating and renaming one left beside path. Call it under the lock, where
// no writer is between the two, so every file of exactly WriteFile's
// pattern is stale; nothing else (no symlink, no other name) is touched.
func RemoveStaleTemps(path string, log *slog.Logger) {
	dir, prefix := filepath.Dir(path), TempPrefix(path)
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
			log.Warn("stale temp file not removed", "file", name, "error", err)
			continue
		}
		log.Info("removed a stale temp file", "file", name)
	}
}
