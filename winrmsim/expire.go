package winrmsim

// Shell lifetime: a shell is idle while no request addressed to it runs;
// after its IdleTimeOut of idleness it expires (deleted server-side, its
// processes killed), as Windows does with winrs IdleTimeout. Later requests
// get the unknown-shell fault 2150858843, and Receives pending when it
// expires get it too.

// begin marks a request on sh in progress; false when sh is already gone.
func (sh *shell) begin() bool {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.dead {
		return false
	}
	sh.active++
	sh.gen++ // a timer already firing is stale
	if sh.stopIdle != nil {
		sh.stopIdle()
		sh.stopIdle = nil
	}
	return true
}

// end marks a request on sh done: it re-arms the idle timer, or expires sh
// once it has served Faults.ExpireShells requests.
func (s *Server) end(sh *shell) {
	sh.mu.Lock()
	sh.active--
	sh.served++
	n := s.cfg.Faults.ExpireShells
	expire := n > 0 && sh.served >= n
	if !expire && sh.active == 0 && !sh.dead {
		s.armIdle(sh)
	}
	sh.mu.Unlock()
	if expire {
		s.expire(sh, "request count")
	}
}

// armIdle starts sh's idle timer; sh.mu must be held.
func (s *Server) armIdle(sh *shell) {
	sh.gen++
	gen := sh.gen
	if sh.stopIdle != nil {
		sh.stopIdle()
	}
	sh.stopIdle = s.cfg.Clock.AfterFunc(sh.idle, func() { s.idleFired(sh, gen) })
}

func (s *Server) idleFired(sh *shell, gen uint64) {
	sh.mu.Lock()
	stale := sh.gen != gen || sh.active > 0 || sh.dead
	sh.mu.Unlock()
	if !stale {
		s.expire(sh, "idle timeout")
	}
}

// expire deletes sh server-side and kills its processes.
func (s *Server) expire(sh *shell, reason string) {
	s.mu.Lock()
	if s.shells[sh.id] == sh {
		delete(s.shells, sh.id)
	}
	s.mu.Unlock()
	if sh.kill(true) {
		s.cfg.Logger.Info("wsman shell expired", "shell", sh.id, "user", sh.owner, "reason", reason)
	}
}

// ExpireShells expires every shell now, as if each had reached its
// IdleTimeOut: processes are killed, pending Receives and later requests
// get the unknown-shell fault 2150858843. It returns how many expired.
func (s *Server) ExpireShells() int {
	s.mu.Lock()
	shells := make([]*shell, 0, len(s.shells))
	for _, sh := range s.shells {
		shells = append(shells, sh)
	}
	s.mu.Unlock()
	for _, sh := range shells {
		s.expire(sh, "on demand")
	}
	return len(shells)
}
