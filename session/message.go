package session

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// MessageRequest is an admin message (RDS `msg`).
type MessageRequest struct {
	// To is a user (all of their sessions), a session name, a session ID,
	// or "*" (every session of the cluster).
	To string
	// From names the sender, shown with the message.
	From string
	Text string
	// Seconds the message stays on screen; 0 = until dismissed.
	Seconds int
	// Wait blocks until every recipient acknowledges, Seconds pass (when
	// set) or ctx ends.
	Wait bool
}

// DeliveryStatus is the outcome of a message for one session.
type DeliveryStatus string

// The delivery outcomes.
const (
	Delivered      DeliveryStatus = "delivered"
	Acked          DeliveryStatus = "acked"
	TimedOut       DeliveryStatus = "timeout"
	NoActiveSocket DeliveryStatus = "no_active_socket"
	Unreachable    DeliveryStatus = "unreachable" // the owning node did not answer
)

// Delivery is the outcome of a message for one session.
type Delivery struct {
	Session string         `json:"session"` // ID
	Name    string         `json:"name"`
	User    string         `json:"user"`
	Node    string         `json:"node"`
	Status  DeliveryStatus `json:"status"`
}

// pendingAck is a message waiting for its acknowledgement.
type pendingAck struct {
	done  chan struct{}
	acked bool
}

// defaultWait bounds a waiting message without Seconds or ctx deadline.
const defaultWait = time.Hour

// Message shows req.Text in the live consoles of the recipients, on
// whatever node they are, and reports per session. Messages are not queued:
// a session without an attached client gets NoActiveSocket. ErrNotFound
// when no session matches req.To.
func (m *Manager) Message(ctx context.Context, req MessageRequest) ([]Delivery, error) {
	all, err := m.List(ctx, Filter{})
	if err != nil {
		return nil, fmt.Errorf("messaging %q: %w", req.To, err)
	}
	targets := recipients(all, req.To)
	if len(targets) == 0 {
		return nil, fmt.Errorf("messaging %q: %w", req.To, ErrNotFound)
	}
	byNode := make(map[string][]Info)
	for _, info := range targets {
		byNode[info.Node] = append(byNode[info.Node], info)
	}
	cmd := Command{Op: OpMessage, MessageID: newID()[:16], From: req.From, Text: req.Text,
		Seconds: req.Seconds, Wait: req.Wait, Timeout: messageTimeout(ctx, req)}
	var mu sync.Mutex
	var out []Delivery
	var wg sync.WaitGroup
	for node, infos := range byNode {
		wg.Go(func() {
			ds := m.messageNode(ctx, node, infos, cmd)
			mu.Lock()
			out = append(out, ds...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return sortDeliveries(out, targets), nil
}

// recipients picks the sessions To names: "*", an ID, a name, else a user.
func recipients(all []Info, to string) []Info {
	if to == "*" {
		return all
	}
	for _, info := range all {
		if info.ID == to {
			return []Info{info}
		}
	}
	for _, info := range all {
		if strings.EqualFold(info.Name, to) {
			return []Info{info}
		}
	}
	var out []Info
	for _, info := range all {
		if strings.EqualFold(info.User, to) {
			out = append(out, info)
		}
	}
	return out
}

// messageTimeout bounds the delivery (and the wait) of a message.
func messageTimeout(ctx context.Context, req MessageRequest) time.Duration {
	d := 10 * time.Second
	if req.Wait {
		d = defaultWait
		if req.Seconds > 0 {
			d = time.Duration(req.Seconds) * time.Second
		}
	}
	if dl, ok := ctx.Deadline(); ok {
		d = min(d, max(time.Until(dl), 0))
	}
	return d
}

// messageNode delivers to the sessions of one node, locally or by Call.
func (m *Manager) messageNode(ctx context.Context, node string, infos []Info, cmd Command) []Delivery {
	for _, info := range infos {
		cmd.IDs = append(cmd.IDs, info.ID)
	}
	if node == m.cfg.Node {
		lctx, cancel := context.WithTimeout(ctx, cmd.Timeout)
		defer cancel()
		return m.messageLocal(lctx, cmd)
	}
	cctx, cancel := context.WithTimeout(ctx, cmd.Timeout+5*time.Second)
	defer cancel()
	res, err := m.cfg.Registry.Call(cctx, node, cmd)
	if err != nil {
		m.log.Warn("messaging sessions on another node", "owner", node, "err", err)
		out := make([]Delivery, 0, len(infos))
		for _, info := range infos {
			out = append(out, Delivery{Session: info.ID, Name: info.Name, User: info.User, Node: node, Status: Unreachable})
		}
		return out
	}
	return res.Deliveries
}

// messageLocal delivers cmd to this node's sessions, in parallel when
// waiting for acknowledgements.
func (m *Manager) messageLocal(ctx context.Context, cmd Command) []Delivery {
	out := make([]Delivery, len(cmd.IDs))
	var wg sync.WaitGroup
	for i, id := range cmd.IDs {
		wg.Go(func() {
			s := m.findLocal(id)
			if s == nil {
				out[i] = Delivery{Session: id, Node: m.cfg.Node, Status: NoActiveSocket}
				return
			}
			out[i] = Delivery{Session: id, Name: s.info.Name, User: s.info.User, Node: m.cfg.Node,
				Status: s.message(ctx, cmd)}
		})
	}
	wg.Wait()
	return out
}

// message shows a message update to the session's clients and, with
// cmd.Wait, waits for Ack.
func (s *Session) message(ctx context.Context, cmd Command) DeliveryStatus {
	s.mu.Lock()
	if s.closed || len(s.clients) == 0 {
		s.mu.Unlock()
		return NoActiveSocket
	}
	var p *pendingAck
	if cmd.Wait {
		p = &pendingAck{done: make(chan struct{})}
		if s.acks == nil {
			s.acks = make(map[string]*pendingAck)
		}
		s.acks[cmd.MessageID] = p
	}
	s.deliverLocked(Update{Kind: UpdateMessage, ID: cmd.MessageID, From: cmd.From, Text: cmd.Text, Time: cmd.Seconds})
	s.mu.Unlock()
	if p == nil {
		return Delivered
	}
	select {
	case <-p.done:
	case <-ctx.Done():
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.acks, cmd.MessageID)
	switch {
	case p.acked:
		return Acked
	case s.closed:
		return NoActiveSocket
	}
	return TimedOut
}

// Ack records that the user dismissed message id (the browser's ack).
// Unknown or already acknowledged IDs are ignored.
func (s *Session) Ack(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.acks[id]; ok {
		p.acked = true
		close(p.done)
		delete(s.acks, id)
	}
}

// sortDeliveries orders the results as the recipients were listed.
func sortDeliveries(ds []Delivery, order []Info) []Delivery {
	pos := make(map[string]int, len(order))
	for i, info := range order {
		pos[info.ID] = i
	}
	out := make([]Delivery, len(order))
	n := 0
	for _, d := range ds {
		if i, ok := pos[d.Session]; ok {
			out[i] = d
			n++
		}
	}
	if n != len(order) { // a node answered for other IDs: keep what came
		return ds
	}
	return out
}
