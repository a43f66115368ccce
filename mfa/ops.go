package mfa

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"maps"
	"slices"
	"time"
)

// RecoveryCodes is how many recovery codes an enrolment hands out.
const RecoveryCodes = 10

// Sentinel errors; match them with errors.Is.
var (
	// ErrBadCode marks a code that is wrong, used already or expired. The
	// user is told only "Access denied".
	ErrBadCode = errors.New("code refused")
	// ErrNoEnrolmentCode marks an enrolment that needs an admin's code
	// when none was given or it did not match.
	ErrNoEnrolmentCode = errors.New("no valid enrolment code")
)

// Lookup returns a copy of the record of key; ok is false when there is
// none.
func (s *Store) Lookup(key string) (User, bool) {
	u, ok := s.current().Users[key]
	if !ok {
		return User{}, false
	}
	return cloneUser(u), true
}

// Enrolled reports whether key has at least one factor.
func (s *Store) Enrolled(key string) bool {
	u, ok := s.current().Users[key]
	return ok && len(u.Factors) > 0
}

// List returns every record by key.
func (s *Store) List() map[string]User {
	f := s.current()
	out := make(map[string]User, len(f.Users))
	for _, k := range slices.Sorted(maps.Keys(f.Users)) {
		out[k] = cloneUser(f.Users[k])
	}
	return out
}

func cloneUser(u *User) User {
	c := *u
	c.Factors = slices.Clone(u.Factors)
	c.Recovery = slices.Clone(u.Recovery)
	if u.Enrolment != nil {
		e := *u.Enrolment
		c.Enrolment = &e
	}
	return c
}

// Enrolment is what EnrolTOTP needs.
type Enrolment struct {
	Key, Name string
	// Secret is the TOTP key's base32 secret (NewTOTP's Secret()).
	Secret string
	// Code is a TOTP code the user's app shows now: the enrolment proves
	// the app holds the secret, and this code counts as used.
	Code string
	// AdminCode is the admin's one-time enrolment code; with
	// NeedAdminCode an enrolment without a valid one is refused.
	AdminCode     string
	NeedAdminCode bool
	// FirstOnly refuses the enrolment when the user has a factor already
	// (the sign-in's enrolment, which only a user without one may reach).
	FirstOnly bool
}

// EnrolTOTP adds a TOTP factor. The first factor of a user also returns
// fresh recovery codes (shown once; only their hashes are kept).
func (s *Store) EnrolTOTP(ctx context.Context, e Enrolment) (recovery []string, err error) {
	now := s.cfg.Now()
	step := checkTOTP(e.Secret, e.Code, 0, now)
	if step == 0 {
		return nil, ErrBadCode
	}
	err = s.update(ctx, func(f *file) error {
		u := f.Users[e.Key]
		if u == nil {
			u = &User{}
		}
		if e.FirstOnly && len(u.Factors) > 0 {
			return ErrBadCode
		}
		if e.NeedAdminCode {
			if u.Enrolment == nil || now.After(u.Enrolment.Expires) || matchCode([]string{u.Enrolment.Hash}, e.AdminCode) < 0 {
				return ErrNoEnrolmentCode
			}
		}
		u.Enrolment = nil
		u.Name = e.Name
		id := randomID()
		u.Factors = append(u.Factors, Factor{ID: id, Kind: KindTOTP, Created: now.UTC(),
			Sealed: s.seal.seal([]byte(e.Secret), e.Key+"\x00"+id), LastStep: step, LastUsed: now.UTC()})
		if len(u.Recovery) == 0 {
			recovery, u.Recovery = newCodes(RecoveryCodes)
		}
		f.Users[e.Key] = u
		return nil
	})
	if err != nil {
		return nil, err
	}
	return recovery, nil
}

// Verify checks a second-factor code of key: a TOTP code of any of its
// TOTP factors (within one step of now, newer than the last one used), or
// one of its recovery codes, which is then spent. A code used once is
// refused after; the file records the use before Verify returns, so the
// same code is refused on every gateway sharing the file. It returns
// ErrBadCode for a wrong code; what it was is never said.
func (s *Store) Verify(ctx context.Context, key, code string) (usedRecovery bool, err error) {
	now := s.cfg.Now()
	ok := false
	err = s.update(ctx, func(f *file) error {
		u := f.Users[key]
		if u == nil {
			return ErrBadCode
		}
		for i := range u.Factors {
			fc := &u.Factors[i]
			secret, err := s.seal.open(fc.Sealed, key+"\x00"+fc.ID)
			if fc.Kind != KindTOTP || err != nil {
				continue
			}
			if step := checkTOTP(string(secret), code, fc.LastStep, now); step != 0 {
				fc.LastStep, fc.LastUsed, ok = step, now.UTC(), true
				return nil
			}
		}
		if i := matchCode(u.Recovery, code); i >= 0 && len(u.Factors) > 0 {
			u.Recovery = slices.Delete(u.Recovery, i, i+1)
			ok, usedRecovery = true, true
			return nil
		}
		return ErrBadCode
	})
	if err != nil || !ok {
		return false, err
	}
	return usedRecovery, nil
}

// IssueEnrolmentCode opens a one-time enrolment code for key, valid for
// ttl, replacing any earlier one. The code is returned once; only its hash
// is stored.
func (s *Store) IssueEnrolmentCode(ctx context.Context, key, name string, ttl time.Duration) (string, error) {
	code := newCode()
	err := s.update(ctx, func(f *file) error {
		u := f.Users[key]
		if u == nil {
			u = &User{Name: name}
		}
		u.Enrolment = &EnrolmentCode{Hash: hashCode(code), Expires: s.cfg.Now().Add(ttl).UTC()}
		f.Users[key] = u
		return nil
	})
	if err != nil {
		return "", err
	}
	return code, nil
}

// Reset removes every factor, recovery code and enrolment code of key;
// found is false when it had none.
func (s *Store) Reset(ctx context.Context, key string) (found bool, err error) {
	err = s.update(ctx, func(f *file) error {
		_, found = f.Users[key]
		delete(f.Users, key)
		return nil
	})
	return found, err
}

func newCodes(n int) (plain, hashes []string) {
	for range n {
		c := newCode()
		plain, hashes = append(plain, c), append(hashes, hashCode(c))
	}
	return plain, hashes
}

func randomID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}
