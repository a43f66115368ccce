package winrstest

import (
	"sync/atomic"
	"time"
)

// Windows defaults (winrm get winrm/config, Server 2016 and later).
const (
	// defaultMaxOperations is MaxConcurrentOperationsPerUser (15 on WinRM 2.0).
	defaultMaxOperations = 1500
	// defaultIdleTimeout is winrs IdleTimeout (7200000 ms); Create replies echo it as PT7200.000S.
	defaultIdleTimeout = 7200 * time.Second
)

// Clock is the time source of shell idle expiry. Tests inject a fake one to
// expire shells without waiting; the default is the system clock.
type Clock interface {
	// AfterFunc calls f in its own goroutine after d; stop cancels it and
	// reports whether it did (as time.Timer.Stop).
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

type systemClock struct{}

func (systemClock) AfterFunc(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }

func (c *Config) setQuotaDefaults() {
	if c.MaxOperationsPerUser == 0 {
		c.MaxOperationsPerUser = defaultMaxOperations
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = defaultIdleTimeout
	}
	if c.Clock == nil {
		c.Clock = systemClock{}
	}
}

// procCounter counts remote processes that have not ended yet.
type procCounter struct{ n atomic.Int64 }

// RunningProcesses counts remote processes (one per Command) that have not
// ended: a shell deleted, expired or closed must bring it back to zero.
func (s *Server) RunningProcesses() int { return int(s.procs.n.Load()) }
