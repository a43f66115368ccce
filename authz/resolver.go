package authz

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Kind is what a name given to `rule add` stands for.
type Kind int

// The kinds of names a rule holds.
const (
	KindUser Kind = iota
	KindUserGroup
	KindComputer
	KindComputerGroup
)

// String returns "user", "user group", "computer" or "computer group".
func (k Kind) String() string {
	return [...]string{"user", "user group", "computer", "computer group"}[k]
}

// ErrNotFound marks a name or SID a Resolver does not know.
var ErrNotFound = errors.New("not found")

// Account is what a Resolver knows of a name.
type Account struct {
	Name  string // canonical display name: DOMAIN\name for accounts, FQDN for computers
	SID   string // "" when the directory has none (workgroup, plain LDAP)
	DN    string // "" when unknown
	Local bool   // an account of the gateway machine itself (IsUserGroupLocal / IsComputerGroupLocal)
}

// Resolver canonicalises names when rules are added and turns stored SIDs
// back into names for display. The LDAP/AD adapter implements it; without a
// directory, TypedResolver stores names as typed (PSWA's workgroup behaviour).
type Resolver interface {
	// Resolve returns the account a name of the given kind stands for. It
	// returns an error wrapping ErrNotFound when the name does not exist.
	Resolve(ctx context.Context, kind Kind, name string) (Account, error)
	// NameOf returns the display name of a SID, or an error wrapping
	// ErrNotFound.
	NameOf(ctx context.Context, sid string) (string, error)
}

// TypedResolver is the Resolver without a directory: names are kept as typed
// (".\x" and "localhost\x" become MachineName\x), IP literals in canonical
// text, and no SID is known.
type TypedResolver struct {
	// MachineName is the gateway's machine name (see Options.MachineName).
	MachineName string
}

// Resolve implements Resolver.
func (t TypedResolver) Resolve(_ context.Context, kind Kind, name string) (Account, error) {
	name = strings.TrimSpace(name)
	if IsSID(name) {
		return Account{Name: name, SID: strings.ToUpper(name)}, nil
	}
	switch kind {
	case KindComputer:
		if a, ok := parseIP(stripPort(name)); ok {
			return Account{Name: a}, nil
		}
		return Account{Name: name}, nil
	default:
		name = NormalizeAccount(name, t.MachineName)
		dom, _, ok := strings.Cut(name, `\`)
		return Account{Name: name, Local: ok && t.MachineName != "" && strings.EqualFold(dom, t.MachineName)}, nil
	}
}

// NameOf implements Resolver; without a directory no SID has a name.
func (t TypedResolver) NameOf(_ context.Context, sid string) (string, error) {
	return "", fmt.Errorf("looking up %s: %w (no directory)", sid, ErrNotFound)
}

// DisplayUser returns the rule's user as shown by `rule get`: "*", the stored
// name, or a SID resolved to a name (the raw SID when it cannot be resolved).
func DisplayUser(ctx context.Context, res Resolver, r Rule) string {
	return display(ctx, res, r.User)
}

// DisplayDestination is DisplayUser for the destination; a resolved computer
// account name loses its trailing "$", as in PSWA.
func DisplayDestination(ctx context.Context, res Resolver, r Rule) string {
	return strings.TrimSuffix(display(ctx, res, r.Destination), "$")
}

func display(ctx context.Context, res Resolver, v string) string {
	if res == nil || !IsSID(v) {
		return v
	}
	if n, err := res.NameOf(ctx, v); err == nil && n != "" {
		return n
	}
	return v
}
