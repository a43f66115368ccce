package local

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
)

// Config configures a Store.
type Config struct {
	// Path of the users file. Required.
	Path string
	// Create makes New start from an empty user list when Path does not
	// exist (the file is written by the first change). Default false: a
	// missing file is an error.
	Create bool
	// Algorithm for new hashes: "argon2id" (default) or "bcrypt".
	Algorithm string
	// Params for new argon2id hashes. Default DefaultParams.
	Params Params
	// BcryptCost for new bcrypt hashes. Default DefaultBcryptCost (12).
	BcryptCost int
	// MinPasswordLength for Add and SetPassword. Default 8.
	MinPasswordLength int
	// MaxConcurrent bounds password checks in flight (each argon2id check
	// holds Params.Memory). Default 4.
	MaxConcurrent int
	// Logger receives reload errors. Default: discard.
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Algorithm == "" {
		c.Algorithm = "argon2id"
	}
	if c.Params == (Params{}) {
		c.Params = DefaultParams
	}
	if c.BcryptCost == 0 {
		c.BcryptCost = DefaultBcryptCost
	}
	if c.MinPasswordLength == 0 {
		c.MinPasswordLength = 8
	}
	if c.MaxConcurrent == 0 {
		c.MaxConcurrent = 4
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

func (c *Config) validate() error {
	var errs []error
	if c.Path == "" {
		errs = append(errs, errors.New("users file path is empty"))
	}
	if c.Algorithm != "argon2id" && c.Algorithm != "bcrypt" {
		errs = append(errs, fmt.Errorf("algorithm %q: want argon2id or bcrypt", c.Algorithm))
	}
	if err := c.Params.validate(); err != nil {
		errs = append(errs, err)
	}
	if c.BcryptCost < 4 || c.BcryptCost > 31 {
		errs = append(errs, fmt.Errorf("bcrypt cost %d: want 4..31", c.BcryptCost))
	}
	if c.MaxConcurrent < 0 || c.MinPasswordLength < 0 {
		errs = append(errs, errors.New("negative MaxConcurrent or MinPasswordLength"))
	}
	return errors.Join(errs...)
}

// User is one account as callers see it (never the hash).
type User struct {
	Name      string   `json:"name"`
	Groups    []string `json:"groups"`
	Disabled  bool     `json:"disabled"`
	Algorithm string   `json:"algorithm"` // "argon2id" or "bcrypt"
}

// snapshot is the loaded file: swapped whole on reload.
type snapshot struct {
	users map[string]entry // by lower-case name
	order []entry
	info  os.FileInfo // nil when the file does not exist yet

	dummyOnce sync.Once
	dummy     string // hash checked for unknown names (Store.dummyFor)
}

// Store is a users file. Its methods are safe for concurrent use.
type Store struct {
	cfg   Config
	cur   atomic.Pointer[snapshot]
	mu    sync.Mutex // serialises writers in this process
	sem   chan struct{}
	dummy string // hash checked for unknown users of an empty file

	dummyMu sync.Mutex
	dummies map[string]string // dummy hash by cost (costOf), kept across reloads
}

// Open opens an existing users file with the default Config.
func Open(path string) (*Store, error) { return New(Config{Path: path}) }

// New loads cfg.Path.
func New(cfg Config) (*Store, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("localusers config: %w", err)
	}
	s := &Store{cfg: cfg, sem: make(chan struct{}, cfg.MaxConcurrent)}
	var err error
	if s.dummy, err = hashPassword(cfg.Algorithm, "psgate-dummy-password", cfg.Params, cfg.BcryptCost); err != nil {
		return nil, err
	}
	snap, err := s.load()
	if err != nil {
		return nil, err
	}
	s.cur.Store(snap)
	return s, nil
}

// load reads the file; a missing file is empty when cfg.Create is set.
func (s *Store) load() (*snapshot, error) {
	data, err := os.ReadFile(s.cfg.Path)
	if errors.Is(err, fs.ErrNotExist) && s.cfg.Create {
		return newSnapshot(nil, nil), nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading users file: %w", err)
	}
	st, err := os.Stat(s.cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("reading users file: %w", err)
	}
	users, err := parse(s.cfg.Path, data)
	if err != nil {
		return nil, err
	}
	if m := st.Mode().Perm(); m&0o026 != 0 {
		// Others may read the hashes (offline guessing), or group/others
		// may write accounts in: said at every load, not refused, so that a
		// running gateway keeps its users.
		s.cfg.Logger.Warn("users file is readable by others or writable by group/others; chmod 600 (or 640 for a service group)",
			"file", s.cfg.Path, "mode", fmt.Sprintf("%04o", m))
	}
	return newSnapshot(users, st), nil
}

func newSnapshot(users []entry, info os.FileInfo) *snapshot {
	snap := &snapshot{users: make(map[string]entry, len(users)), order: users, info: info}
	for _, u := range users {
		snap.users[asciiLower(u.Name)] = u
	}
	return snap
}

// refresh reloads the file when it changed on disk since the last load; a
// bad file is logged and the last good users stay in force.
func (s *Store) refresh() {
	st, err := os.Stat(s.cfg.Path)
	cur := s.cur.Load()
	if err != nil || (cur.info != nil && os.SameFile(st, cur.info) &&
		st.ModTime().Equal(cur.info.ModTime()) && st.Size() == cur.info.Size()) {
		return
	}
	snap, err := s.load()
	if err != nil {
		s.cfg.Logger.Error("users file not reloaded; keeping the last good users", "file", s.cfg.Path, "error", err)
		return
	}
	s.cur.Store(snap)
}

// Reload re-reads the file now.
func (s *Store) Reload() error {
	snap, err := s.load()
	if err != nil {
		return err
	}
	s.cur.Store(snap)
	return nil
}

// List returns every user in file order.
func (s *Store) List() []User {
	s.refresh()
	var out []User
	for _, e := range s.cur.Load().order {
		out = append(out, toUser(e))
	}
	return out
}

// Lookup returns the user of that name (case-insensitive) without checking
// a password.
func (s *Store) Lookup(name string) (User, error) {
	s.refresh()
	e, ok := s.cur.Load().users[asciiLower(name)]
	if !ok {
		return User{}, fmt.Errorf("user %q: %w", name, ErrNotFound)
	}
	return toUser(e), nil
}

func toUser(e entry) User {
	return User{Name: e.Name, Groups: slices.Clone(e.Groups), Disabled: e.Disabled, Algorithm: algorithmOf(e.Hash)}
}
