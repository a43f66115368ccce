package session

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/psgate/psgate/audit"
)

// adminTimeout bounds a remote reset or logoff when ctx has no deadline.
const adminTimeout = 30 * time.Second

// Reset hard-kills a session anywhere in the cluster, by ID or name (RDS
// `reset session`): the shell is closed at once, without interrupting the
// running command. A session whose gateway no longer answers is removed from
// the registry.
func (m *Manager) Reset(ctx context.Context, idOrName string) error {
	return m.admin(ctx, OpReset, idOrName)
}

// Logoff ends a session anywhere in the cluster gracefully, by ID or name
// (RDS `logoff`): the running command is interrupted, then the shell closed.
func (m *Manager) Logoff(ctx context.Context, idOrName string) error {
	return m.admin(ctx, OpLogoff, idOrName)
}

func (m *Manager) admin(ctx context.Context, op Op, idOrName string) error {
	if s := m.findLocal(idOrName); s != nil {
		return m.endLocal(ctx, op, s)
	}
	info, err := m.cfg.Registry.Lookup(ctx, idOrName)
	if err != nil {
		return fmt.Errorf("%s session %q: %w", op, idOrName, err)
	}
	if info.Node == m.cfg.Node { // ours per the registry, gone locally: a leftover
		return m.releaseLeftover(ctx, op, info)
	}
	res, err := m.cfg.Registry.Call(ctx, info.Node, Command{Op: op, IDs: []string{info.ID}, Timeout: timeoutOf(ctx, adminTimeout)})
	if errors.Is(err, ErrNodeUnreachable) && op == OpReset {
		m.log.Warn("resetting session of an unreachable node: removing its record", "session", info.Name, "owner", info.Node)
		return m.releaseLeftover(ctx, op, info)
	}
	if err != nil {
		return fmt.Errorf("%s session %q on node %q: %w", op, info.Name, info.Node, err)
	}
	if res.Error != "" {
		return fmt.Errorf("%s session %q on node %q: %s", op, info.Name, info.Node, res.Error)
	}
	return nil
}

// releaseLeftover removes the registry record of a session no node holds.
func (m *Manager) releaseLeftover(ctx context.Context, op Op, info Info) error {
	if err := m.cfg.Registry.Release(ctx, info.ID); err != nil {
		return fmt.Errorf("%s session %q: releasing record: %w", op, info.Name, err)
	}
	m.audit(audit.Record{Event: audit.SessionEnd, Reason: string(op)}, info)
	return nil
}

// endLocal resets or logs off a session of this node.
func (m *Manager) endLocal(ctx context.Context, op Op, s *Session) error {
	reason, graceful := ReasonReset, false
	if op == OpLogoff {
		reason, graceful = ReasonLogoff, true
	}
	if !s.end(ctx, reason, graceful) {
		return fmt.Errorf("%s session %q: %w", op, s.info.Name, ErrClosed)
	}
	return nil
}

// findLocal finds this node's session by ID or name (case-insensitive).
func (m *Manager) findLocal(idOrName string) *Session {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.sessions[idOrName]; ok {
		return s
	}
	for _, s := range m.sessions {
		if strings.EqualFold(s.info.Name, idOrName) {
			return s
		}
	}
	return nil
}

// handle executes an admin command sent to this node.
func (m *Manager) handle(ctx context.Context, cmd Command) Result {
	switch cmd.Op {
	case OpReset, OpLogoff:
		var errs []string
		for _, id := range cmd.IDs {
			s := m.findLocal(id)
			if s == nil {
				errs = append(errs, fmt.Sprintf("session %q: %v", id, ErrNotFound))
				continue
			}
			if err := m.endLocal(ctx, cmd.Op, s); err != nil {
				errs = append(errs, err.Error())
			}
		}
		return Result{Error: strings.Join(errs, "; ")}
	case OpMessage:
		return Result{Deliveries: m.messageLocal(ctx, cmd)}
	}
	return Result{Error: fmt.Sprintf("unknown admin operation %q", cmd.Op)}
}

// timeoutOf is the time left before ctx's deadline, or def without one.
func timeoutOf(ctx context.Context, def time.Duration) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		return max(time.Until(d), 0)
	}
	return def
}
