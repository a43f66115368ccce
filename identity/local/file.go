package local

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"

	"gopkg.in/yaml.v3"
)

// fileDoc is the on-disk form.
type fileDoc struct {
	Users []entry `yaml:"users"`
}

type entry struct {
	Name     string   `yaml:"name"`
	Hash     string   `yaml:"hash"`
	Groups   []string `yaml:"groups,omitempty"`
	Disabled bool     `yaml:"disabled,omitempty"`
}

// namePattern is what a user or group name may be: it keeps names safe in
// logs, YAML and the rules file.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// asciiLower folds A-Z only: names are ASCII, and Unicode folding would
// let "ALİCE" (dotted capital I) sign in as alice.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func checkName(kind, name string) error {
	if !namePattern.MatchString(name) {
		return fmt.Errorf("%s name %q: %w (1-64 of A-Z a-z 0-9 . _ @ -, starting with a letter or digit)", kind, name, ErrInvalidName)
	}
	return nil
}

// parse decodes and validates a users file, reporting every bad entry.
func parse(path string, data []byte) ([]entry, error) {
	var doc fileDoc
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("users file %s: %w: %v", path, ErrInvalidFile, err)
	}
	var errs []error
	seen := map[string]bool{}
	for i, e := range doc.Users {
		where := fmt.Sprintf("users file %s: entry %d", path, i+1)
		if err := checkName("user", e.Name); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
			continue
		}
		key := asciiLower(e.Name)
		if seen[key] {
			errs = append(errs, fmt.Errorf("%s: duplicate user %q: %w", where, e.Name, ErrInvalidFile))
		}
		seen[key] = true
		if err := checkHash(e.Hash); err != nil {
			errs = append(errs, fmt.Errorf("%s (user %q): %w: %v", where, e.Name, ErrInvalidFile, err))
		}
		for _, g := range e.Groups {
			if err := checkName("group", g); err != nil {
				errs = append(errs, fmt.Errorf("%s (user %q): %w", where, e.Name, err))
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return doc.Users, nil
}

// encode renders users with a header comment.
func encode(users []entry) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("# psgate local users (psgate user add|remove|list|passwd). Hashes: argon2id or bcrypt.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if users == nil {
		users = []entry{}
	}
	if err := enc.Encode(fileDoc{Users: users}); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

// writeAtomic replaces path with data: temp file in the same directory,
// fsync, rename, fsync of the directory; the temp file goes on error.
func writeAtomic(path string, data []byte, mode os.FileMode) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = f.Chmod(mode); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
