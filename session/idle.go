package session

import (
	"context"
	"time"
)

// The idle timer is lazy: activity only records its time; the one pending
// timer, when it fires, works out whether to warn, expire or re-arm. So a
// keystroke costs no timer operation.

// touchLocked records user activity; s.mu is held.
func (s *Session) touchLocked() {
	s.lastActivity = s.m.cfg.Clock.Now()
	s.warned = false
}

// scheduleIdleLocked arms the timer for the next warning or expiry.
func (s *Session) scheduleIdleLocked(now time.Time) {
	cfg := &s.m.cfg
	deadline := s.lastActivity.Add(cfg.IdleTimeout)
	next := deadline
	if cfg.warningOn() && !s.warned {
		next = deadline.Add(-cfg.IdleWarning)
	}
	s.timer = cfg.Clock.AfterFunc(max(next.Sub(now), 0), s.onIdleTimer)
}

// onIdleTimer warns, expires the session, or re-arms after activity.
func (s *Session) onIdleTimer() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	cfg := &s.m.cfg
	now := cfg.Clock.Now()
	deadline := s.lastActivity.Add(cfg.IdleTimeout)
	if !now.Before(deadline) {
		s.mu.Unlock()
		s.end(context.Background(), ReasonIdleTimeout, false)
		return
	}
	if cfg.warningOn() && !s.warned && !now.Before(deadline.Add(-cfg.IdleWarning)) {
		s.warned = true
		left := deadline.Sub(now)
		s.deliverLocked(Update{Kind: UpdateIdleWarning, Seconds: int((left + time.Second - 1) / time.Second)})
	}
	s.scheduleIdleLocked(now)
	s.mu.Unlock()
}
