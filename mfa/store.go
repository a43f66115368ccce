package mfa

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/psgate/psgate/internal/atomicfile"
)

// StoreConfig configures a Store.
type StoreConfig struct {
	// Path is the factor file (JSON). Required. It is created 0600 on the
	// first write.
	Path string
	// Key seals TOTP secrets (KeySize bytes, ReadKeyFile). Required.
	Key []byte
	// Logger receives load errors (never a factor, secret or code).
	// Default: discard.
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// maxFileSize is the largest factor file read (about 4 KB a user).
const maxFileSize = 64 << 20

// fileVersion is the format of the factor file.
const fileVersion = 1

// file is the factor file.
type file struct {
	Version int              `json:"version"`
	Users   map[string]*User `json:"users"`
}

// User is the second-factor record of one user.
type User struct {
	// Name is the account name when the record was last changed (for
	// people reading the CLI's list; the key is what matches).
	Name    string   `json:"name"`
	Factors []Factor `json:"factors,omitempty"`
	// Recovery are the SHA-256 hashes of the unused recovery codes.
	Recovery []string `json:"recovery,omitempty"`
	// Enrolment is an admin-issued one-time enrolment code, when one is open.
	Enrolment *EnrolmentCode `json:"enrolment,omitempty"`
}

// Factor is one enrolled second factor.
type Factor struct {
	ID      string    `json:"id"`
	Kind    string    `json:"kind"` // "totp"
	Created time.Time `json:"created"`
	// Sealed is the TOTP secret sealed with the store's key.
	Sealed []byte `json:"sealed"`
	// LastStep is the last TOTP time step used: codes of this step and
	// earlier are refused.
	LastStep int64     `json:"last_step,omitempty"`
	LastUsed time.Time `json:"last_used,omitzero"`
}

// EnrolmentCode is a one-time code an admin issued for an enrolment.
type EnrolmentCode struct {
	Hash    string    `json:"hash"`
	Expires time.Time `json:"expires"`
}

// KindTOTP is the Kind of a TOTP factor.
const KindTOTP = "totp"

// Store is the shared factor file. Readers keep the parsed file in memory
// and reload it when its signature changes (another gateway wrote it);
// every change happens under the writers' lock on Path+".lock", re-reads the
// file and replaces it atomically. A file that does not load keeps the last
// good data in force and is never overwritten. Safe for concurrent use.
type Store struct {
	cfg  StoreConfig
	seal *sealer
	mu   sync.Mutex // serialises reloads
	snap atomic.Pointer[snapshot]
}

type snapshot struct {
	f   *file
	sig atomicfile.Sig
	err error
}

// OpenStore returns the store on cfg.Path and loads it; a missing file is
// an empty store, one that does not load is an error.
func OpenStore(cfg StoreConfig) (*Store, error) {
	if cfg.Path == "" {
		return nil, errors.New("mfa store: Path is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	sl, err := newSealer(cfg.Key)
	if err != nil {
		return nil, err
	}
	s := &Store{cfg: cfg, seal: sl}
	f, fi, err := readFile(cfg.Path)
	if err != nil {
		return nil, err
	}
	s.snap.Store(&snapshot{f: f, sig: atomicfile.SigOf(fi)})
	return s, nil
}

// Err reports why the file on disk is not the data in force, or nil.
func (s *Store) Err() error { s.current(); return s.snap.Load().err }

// current returns the data in force, reloading when the file changed; a
// file that does not load keeps the last good data (and is logged once).
func (s *Store) current() *file {
	cur := s.snap.Load()
	sig, err := atomicfile.StatSig(s.cfg.Path)
	if err != nil && errors.Is(err, fs.ErrNotExist) {
		sig = atomicfile.Sig{}
	}
	if sig == cur.sig {
		return cur.f
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur = s.snap.Load(); sig == cur.sig {
		return cur.f
	}
	f, fi, err := readFile(s.cfg.Path)
	if err != nil {
		s.cfg.Logger.Error("mfa store file not loaded; keeping the last good data", "mfa_file", s.cfg.Path, "error", err)
		s.snap.Store(&snapshot{f: cur.f, sig: atomicfile.SigOf(fi), err: err})
		return cur.f
	}
	s.snap.Store(&snapshot{f: f, sig: atomicfile.SigOf(fi)})
	return f
}

// ErrStoreFileGone marks a factor file that is missing although psgate
// wrote it before (its lock file records a write): read as empty it would drop every
// factor (and, with mode required, let a password alone enrol a new one),
// so the last good data stay in force and writers refuse until the file,
// or its .bak, is restored.
var ErrStoreFileGone = errors.New("mfa store file missing although psgate wrote it")

// readFile reads and parses the factor file; a missing file is empty when
// it was never written (no write recorded in the lock file beside it),
// else ErrStoreFileGone.
func readFile(path string) (*file, fs.FileInfo, error) {
	fh, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		if fi, lerr := os.Stat(path + ".lock"); lerr == nil && fi.Size() > 0 {
			return nil, nil, fmt.Errorf("loading mfa store %q: %w (restore it or %s.bak)", path, ErrStoreFileGone, path)
		}
		return &file{Version: fileVersion, Users: map[string]*User{}}, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("loading mfa store %q: %w", path, err)
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("loading mfa store %q: %w", path, err)
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxFileSize {
		return nil, fi, fmt.Errorf("loading mfa store %q: not a regular file of at most %d bytes", path, maxFileSize)
	}
	data, err := io.ReadAll(io.LimitReader(fh, maxFileSize+1))
	if err != nil {
		return nil, fi, fmt.Errorf("loading mfa store %q: %w", path, err)
	}
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fi, fmt.Errorf("loading mfa store %q: %w", path, err)
	}
	if f.Version != fileVersion {
		return nil, fi, fmt.Errorf("loading mfa store %q: version %d, want %d", path, f.Version, fileVersion)
	}
	if f.Users == nil {
		f.Users = map[string]*User{}
	}
	return &f, fi, nil
}

// update changes the file under the writers' lock: it re-reads the file
// (refusing to replace one that does not load), calls fn and writes the
// result atomically (0600, the previous file kept as Path+".bak"). fn
// returning an error writes nothing.
func (s *Store) update(ctx context.Context, fn func(*file) error) error {
	lk, unlock, err := atomicfile.Lock(ctx, s.cfg.Path+".lock")
	if err != nil {
		return fmt.Errorf("mfa store: %w", err)
	}
	defer unlock()
	atomicfile.RemoveStaleTemps(s.cfg.Path, s.cfg.Logger)
	data, fi, err := readFile(s.cfg.Path)
	if err != nil {
		return fmt.Errorf("refusing to change an mfa store that does not load (fix it or restore %s.bak): %w", s.cfg.Path, err)
	}
	if err := fn(data); err != nil {
		return err
	}
	out, err := json.MarshalIndent(data, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding mfa store: %w", err)
	}
	if err := atomicfile.WriteFile(s.cfg.Path, append(out, '\n'), 0o600, fi != nil); err != nil {
		return fmt.Errorf("mfa store: %w", err)
	}
	stampWrite(lk, s.cfg.Now())
	s.current()
	return nil
}

// stampWrite records in the lock file that the factor file was written, so
// that a factor file deleted later is told apart from one never written.
func stampWrite(lk *os.File, now time.Time) {
	line := "psgate mfa store lock; last write at " + now.UTC().Format(time.RFC3339) + "\n"
	if lk.Truncate(0) == nil {
		lk.WriteAt([]byte(line), 0)
	}
}
