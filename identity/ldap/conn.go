package ldap

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
)

// conn is a go-ldap connection with the raw socket under it, so that an
// operation can be cut off by its context (go-ldap itself has none).
type conn struct {
	l   *goldap.Conn
	raw net.Conn
}

func (c *conn) Close() { c.l.Close() }

// do runs f with the socket deadline set to the earlier of ctx's deadline
// and timeout, and closes the socket at once if ctx is cancelled.
func (c *conn) do(ctx context.Context, timeout time.Duration, f func() error) error {
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	c.raw.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { c.raw.SetDeadline(time.Unix(1, 0)) })
	err := f()
	if !stop() || ctx.Err() != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, context.Cause(ctx))
	}
	if err != nil && !time.Now().Before(deadline) {
		return fmt.Errorf("%w: timed out after %v: %v", ErrUnavailable, timeout, err)
	}
	c.raw.SetDeadline(time.Time{})
	return err
}

// dial connects, does TLS (ldaps or StartTLS) and returns an unbound conn.
func (d *Directory) dial(ctx context.Context) (*conn, error) {
	u, _ := url.Parse(d.cfg.URL)
	port := u.Port()
	if port == "" {
		port = map[string]string{"ldap": "389", "ldaps": "636"}[u.Scheme]
	}
	addr := net.JoinHostPort(u.Hostname(), port)
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	nd := net.Dialer{}
	raw, err := nd.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w: %v", addr, ErrUnavailable, err)
	}
	var nc net.Conn = raw
	if u.Scheme == "ldaps" {
		tc := tls.Client(raw, d.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, fmt.Errorf("tls to %s: %w: %v", addr, ErrUnavailable, err)
		}
		nc = tc
	}
	l := goldap.NewConn(nc, u.Scheme == "ldaps")
	l.SetTimeout(d.cfg.Timeout)
	l.Start()
	c := &conn{l: l, raw: raw}
	if d.cfg.StartTLS {
		err := c.do(ctx, d.cfg.Timeout, func() error { return l.StartTLS(d.tls) })
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("starttls to %s: %w: %v", addr, ErrUnavailable, err)
		}
	}
	return c, nil
}

// serviceConn returns a pooled service connection (reused) or dials and
// binds a new one.
func (d *Directory) serviceConn(ctx context.Context) (c *conn, reused bool, err error) {
	for {
		select {
		case c := <-d.pool:
			if c.l.IsClosing() {
				c.Close()
				continue
			}
			return c, true, nil
		default:
		}
		break
	}
	c, err = d.dial(ctx)
	if err != nil {
		return nil, false, err
	}
	if d.cfg.BindDN != "" {
		err = c.do(ctx, d.cfg.Timeout, func() error { return c.l.Bind(d.cfg.BindDN, d.cfg.BindPassword) })
		if err != nil {
			c.Close()
			// Whatever the bind answered, the directory cannot be used:
			// the service account's refusal is no verdict on a user.
			if errors.Is(err, ErrUnavailable) || isNetwork(err) {
				return nil, false, fmt.Errorf("service account: %w", classifyBind(d.cfg.BindDN, err))
			}
			return nil, false, fmt.Errorf("service account: %w: %v", ErrUnavailable, classifyBind(d.cfg.BindDN, err))
		}
	}
	return c, false, nil
}

// release returns c to the pool, or closes it when the pool is full, the
// directory is closed or c is broken.
func (d *Directory) release(c *conn, err error) {
	if (err != nil && isNetworkOrUnavailable(err)) || c.l.IsClosing() {
		c.Close()
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		c.Close()
		return
	}
	select {
	case d.pool <- c:
	default:
		c.Close()
	}
}

func isNetworkOrUnavailable(err error) bool { return isNetwork(err) || errors.Is(err, ErrUnavailable) }

// withService runs f on a service connection. When a pooled connection
// fails (the server restarted, a firewall dropped it while idle), f runs
// once more on a freshly dialled one; a fresh connection is not retried, so
// a down server fails in one Timeout.
func (d *Directory) withService(ctx context.Context, f func(c *conn) error) error {
	for {
		c, reused, err := d.serviceConn(ctx)
		if err != nil {
			return err
		}
		err = c.do(ctx, d.cfg.Timeout, func() error { return f(c) })
		d.release(c, err)
		if err != nil && reused && isNetworkOrUnavailable(err) && ctx.Err() == nil {
			d.cfg.Logger.Warn("ldap service connection failed; reconnecting", "error", err)
			continue
		}
		return err
	}
}
