package local

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
)

// Add creates a user with password and groups.
func (s *Store) Add(name, password string, groups []string) error {
	if err := checkName("user", name); err != nil {
		return err
	}
	if err := s.checkGroups(groups); err != nil {
		return err
	}
	hash, err := s.newHash(name, password)
	if err != nil {
		return err
	}
	return s.change(func(users []entry) ([]entry, error) {
		if indexOf(users, name) >= 0 {
			return nil, fmt.Errorf("adding user %q: %w", name, ErrExists)
		}
		return append(users, entry{Name: name, Hash: hash, Groups: slices.Clone(groups)}), nil
	})
}

// Remove deletes a user.
func (s *Store) Remove(name string) error {
	return s.change(func(users []entry) ([]entry, error) {
		i := indexOf(users, name)
		if i < 0 {
			return nil, fmt.Errorf("removing user %q: %w", name, ErrNotFound)
		}
		return slices.Delete(users, i, i+1), nil
	})
}

// SetPassword replaces a user's password (with the configured algorithm).
func (s *Store) SetPassword(name, password string) error {
	hash, err := s.newHash(name, password)
	if err != nil {
		return err
	}
	return s.update(name, func(e *entry) { e.Hash = hash })
}

// SetGroups replaces a user's groups.
func (s *Store) SetGroups(name string, groups []string) error {
	if err := s.checkGroups(groups); err != nil {
		return err
	}
	return s.update(name, func(e *entry) { e.Groups = slices.Clone(groups) })
}

// SetDisabled disables or enables a user.
func (s *Store) SetDisabled(name string, disabled bool) error {
	return s.update(name, func(e *entry) { e.Disabled = disabled })
}

func (s *Store) update(name string, f func(*entry)) error {
	return s.change(func(users []entry) ([]entry, error) {
		i := indexOf(users, name)
		if i < 0 {
			return nil, fmt.Errorf("changing user %q: %w", name, ErrNotFound)
		}
		f(&users[i])
		return users, nil
	})
}

func (s *Store) checkGroups(groups []string) error {
	for _, g := range groups {
		if err := checkName("group", g); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) newHash(name, password string) (string, error) {
	if len(password) < s.cfg.MinPasswordLength {
		return "", fmt.Errorf("password of %q: %w (minimum %d characters)", name, ErrWeakPassword, s.cfg.MinPasswordLength)
	}
	return hashPassword(s.cfg.Algorithm, password, s.cfg.Params, s.cfg.BcryptCost)
}

func indexOf(users []entry, name string) int {
	return slices.IndexFunc(users, func(e entry) bool { return asciiLower(e.Name) == asciiLower(name) })
}

// change applies f to the file's current content under the file lock and
// writes the result atomically.
func (s *Store) change(f func([]entry) ([]entry, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	unlock, err := lockFile(s.cfg.Path)
	if err != nil {
		return err
	}
	defer unlock()
	var users []entry
	mode := os.FileMode(0o600)
	data, err := os.ReadFile(s.cfg.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("reading users file: %w", err)
	default:
		if users, err = parse(s.cfg.Path, data); err != nil {
			return err
		}
		if st, err := os.Stat(s.cfg.Path); err == nil {
			mode = st.Mode().Perm()
		}
	}
	if users, err = f(users); err != nil {
		return err
	}
	out, err := encode(users)
	if err != nil {
		return fmt.Errorf("encoding users file: %w", err)
	}
	if err := writeAtomic(s.cfg.Path, out, mode); err != nil {
		return err
	}
	st, err := os.Stat(s.cfg.Path)
	if err != nil {
		return fmt.Errorf("reading users file: %w", err)
	}
	s.cur.Store(newSnapshot(users, st))
	return nil
}
