package session

import (
	"context"
	"time"
)

// flushDelay coalesces the registry updates of state changes (attach,
// detach) so that other nodes list them within about this long.
const flushDelay = 50 * time.Millisecond

// scheduleHeartbeatLocked arms the next lease renewal; m.mu is held.
func (m *Manager) scheduleHeartbeatLocked() {
	m.heartbeat = m.cfg.Clock.AfterFunc(m.cfg.Lease/3, m.beat)
}

// beat renews the leases of this node's sessions, then re-arms itself.
func (m *Manager) beat() {
	if !m.enterBackground() {
		return
	}
	defer m.bg.Done()
	m.refresh(m.localSessions())
	m.mu.Lock()
	if !m.shut {
		m.scheduleHeartbeatLocked()
	}
	m.mu.Unlock()
}

// enterBackground registers background work unless shut down.
func (m *Manager) enterBackground() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.shut {
		return false
	}
	m.bg.Add(1) // under m.mu with !shut: Shutdown's Wait comes later
	return true
}

// markDirty schedules a registry update of s soon (its state changed).
func (m *Manager) markDirty(s *Session) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.shut {
		return
	}
	if m.dirty == nil {
		m.dirty = make(map[*Session]struct{})
	}
	m.dirty[s] = struct{}{}
	if m.flush == nil {
		m.flush = m.cfg.Clock.AfterFunc(flushDelay, m.flushDirty)
	}
}

func (m *Manager) flushDirty() {
	m.mu.Lock()
	dirty := m.dirty
	m.dirty, m.flush = nil, nil
	m.mu.Unlock()
	if !m.enterBackground() {
		return
	}
	defer m.bg.Done()
	ss := make([]*Session, 0, len(dirty))
	for s := range dirty {
		ss = append(ss, s)
	}
	m.refresh(ss)
}

// refresh writes sessions to the registry with a new lease. A session that
// closed meanwhile is released again, so a renewal racing with its close
// cannot leave a record counting against the cap.
func (m *Manager) refresh(ss []*Session) {
	infos := make([]Info, 0, len(ss))
	for _, s := range ss {
		if info := s.Info(); info.State != StateClosed {
			infos = append(infos, info)
		}
	}
	if len(infos) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.cfg.Lease/3)
	defer cancel()
	if err := m.cfg.Registry.Refresh(ctx, infos, m.cfg.Lease); err != nil {
		m.log.Warn("renewing session leases", "sessions", len(infos), "err", err)
	}
	for _, s := range ss {
		if s.isClosed() {
			m.release(s.info.ID)
		}
	}
}

// localSessions returns this node's sessions.
func (m *Manager) localSessions() []*Session {
	m.mu.Lock()
	defer m.mu.Unlock()
	ss := make([]*Session, 0, len(m.sessions))
	for _, s := range m.sessions {
		ss = append(ss, s)
	}
	return ss
}
