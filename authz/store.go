package authz

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/psgate/psgate/internal/atomicfile"
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
	// MaxFileSize is the largest rules file read, in bytes. Default
	// DefaultMaxFileSize (64 MiB). A larger file is not read: the last good
	// rules stay in force and Err says why.
	MaxFileSize int64
	// ReadTimeout bounds one read of the rules file. Default
	// DefaultReadTimeout (10 s). A read that times out keeps the last good
	// rules; no other read starts until it returns.
	ReadTimeout time.Duration
	// Recreate lets writers start a new file where the rules file is
	// missing although psgate wrote it before (ErrRulesFileGone). Default
	// false: they refuse, as a new file would revoke every rule the gateways
	// still hold.
	Recreate bool
}

func (c *StoreConfig) setDefaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.FileMode == 0 {
		c.FileMode = 0o644
	}
	if c.MaxFileSize <= 0 {
		c.MaxFileSize = DefaultMaxFileSize
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = DefaultReadTimeout
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
	// read reads and parses the file (readRules; tests make it block).
	read func(path string, max int64) ([]Rule, fs.FileInfo, error)
	// stuck counts reads that timed out and have not returned yet.
	stuck atomic.Int32
}

// snapshot is one loaded state: the last good policy and the state of the
// file it was last compared with.
type snapshot struct {
	policy *Policy
	sig    atomicfile.Sig
	err    error // why the file at sig is not in force (nil: it is)
}

// OpenStore returns a store on cfg.Path and loads it. A missing or invalid
// file is not an error here: the store then denies everything (or keeps the
// last good rules) and reports the problem through Err.
func OpenStore(cfg StoreConfig) (*Store, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Store{cfg: cfg, read: readRules}
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
	sig, err := atomicfile.StatSig(s.cfg.Path)
	if err == nil && cur.sig == sig {
		return cur.policy
	}
	if err != nil && !cur.sig.Exists() && cur.err != errNotLoaded {
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
// force instead of queueing behind it (or loading the same file again). The
// read is bounded in size and time, so a reload always ends and never stops
// the next one.
func (s *Store) reload() *Policy {
	if !s.mu.TryLock() {
		return s.snap.Load().policy
	}
	defer s.mu.Unlock()
	cur := s.snap.Load()
	if s.stuck.Load() > 0 && cur.err != errNotLoaded {
		return cur.policy // a read timed out and still hangs; already reported
	}
	if sig, err := atomicfile.StatSig(s.cfg.Path); err == nil && cur.err != errNotLoaded && cur.sig == sig {
		return cur.policy // loaded by another goroutine meanwhile
	}
	r := s.readBounded(context.Background())
	if r.fi != nil && cur.err != errNotLoaded && cur.sig == atomicfile.SigOf(r.fi) {
		return cur.policy // another goroutine already loaded this version
	}
	// A read that timed out has no FileInfo: the zero sig makes the next
	// Policy retry once the stuck read has returned.
	next := &snapshot{policy: cur.policy, sig: atomicfile.SigOf(r.fi), err: r.err}
	if r.err != nil {
		s.cfg.Logger.Error("rules file not loaded; keeping the last good rules",
			"rules_file", s.cfg.Path, "rules", cur.policy.Len(), "error", r.err)
	} else {
		next.policy = NewPolicy(r.rules, s.cfg.Options)
		s.cfg.Logger.Info("rules file loaded", "rules_file", s.cfg.Path, "rules", len(r.rules))
	}
	s.snap.Store(next)
	return next.policy
}
