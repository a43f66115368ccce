package main

import (
	"sync"
	"time"

	"github.com/psgate/psgate/gateway"
)

// passthrough keeps each signed-in user's gateway password in this
// process only (never in the cookie store), for targets opened without
// alternate credentials (PSWA passes the sign-in credential on). An entry
// is wiped at sign-out and expires with the sign-in lifetime.
type passthrough struct {
	ttl time.Duration
	now func() time.Time
	mu  sync.Mutex
	m   map[string]passEntry
}

type passEntry struct {
	user, password string
	expires        time.Time
}

func newPassthrough(ttl time.Duration) *passthrough {
	return &passthrough{ttl: ttl, now: time.Now, m: map[string]passEntry{}}
}

func (p *passthrough) signIn(id gateway.Identity, password string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.m[id.Name] = passEntry{user: id.Name, password: password, expires: p.now().Add(p.ttl)}
}

func (p *passthrough) signOut(user string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.m, user)
}

// creds implements credentialFunc.
func (p *passthrough) creds(id gateway.Identity, _ gateway.Target) (string, string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.m[id.Name]
	if !ok || p.now().After(e.expires) {
		delete(p.m, id.Name)
		return "", "", false
	}
	return e.user, e.password, true
}
