package session

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// MemoryRegistry is the in-process Registry (one gateway, or several
// Managers in one process in tests). The zero value is not usable; call
// NewMemoryRegistry.
type MemoryRegistry struct {
	clock Clock

	mu       sync.Mutex
	records  map[string]memRecord           // by ID
	byUser   map[string]map[string]struct{} // user key → IDs
	names    map[string]string              // lower-case name → ID
	handlers map[string]*memServer
}

// memServer is a node serving admin commands; its ctx ends on stop.
type memServer struct {
	h      CommandHandler
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type memRecord struct {
	info    Info
	expires time.Time
}

// NewMemoryRegistry returns an empty registry; clock nil means the system
// clock.
func NewMemoryRegistry(clock Clock) *MemoryRegistry {
	if clock == nil {
		clock = systemClock{}
	}
	return &MemoryRegistry{
		clock:    clock,
		records:  make(map[string]memRecord),
		byUser:   make(map[string]map[string]struct{}),
		names:    make(map[string]string),
		handlers: make(map[string]*memServer),
	}
}

// Reserve implements Registry.
func (r *MemoryRegistry) Reserve(_ context.Context, info Info, max int, lease time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.clock.Now()
	uk := userKey(info.User)
	for id := range r.byUser[uk] {
		if !now.Before(r.records[id].expires) {
			r.deleteLocked(id)
		}
	}
	if n := len(r.byUser[uk]); n >= max {
		return fmt.Errorf("reserving session for %q (%d of %d): %w", info.User, n, max, ErrCapReached)
	}
	if id, taken := r.names[strings.ToLower(info.Name)]; taken {
		if now.Before(r.records[id].expires) {
			return fmt.Errorf("reserving session name %q: %w", info.Name, ErrNameTaken)
		}
		r.deleteLocked(id)
	}
	r.putLocked(info, now.Add(lease))
	return nil
}

func (r *MemoryRegistry) putLocked(info Info, expires time.Time) {
	r.records[info.ID] = memRecord{info: info, expires: expires}
	r.names[strings.ToLower(info.Name)] = info.ID
	uk := userKey(info.User)
	if r.byUser[uk] == nil {
		r.byUser[uk] = make(map[string]struct{})
	}
	r.byUser[uk][info.ID] = struct{}{}
}

// expireLocked drops records whose lease ran out.
func (r *MemoryRegistry) expireLocked(now time.Time) {
	for id, rec := range r.records {
		if !now.Before(rec.expires) {
			r.deleteLocked(id)
		}
	}
}

func (r *MemoryRegistry) deleteLocked(id string) {
	rec, ok := r.records[id]
	if !ok {
		return
	}
	delete(r.records, id)
	uk := userKey(rec.info.User)
	delete(r.byUser[uk], id)
	if len(r.byUser[uk]) == 0 {
		delete(r.byUser, uk)
	}
	if r.names[strings.ToLower(rec.info.Name)] == id {
		delete(r.names, strings.ToLower(rec.info.Name))
	}
	if len(r.records) == 0 { // maps never shrink: give the memory back
		r.records, r.names, r.byUser = make(map[string]memRecord), make(map[string]string), make(map[string]map[string]struct{})
	}
}

// Refresh implements Registry. A record already expired is recorded again:
// the session is real, its node is alive.
func (r *MemoryRegistry) Refresh(_ context.Context, infos []Info, lease time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	exp := r.clock.Now().Add(lease)
	for _, info := range infos {
		r.putLocked(info, exp)
	}
	return nil
}

// Release implements Registry.
func (r *MemoryRegistry) Release(_ context.Context, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deleteLocked(id)
	return nil
}

// List implements Registry; sessions come ordered by creation time.
func (r *MemoryRegistry) List(_ context.Context, f Filter) ([]Info, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.expireLocked(r.clock.Now())
	var out []Info
	for _, rec := range r.records {
		if f.matches(rec.info) {
			out = append(out, rec.info)
		}
	}
	sortInfos(out)
	return out, nil
}

// Lookup implements Registry.
func (r *MemoryRegistry) Lookup(_ context.Context, idOrName string) (Info, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id, ok := idOrName, false
	if _, ok = r.records[id]; !ok {
		id, ok = r.names[strings.ToLower(idOrName)]
	}
	if rec := r.records[id]; ok && r.clock.Now().Before(rec.expires) {
		return rec.info, nil
	}
	return Info{}, fmt.Errorf("looking up session %q: %w", idOrName, ErrNotFound)
}

// Serve implements Registry.
func (r *MemoryRegistry) Serve(node string, h CommandHandler) (func(), error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.handlers[node]; dup {
		return nil, fmt.Errorf("serving node %q: already served", node)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := &memServer{h: h, ctx: ctx, cancel: cancel}
	r.handlers[node] = srv
	return func() {
		r.mu.Lock()
		if r.handlers[node] == srv {
			delete(r.handlers, node)
		}
		r.mu.Unlock()
		cancel()
		srv.wg.Wait()
	}, nil
}

// Call implements Registry: the handler runs in its own goroutine, bounded by
// cmd.Timeout; Call returns when it finishes or ctx ends.
func (r *MemoryRegistry) Call(ctx context.Context, node string, cmd Command) (Result, error) {
	r.mu.Lock()
	srv, ok := r.handlers[node]
	if ok {
		srv.wg.Add(1) // under r.mu: stop cannot be waiting yet
	}
	r.mu.Unlock()
	if !ok {
		return Result{}, fmt.Errorf("calling node %q (%s): %w", node, cmd.Op, ErrNodeUnreachable)
	}
	done := make(chan Result, 1)
	hctx, cancel := context.WithTimeout(srv.ctx, cmd.Timeout)
	go func() {
		defer srv.wg.Done()
		defer cancel()
		done <- srv.h(hctx, cmd)
	}()
	select {
	case res := <-done:
		return res, nil
	case <-ctx.Done():
		return Result{}, fmt.Errorf("calling node %q (%s): %w: %w", node, cmd.Op, ErrNodeUnreachable, ctx.Err())
	}
}

// sortInfos orders sessions by creation time, then name, then ID.
func sortInfos(s []Info) {
	sort.Slice(s, func(i, j int) bool {
		switch {
		case !s[i].Created.Equal(s[j].Created):
			return s[i].Created.Before(s[j].Created)
		case s[i].Name != s[j].Name:
			return s[i].Name < s[j].Name
		}
		return s[i].ID < s[j].ID
	})
}
