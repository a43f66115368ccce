package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// ServeConfig runs a handler over TLS until its context ends.
type ServeConfig struct {
	Listener net.Listener // plain TCP; wrapped with TLS
	TLS      *tls.Config
	Handler  http.Handler
	// Grace bounds the HTTP shutdown; default 10s.
	Grace time.Duration
	// IdleTimeout closes a keep-alive connection with no request for this
	// long; default 2m. Without one, idle connections were kept forever (a
	// client could hold file descriptors open at no cost).
	IdleTimeout time.Duration
	// Stop runs after the HTTP server stopped (session.Manager.Shutdown).
	Stop   func(ctx context.Context) error
	Logger *slog.Logger
}

// Serve serves until ctx ends, then shuts the HTTP server down (no new
// requests, in-flight ones get Grace) and calls Stop. Websockets are
// hijacked connections that http.Server.Shutdown does not wait for; Stop
// (the session manager) closes them.
func Serve(ctx context.Context, c ServeConfig) error {
	if c.Grace == 0 {
		c.Grace = 10 * time.Second
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = 2 * time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	hs := &http.Server{
		Handler: c.Handler, TLSConfig: c.TLS, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: c.IdleTimeout,
		ErrorLog: slog.NewLogLogger(c.Logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.ServeTLS(c.Listener, "", "") }()
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.Background(), c.Grace)
	defer cancel()
	shutErr := hs.Shutdown(sctx)
	if serveErr == nil {
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			serveErr = err
		}
	}
	var stopErr error
	if c.Stop != nil {
		stopErr = c.Stop(sctx)
	}
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	if err := errors.Join(serveErr, shutErr, stopErr); err != nil {
		return fmt.Errorf("serve %s: %w", c.Listener.Addr(), err)
	}
	return nil
}
