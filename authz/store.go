package authz

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// StoreConfig configures a Store.
type StoreConfig struct {
	// Path is the AuthorizationRules.xml file. Required.
	Path string
	// Logger receives load errors and reloads. Default: a logger that
	// discards everything.
	Logger *slog.Logger
	// Options describe the gateway to the evaluator (see Options).
	Options Options
	// FileMode is the mode of a newly created rules file. Default 0644; an
	// existing file keeps its mode.
	FileMode fs.FileMode
}

func (c *StoreConfig) setDefaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.FileMode == 0 {
		c.FileMode = 0o644
	}
	c.Options.setDefaults()
}

func (c *StoreConfig) validate() error {
	if c.Path == "" {
		return errors.New("rules store: Path is required")
	}
	return nil
}

// Store is the shared AuthorizationRules.xml file. Readers keep the parsed
// rules in memory and notice changes (from this host or another sharing the
// file) by a stat on each use; writers change the file atomically under an
// exclusive lock on Path+".lock". It is safe for concurrent use.
type Store struct {
	cfg  StoreConfig
	mu   sync.Mutex // serialises reloads
	snap atomic.Pointer[snapshot]
}

// snapshot is one loaded state: the last good policy and the state of the
// file it was last compared with.
type snapshot struct {
	policy *Policy
	sig    fileSig
	err    error // why the file at sig is not in force (nil: it is)
}

// fileSig identifies a version of the file cheaply: device, inode, size and
// modification time. The zero value means "no file".
type fileSig struct {
	dev, ino uint64
	size     int64
	mtime    int64 // ns
	ok       bool
}

// sigOf is the fileSig of a FileInfo from Stat (nil: no file).
func sigOf(fi fs.FileInfo) fileSig {
	if fi == nil {
		return fileSig{}
	}
	sg := fileSig{size: fi.Size(), mtime: fi.ModTime().UnixNano(), ok: true}
	sg.dev, sg.ino = devIno(fi)
	return sg
}

// OpenStore returns a store on cfg.Path and loads it. A missing or invalid
// file is not an error here: the store then denies everything (or keeps the
// last good rules) and reports the problem through Err.
func OpenStore(cfg StoreConfig) (*Store, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Store{cfg: cfg}
	s.snap.Store(&snapshot{policy: NewPolicy(nil, cfg.Options), err: errNotLoaded})
	s.Policy()
	return s, nil
}

var errNotLoaded = errors.New("not loaded yet")

// Path returns the rules file path.
func (s *Store) Path() string { return s.cfg.Path }

// Policy returns the rules in force, reloading the file first when its
// inode, size or modification time changed.
func (s *Store) Policy() *Policy {
	cur := s.snap.Load()
	sig, err := statSig(s.cfg.Path)
	if err == nil && cur.sig == sig {
		return cur.policy
	}
	if err != nil && !cur.sig.ok && cur.err != errNotLoaded {
		return cur.policy // still missing or unreadable; already reported
	}
	return s.reload()
}

// Err returns why the file on disk is not the rules in force (missing,
// unreadable, or a parse error naming rule, element and value), or nil.
func (s *Store) Err() error {
	s.Policy()
	return s.snap.Load().err
}

// Decide evaluates req against the rules in force.
func (s *Store) Decide(req Request) Decision { return s.Policy().Decide(req) }

// Explain evaluates req against every rule in force, with reasons.
func (s *Store) Explain(req Request) Decision { return s.Policy().Explain(req) }

// reload re-reads the file; on failure the last good policy stays in force.
// While one goroutine loads, the others keep deciding with the rules in
// force instead of queueing behind it (or loading the same file again).
func (s *Store) reload() *Policy {
	if !s.mu.TryLock() {
		return s.snap.Load().policy
	}
	defer s.mu.Unlock()
	cur := s.snap.Load()
	if sig, err := statSig(s.cfg.Path); err == nil && cur.err != errNotLoaded && cur.sig == sig {
		return cur.policy // loaded by another goroutine meanwhile
	}
	rules, fi, err := readRules(s.cfg.Path)
	if fi != nil && cur.err != errNotLoaded && cur.sig == sigOf(fi) {
		return cur.policy // another goroutine already loaded this version
	}
	next := &snapshot{policy: cur.policy, sig: sigOf(fi), err: err}
	if err != nil {
		s.cfg.Logger.Error("rules file not loaded; keeping the last good rules",
			"rules_file", s.cfg.Path, "rules", cur.policy.Len(), "error", err)
	} else {
		next.policy = NewPolicy(rules, s.cfg.Options)
		s.cfg.Logger.Info("rules file loaded", "rules_file", s.cfg.Path, "rules", len(rules))
	}
	s.snap.Store(next)
	return next.policy
}

// readRules reads and parses the file, returning the stat of the very file
// it read.
func readRules(path string) ([]Rule, fs.FileInfo, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("loading rules %q: %w", path, ErrNoRulesFile)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("loading rules: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("loading rules: %w", err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fi, fmt.Errorf("loading rules %q: %w", path, err)
	}
	rules, err := DecodeBytes(data)
	if err != nil {
		return nil, fi, fmt.Errorf("loading rules %q: %w", path, err)
	}
	return rules, fi, nil
}

// lockPoll is how often a writer retries a held lock.
const lockPoll = 2 * time.Millisecond
