package session

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/psgate/psgate/audit"
)

// Manager owns this gateway's console sessions. Its methods are safe for
// concurrent use.
type Manager struct {
	cfg Config
	log *slog.Logger

	mu        sync.Mutex
	sessions  map[string]*Session // by ID
	shut      bool
	heartbeat Timer
	dirty     map[*Session]struct{} // state changed since the last flush
	flush     Timer
	stopServe func()
	bg        sync.WaitGroup // heartbeats in flight
}

// OpenRequest describes a new session.
type OpenRequest struct {
	User          string // the signed-in gateway user
	Target        string // computer name or connection URI
	Configuration string // endpoint configuration name
	ClientAddr    string // the browser's address (audit, listing)
}

// NewManager validates cfg, applies its defaults, subscribes to the admin
// commands for cfg.Node and starts renewing the leases of its sessions.
func NewManager(cfg Config) (*Manager, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	m := &Manager{cfg: cfg, log: cfg.Logger.With("node", cfg.Node), sessions: make(map[string]*Session)}
	stop, err := cfg.Registry.Serve(cfg.Node, m.handle)
	if err != nil {
		return nil, fmt.Errorf("starting session manager on node %q: %w", cfg.Node, err)
	}
	m.stopServe = stop
	m.mu.Lock()
	m.scheduleHeartbeatLocked()
	m.mu.Unlock()
	return m, nil
}

// Open reserves a cap slot for req.User in the registry (ErrCapReached when
// the user is at the cap, with audit event 260), then opens the shell. The
// slot is released when the shell cannot be opened. The new session is
// disconnected until a client attaches.
func (m *Manager) Open(ctx context.Context, req OpenRequest, open Opener) (*Session, error) {
	if m.isShut() {
		return nil, fmt.Errorf("opening session for %q: %w", req.User, ErrShutdown)
	}
	s, err := m.reserve(ctx, req)
	if err != nil {
		return nil, err
	}
	shell, err := open(ctx, s.emit)
	if err != nil {
		m.release(s.info.ID)
		return nil, fmt.Errorf("opening shell on %q for %q: %w", req.Target, req.User, err)
	}
	m.mu.Lock()
	shut := m.shut
	if !shut {
		m.sessions[s.info.ID] = s
	}
	m.mu.Unlock()
	if shut {
		_ = shell.Close()
		m.release(s.info.ID)
		return nil, fmt.Errorf("opening session for %q: %w", req.User, ErrShutdown)
	}
	m.audit(audit.Record{Event: audit.SessionStart}, s.info)
	m.log.Info("session started", "session", s.info.Name, "user", req.User, "target", req.Target)
	s.start(shell)
	return s, nil
}

// maxNameProbes is how many "user.yyMMdd.HHmmss[.N]" names Open tries
// before it names the session after its ID.
const maxNameProbes = 100

// reserve builds the session and takes its cap slot under a free name.
func (m *Manager) reserve(ctx context.Context, req OpenRequest) (*Session, error) {
	now := m.cfg.Clock.Now()
	info := Info{
		ID: newID(), User: req.User, Target: req.Target, Configuration: req.Configuration,
		State: StateDisconnected, Node: m.cfg.Node, Created: now, LastActivity: now, ClientAddr: req.ClientAddr,
	}
	base := req.User + "." + now.Format("060102.150405")
	for n := 1; ; n++ {
		switch {
		case n == 1:
			info.Name = base
		case n <= maxNameProbes:
			info.Name = fmt.Sprintf("%s.%d", base, n)
		default:
			// More opens by one user in one second than probes (a script
			// with a high cap): the ID makes the name unique.
			info.Name = base + "." + info.ID[:12]
		}
		err := m.cfg.Registry.Reserve(ctx, info, m.cfg.MaxPerUser, m.cfg.Lease)
		switch {
		case err == nil:
			return newSession(m, info), nil
		case errors.Is(err, ErrNameTaken) && n <= maxNameProbes:
			continue
		case errors.Is(err, ErrCapReached):
			m.cfg.Audit(audit.Record{Event: audit.SessionLimitReached, Time: now, User: req.User, Target: req.Target,
				Configuration: req.Configuration, ClientAddr: req.ClientAddr, Node: m.cfg.Node,
				Detail: "max " + strconv.Itoa(m.cfg.MaxPerUser)})
			return nil, fmt.Errorf("opening session for %q: %w", req.User, err)
		default:
			return nil, fmt.Errorf("opening session for %q: %w", req.User, err)
		}
	}
}

// Get returns this node's session id if user (case-insensitive) owns it.
// A session of another user, or on another node, is ErrNotFound: the
// caller learns nothing about its existence.
func (m *Manager) Get(id, user string) (*Session, error) {
	m.mu.Lock()
	s, ok := m.sessions[id]
	m.mu.Unlock()
	if !ok || !strings.EqualFold(s.info.User, user) {
		return nil, fmt.Errorf("getting session %q for %q: %w", id, user, ErrNotFound)
	}
	return s, nil
}

// Attach is Get followed by Session.Attach.
func (m *Manager) Attach(id, user string, c Client) (*Session, func(), error) {
	s, err := m.Get(id, user)
	if err != nil {
		return nil, nil, err
	}
	detach, err := s.Attach(c)
	if err != nil {
		return nil, nil, err
	}
	return s, detach, nil
}

// List returns the sessions of the cluster matching f; this node's own
// sessions are reported live, others as of their node's last renewal.
func (m *Manager) List(ctx context.Context, f Filter) ([]Info, error) {
	reg, err := m.cfg.Registry.List(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("listing sessions: %w", err)
	}
	local := m.localInfos(f)
	out := make([]Info, 0, len(reg)+len(local))
	seen := make(map[string]bool, len(local))
	for _, info := range local {
		seen[info.ID] = true
		out = append(out, info)
	}
	for _, info := range reg {
		if !seen[info.ID] {
			out = append(out, info)
		}
	}
	sortInfos(out)
	return out, nil
}

func (m *Manager) localInfos(f Filter) []Info {
	var out []Info
	for _, s := range m.localSessions() {
		if info := s.Info(); info.State != StateClosed && f.matches(info) {
			out = append(out, info)
		}
	}
	return out
}

// Shutdown closes every session of this node (reason "shutdown"), stops
// serving admin commands and renewing leases, and waits for the shells to
// close or ctx to end.
func (m *Manager) Shutdown(ctx context.Context) error {
	ss := m.stop()
	for _, s := range ss {
		go s.end(ctx, ReasonShutdown, false)
	}
	hb := make(chan struct{})
	go func() { m.bg.Wait(); close(hb) }()
	for _, s := range ss {
		select {
		case <-s.done:
		case <-ctx.Done():
			return fmt.Errorf("shutting down sessions of node %q: %w", m.cfg.Node, ctx.Err())
		}
	}
	select {
	case <-hb:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("shutting down sessions of node %q: %w", m.cfg.Node, ctx.Err())
	}
}

// stop marks the manager shut and returns its sessions.
func (m *Manager) stop() []*Session {
	m.mu.Lock()
	if m.shut {
		m.mu.Unlock()
		return nil
	}
	m.shut = true
	if m.heartbeat != nil {
		m.heartbeat.Stop()
	}
	if m.flush != nil {
		m.flush.Stop()
	}
	ss := make([]*Session, 0, len(m.sessions))
	for _, s := range m.sessions {
		ss = append(ss, s)
	}
	m.mu.Unlock()
	m.stopServe()
	return ss
}

func (m *Manager) isShut() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.shut
}

// remove forgets a closed session.
func (m *Manager) remove(id string) {
	m.mu.Lock()
	delete(m.sessions, id)
	if len(m.sessions) == 0 { // maps never shrink: give the memory back
		m.sessions = make(map[string]*Session)
	}
	m.mu.Unlock()
}

// release frees a registry slot, bounded in time.
func (m *Manager) release(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.cfg.Registry.Release(ctx, id); err != nil {
		m.log.Warn("releasing session in registry", "session", id, "err", err)
	}
}

// audit sends ev completed from info.
func (m *Manager) audit(ev audit.Record, info Info) {
	ev.Time = m.cfg.Clock.Now().UTC()
	ev.Session, ev.SessionName, ev.User = info.ID, info.Name, info.User
	ev.Target, ev.Configuration, ev.ClientAddr, ev.Node = info.Target, info.Configuration, info.ClientAddr, info.Node
	m.cfg.Audit(ev)
}

// newID returns a random 128-bit session ID (hex).
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// Stats counts this node's sessions by state, for metrics.
type Stats struct {
	Active       int
	Disconnected int
}

// MaxPerUser is the per-user session cap in force (Config.MaxPerUser after
// its default), for pages that tell the user the limit.
func (m *Manager) MaxPerUser() int { return m.cfg.MaxPerUser }

// Stats returns the current counts of this node's sessions.
func (m *Manager) Stats() Stats {
	var st Stats
	for _, info := range m.localInfos(Filter{}) {
		switch info.State {
		case StateActive:
			st.Active++
		case StateDisconnected:
			st.Disconnected++
		}
	}
	return st
}
