package access

import (
	"context"
	"errors"
	"time"

	"github.com/psgate/psgate/authz"
	"github.com/psgate/psgate/identity"
)

// Config sets up an Authorizer.
type Config struct {
	// Rules is the shared rules file. Required.
	Rules *authz.Store
	// Machine is the gateway's machine name (local accounts are
	// MACHINE\name). Required.
	Machine string
	// Directory, when set, resolves target computers (SID, DN, computer
	// groups). Without one, computers are matched by name only.
	Directory identity.Directory
	// CacheTTL is how long a computer lookup is kept (default 1m);
	// CacheSize bounds the cache (default 1024 computers).
	CacheTTL  time.Duration
	CacheSize int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Authorizer decides whether a signed-in identity may open a console on a
// target with a session configuration.
type Authorizer struct {
	rules     *authz.Store
	machine   string
	computers *computers
}

// New returns an Authorizer over cfg.
func New(cfg Config) (*Authorizer, error) {
	if cfg.Rules == nil || cfg.Machine == "" {
		return nil, errors.New("access: Rules and Machine are required")
	}
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = time.Minute
	}
	if cfg.CacheSize <= 0 {
		cfg.CacheSize = 1024
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a := &Authorizer{rules: cfg.Rules, machine: cfg.Machine}
	if cfg.Directory != nil {
		a.computers = &computers{dir: cfg.Directory, ttl: cfg.CacheTTL, max: cfg.CacheSize, now: cfg.Now,
			m: map[string]cachedComputer{}}
	}
	return a, nil
}

// Authorize decides for id on target (a computer name or connection URI)
// with configuration. An error means the rules could not be used (PSWA
// event 267); allowed false with a reason is a plain refusal (259).
func (a *Authorizer) Authorize(ctx context.Context, id identity.Identity, target, configuration string) (allowed bool, reason string, err error) {
	d := a.Decide(ctx, id, target, configuration)
	if d.Allowed {
		return true, "", nil
	}
	if err := d.Err(); err != nil {
		return false, "", err
	}
	return false, "no authorization rule allows " + id.Name + " on " + target + " (" + configuration + ")", nil
}

// Decide is the whole decision (every matching rule).
func (a *Authorizer) Decide(ctx context.Context, id identity.Identity, target, configuration string) authz.Decision {
	return a.rules.Decide(a.Request(ctx, id, target, configuration))
}

// Request is what Decide asks the rules: id as a Caller, target as the
// directory knows it (cached), configuration. `rule test` widens it
// (wildcards, extra groups) and explains it.
func (a *Authorizer) Request(ctx context.Context, id identity.Identity, target, configuration string) authz.Request {
	return authz.Request{Caller: Caller(id, a.machine), Target: a.computers.target(ctx, target), Configuration: configuration}
}
