package session

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/psgate/psgate/audit"
)

// Config configures a Manager. Zero fields take the documented defaults.
type Config struct {
	// Registry counts and lists sessions; default a fresh MemoryRegistry
	// (this gateway only). Use a RedisRegistry for a cluster.
	Registry Registry
	// Node is this gateway's ID in the registry; default "local". It must be
	// unique in a cluster.
	Node string
	// MaxPerUser is the cap of active + disconnected sessions per user,
	// cluster-wide; default 3 (PSWA's maxSessionsAllowedPerUser).
	MaxPerUser int
	// IdleTimeout ends a session without user input or keep-alive for this
	// long; default 20m.
	IdleTimeout time.Duration
	// IdleWarning is how long before the end the idle warning is sent;
	// default 5m. The warning is off when it is negative or not shorter than
	// IdleTimeout (as PSWA).
	IdleWarning time.Duration
	// BufferBytes bounds the output kept for a disconnected session; the
	// oldest output is dropped beyond it; default 1 MiB.
	BufferBytes int
	// MaxClients bounds the browsers (websockets) attached to one session
	// at once; default 8. Every attached browser gets every update, so an
	// unbounded number was an easy way to multiply the gateway's work.
	MaxClients int
	// ScrollbackBytes bounds the screen a session keeps of what its clients
	// were shown (output, and each command as typed after its prompt); every
	// attach (another tab, another browser, after signing in again) gets it
	// back before the output produced while disconnected. The oldest text is
	// dropped beyond it; a clear screen (Clear-Host) empties it. Default
	// 1 MiB; negative keeps none.
	ScrollbackBytes int
	// Lease is how long a registry record lives without renewal; this node
	// renews its sessions every Lease/3; default 30s. A gateway killed
	// mid-session stops counting against the cap after at most Lease.
	Lease time.Duration
	// LogoffGrace bounds the interrupt of a running command on Logoff before
	// the shell is closed; default 5s.
	LogoffGrace time.Duration
	// Clock is the time source; default the system clock.
	Clock Clock
	// Logger receives operational logs; default discards.
	Logger *slog.Logger
	// Audit receives session audit events (769, 770, 260); default none. It
	// is called synchronously and must not block for long.
	Audit func(audit.Record)
}

// Defaults of Config.
const (
	DefaultNode        = "local"
	DefaultMaxPerUser  = 3
	DefaultIdleTimeout = 20 * time.Minute
	DefaultIdleWarning = 5 * time.Minute
	DefaultBufferBytes = 1 << 20
	DefaultMaxClients  = 8
	DefaultScrollback  = 1 << 20
	DefaultLease       = 30 * time.Second
	DefaultLogoffGrace = 5 * time.Second

	minBufferBytes = 1024
)

func (c *Config) setDefaults() {
	if c.Clock == nil {
		c.Clock = systemClock{}
	}
	if c.Registry == nil {
		c.Registry = NewMemoryRegistry(c.Clock)
	}
	if c.Node == "" {
		c.Node = DefaultNode
	}
	if c.MaxPerUser == 0 {
		c.MaxPerUser = DefaultMaxPerUser
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.IdleWarning == 0 {
		c.IdleWarning = DefaultIdleWarning
	}
	if c.BufferBytes == 0 {
		c.BufferBytes = DefaultBufferBytes
	}
	if c.ScrollbackBytes == 0 {
		c.ScrollbackBytes = DefaultScrollback
	}
	if c.Lease == 0 {
		c.Lease = DefaultLease
	}
	if c.MaxClients == 0 {
		c.MaxClients = DefaultMaxClients
	}
	if c.LogoffGrace == 0 {
		c.LogoffGrace = DefaultLogoffGrace
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Audit == nil {
		c.Audit = func(audit.Record) {}
	}
}

// validate reports every bad value at once.
func (c *Config) validate() error {
	var errs []error
	if c.MaxPerUser < 0 {
		errs = append(errs, fmt.Errorf("max per user %d: must be positive", c.MaxPerUser))
	}
	if c.IdleTimeout < 0 {
		errs = append(errs, fmt.Errorf("idle timeout %s: must be positive", c.IdleTimeout))
	}
	if c.BufferBytes < minBufferBytes {
		errs = append(errs, fmt.Errorf("buffer bytes %d: must be at least %d", c.BufferBytes, minBufferBytes))
	}
	if c.MaxClients < 0 {
		errs = append(errs, fmt.Errorf("max clients %d: must be positive", c.MaxClients))
	}
	if c.Lease < 0 {
		errs = append(errs, fmt.Errorf("lease %s: must be positive", c.Lease))
	}
	if c.LogoffGrace < 0 {
		errs = append(errs, fmt.Errorf("logoff grace %s: must be positive", c.LogoffGrace))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("session config: %w", err)
	}
	return nil
}

// warningOn reports whether the idle warning is sent.
func (c *Config) warningOn() bool {
	return c.IdleWarning > 0 && c.IdleWarning < c.IdleTimeout
}
