package local

import (
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// Authenticate checks name (case-insensitive) and password. Every call
// does one hash check of the same cost, whether or not the user exists, so
// its timing does not tell a guesser which names exist. A disabled account
// is reported only when the password was right.
func (s *Store) Authenticate(name, password string) (User, error) {
	s.refresh()
	snap := s.cur.Load()
	e, known := snap.users[asciiLower(name)]
	stored := s.dummyFor(snap)
	if known {
		stored = e.Hash
	}
	s.sem <- struct{}{}
	ok := verify(stored, password)
	<-s.sem
	switch {
	case !known:
		return User{}, fmt.Errorf("local user %q: unknown user: %w", name, ErrInvalidCredentials)
	case password == "" || !ok:
		return User{}, fmt.Errorf("local user %q: wrong password: %w", name, ErrInvalidCredentials)
	case e.Disabled:
		return User{}, fmt.Errorf("local user %q: %w", name, ErrAccountDisabled)
	}
	return toUser(e), nil
}

// dummyFor returns the hash an unknown name is checked against: one of the
// same algorithm and cost as most hashes of the file (a file made with
// --bcrypt, or with other argon2id parameters, would otherwise answer
// unknown names in a different time than known ones), else the configured
// algorithm's. It is made once per cost and kept across reloads.
func (s *Store) dummyFor(snap *snapshot) string {
	snap.dummyOnce.Do(func() {
		snap.dummy = s.dummy
		counts := map[string]int{}
		best, bestN := "", 0
		var gen func(string) (string, error)
		for _, e := range snap.order {
			k, g := costOf(e.Hash)
			if k == "" {
				continue
			}
			if counts[k]++; counts[k] > bestN {
				best, bestN, gen = k, counts[k], g
			}
		}
		if best == "" {
			return
		}
		s.dummyMu.Lock()
		defer s.dummyMu.Unlock()
		if h, ok := s.dummies[best]; ok {
			snap.dummy = h
			return
		}
		h, err := gen("psgate-dummy-password")
		if err != nil {
			s.cfg.Logger.Error("dummy hash for unknown users", "cost", best, "error", err)
			return
		}
		if s.dummies == nil {
			s.dummies = map[string]string{}
		}
		s.dummies[best] = h
		snap.dummy = h
	})
	return snap.dummy
}

// costOf names the algorithm and cost of a stored hash ("" when it cannot
// be read) and returns a function hashing a password at that cost.
func costOf(stored string) (string, func(string) (string, error)) {
	if isBcrypt(stored) {
		cost, err := bcrypt.Cost([]byte(stored))
		if err != nil {
			return "", nil
		}
		return fmt.Sprintf("bcrypt cost=%d", cost), func(pw string) (string, error) {
			return hashPassword("bcrypt", pw, Params{}, cost)
		}
	}
	h, err := parseArgon2id(stored)
	if err != nil {
		return "", nil
	}
	return fmt.Sprintf("argon2id m=%d,t=%d,p=%d", h.p.Memory, h.p.Iterations, h.p.Parallelism), func(pw string) (string, error) {
		return hashArgon2id(pw, h.p)
	}
}
