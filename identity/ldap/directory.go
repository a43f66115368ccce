package ldap

import (
	"context"
	"crypto/tls"
	"fmt"
	"sync"

	goldap "github.com/go-ldap/ldap/v3"
)

// Directory is an LDAP or AD server. Its methods are safe for concurrent use.
type Directory struct {
	cfg  Config
	tls  *tls.Config
	pool chan *conn

	mu     sync.Mutex
	closed bool
}

// New checks cfg; it does not connect (see Ping).
func New(cfg Config) (*Directory, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("directory config: %w", err)
	}
	tc, err := cfg.tlsConfig()
	if err != nil {
		return nil, fmt.Errorf("directory config: %w", err)
	}
	if cfg.InsecureSkipVerify {
		cfg.Logger.Warn("ldap TLS certificate checks are off (insecure_skip_verify)", "url", cfg.URL)
	}
	return &Directory{cfg: cfg, tls: tc, pool: make(chan *conn, cfg.PoolSize)}, nil
}

// Ping reads the root DSE over a service connection: the readiness check.
func (d *Directory) Ping(ctx context.Context) error {
	return d.withService(ctx, func(c *conn) error {
		req := goldap.NewSearchRequest("", goldap.ScopeBaseObject, goldap.NeverDerefAliases, 1, 0, false,
			"(objectClass=*)", []string{"namingContexts"}, nil)
		if _, err := c.l.Search(req); err != nil {
			return fmt.Errorf("ping %s: %w: %v", d.cfg.URL, ErrUnavailable, err)
		}
		return nil
	})
}

// Close closes the pooled connections. Calls in flight finish; later
// calls dial afresh and close their connection after use.
func (d *Directory) Close() error {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	for {
		select {
		case c := <-d.pool:
			c.Close()
		default:
			return nil
		}
	}
}
