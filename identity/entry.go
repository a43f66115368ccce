package identity

import (
	"context"
	"errors"
)

// Kind is the kind of a directory entry.
type Kind int

// The kinds of entry a Directory looks up.
const (
	KindUser Kind = iota + 1
	KindGroup
	KindComputer
)

// Entry is a user, group or computer as a Directory found it.
type Entry struct {
	Kind        Kind
	Name        string // DOMAIN\name (AD), uid or cn (LDAP)
	SID         string
	DN          string
	DNSHostName string // computers
	// Security is true for security groups (generic LDAP: every group).
	Security bool
	// Groups are every group the entry is in, nesting resolved.
	Groups []Group
}

// ErrNotFound is returned (wrapped) by a Directory when no entry matches.
var ErrNotFound = errors.New("not found in the directory")

// ErrUnavailable is returned (wrapped) by an Authenticator or a Directory
// when the directory could not answer: refused, timed out, a TLS failure,
// the service account's bind refused. It says nothing about the user's
// password, so a sign-in that fails with it is not a failed guess.
var ErrUnavailable = errors.New("directory unavailable")

// Directory looks names up in the directory behind an identity provider
// (LDAP / AD): the computers of authorization decisions and the names of
// rules that `rule add` canonicalises.
type Directory interface {
	Find(ctx context.Context, kind Kind, name string) (Entry, error)
	FindSID(ctx context.Context, sid string) (Entry, error)
}
