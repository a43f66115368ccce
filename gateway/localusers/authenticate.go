package localusers

import (
	"fmt"
)

// Authenticate checks name (case-insensitive) and password. Every call
// does one hash check of the same cost, whether or not the user exists, so
// its timing does not tell a guesser which names exist. A disabled account
// is reported only when the password was right.
func (s *Store) Authenticate(name, password string) (User, error) {
	s.refresh()
	e, known := s.cur.Load().users[asciiLower(name)]
	stored := s.dummy
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
