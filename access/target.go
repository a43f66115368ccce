package access

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/psgate/psgate/authz"
	"github.com/psgate/psgate/identity"
)

// Host is the computer part of a target as a session records it: the host
// of a connection URI (http or https), else the name itself.
func Host(target string) string {
	if u, err := url.Parse(target); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return u.Hostname()
	}
	return target
}

// computers caches the directory's answer for a computer name: a connect
// and every re-check of an open console ask for the same few computers.
type computers struct {
	dir identity.Directory
	ttl time.Duration
	max int
	now func() time.Time
	mu  sync.Mutex
	m   map[string]cachedComputer
}

type cachedComputer struct {
	t       authz.Target
	expires time.Time
}

// target resolves name (display is what the session shows: the name or the
// connection URI). Without a directory the target is the name as typed. A
// computer the directory does not know is "resolved, not a directory
// computer" (rules naming computer SIDs or groups do not match it); a
// directory that cannot be asked gives the same answer but is not cached.
func (c *computers) target(ctx context.Context, display string) authz.Target {
	if c == nil || c.dir == nil {
		return authz.Target{Name: display}
	}
	host := strings.ToLower(Host(display))
	now := c.now()
	c.mu.Lock()
	e, ok := c.m[host]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		e.t.Name = display
		return e.t
	}
	t, cache := c.lookup(ctx, host)
	if cache {
		c.mu.Lock()
		if len(c.m) >= c.max {
			clear(c.m) // small and short-lived: start again rather than track age
		}
		c.m[host] = cachedComputer{t: t, expires: now.Add(c.ttl)}
		c.mu.Unlock()
	}
	t.Name = display
	return t
}

func (c *computers) lookup(ctx context.Context, host string) (authz.Target, bool) {
	t := authz.Target{Name: host, Resolved: true}
	e, err := c.dir.Find(ctx, identity.KindComputer, host)
	if err != nil {
		return t, errors.Is(err, identity.ErrNotFound)
	}
	t.SID, t.DN = e.SID, e.DN
	if e.DNSHostName != "" {
		t.Aliases = append(t.Aliases, e.DNSHostName)
	}
	for _, g := range e.Groups {
		t.Groups = append(t.Groups, authz.Principal{Name: g.Name, SID: g.SID, DN: g.DN})
	}
	return t, true
}
