package winrmsim

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

// Operations counting (MaxConcurrentOperationsPerUser, fault 2150859174).
//
// Windows counts a user's open WS-Man operations. For a cmd shell these are
// the shell itself and every Command started in it, and a Command stays
// counted until the shell is deleted: "Windows implementations of the Shell
// processor do not decrement the MaxConcurrentOperationsPerUser counter when
// a Signal request with a Terminate code is issued to a Text-based Command
// Shell" (MS-WSMV Appendix A, note <118>; the reason Ansible's winrm plugin
// recreates its shell on this fault, ansible/ansible#83656, and WinRb/WinRM
// lists it among the faults that reset the shell). So here a user's count
// is the sum over their live shells of 1 + Commands started; Delete or
// expiry gives a shell's operations back. Requests in flight (Receive, Send,
// Signal) are not counted. Create and Command are refused when the count has
// reached the limit; Create checks MaxShellsPerUser (2150859173) first.

// usage counts user's shells and operations; s.mu must be held.
func (s *Server) usage(user string) (shells, ops int) {
	for _, sh := range s.shells {
		if sh.owner != user {
			continue
		}
		sh.mu.Lock()
		shells, ops = shells+1, ops+1+sh.ops
		sh.mu.Unlock()
	}
	return shells, ops
}

// admitShell registers sh, or returns the quota fault that refuses it.
func (s *Server) admitShell(sh *shell) (wsmanFault, int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	shells, ops := s.usage(sh.owner)
	switch {
	case shells >= s.cfg.MaxShellsPerUser || s.cfg.Faults.QuotaFault:
		return faultMaxShells, s.cfg.MaxShellsPerUser, true
	case ops >= s.cfg.MaxOperationsPerUser:
		return faultMaxOps, s.cfg.MaxOperationsPerUser, true
	}
	s.shells[sh.id] = sh
	sh.mu.Lock()
	s.armIdle(sh)
	sh.mu.Unlock()
	return wsmanFault{}, 0, false
}

// admitCommand counts a new Command of user in sh, unless the quota is reached.
func (s *Server) admitCommand(user string, sh *shell) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ops := s.usage(user); ops >= s.cfg.MaxOperationsPerUser {
		return false
	}
	sh.mu.Lock()
	sh.ops++
	sh.mu.Unlock()
	return true
}

// Operations is user's operation count as the quota sees it (live shells
// plus the Commands started in them); user as authenticated, lower case.
func (s *Server) Operations(user string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ops := s.usage(user)
	return ops
}
