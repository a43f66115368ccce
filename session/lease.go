package session

import "context"

// scheduleHeartbeatLocked arms the next lease renewal; m.mu is held.
func (m *Manager) scheduleHeartbeatLocked() {
	m.heartbeat = m.cfg.Clock.AfterFunc(m.cfg.Lease/3, m.beat)
}

// beat renews the leases of this node's sessions, then re-arms itself.
func (m *Manager) beat() {
	m.mu.Lock()
	if m.shut {
		m.mu.Unlock()
		return
	}
	m.bg.Add(1)
	m.mu.Unlock()
	defer m.bg.Done()
	m.refresh()
	m.mu.Lock()
	if !m.shut {
		m.scheduleHeartbeatLocked()
	}
	m.mu.Unlock()
}

// refresh writes this node's live sessions to the registry with a new lease.
func (m *Manager) refresh() {
	infos := m.localInfos(Filter{})
	if len(infos) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.cfg.Lease/3)
	defer cancel()
	if err := m.cfg.Registry.Refresh(ctx, infos, m.cfg.Lease); err != nil {
		m.log.Warn("renewing session leases", "sessions", len(infos), "err", err)
	}
}
