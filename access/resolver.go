package access

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/psgate/psgate/authz"
	"github.com/psgate/psgate/identity"
)

// Resolver canonicalises rule names through the LDAP/AD directory, so that
// `rule add` stores what PSWA stores: AD accounts and computers by SID (PSWA
// rule files work unchanged), plain-LDAP ones by DN. It also enforces PSWA's
// type checks: --user must name a user, --user-group a security group,
// --computer a computer and --computer-group a security group.
type Resolver struct {
	dir   identity.Directory
	typed authz.TypedResolver // .\x, localhost\x and IP literals
}

// NewResolver resolves through dir; machine is the gateway's machine name
// (.\x and localhost\x are MACHINE\x).
func NewResolver(dir identity.Directory, machine string) Resolver {
	return Resolver{dir: dir, typed: authz.TypedResolver{MachineName: machine}}
}

// Resolve implements authz.Resolver.
func (r Resolver) Resolve(ctx context.Context, kind authz.Kind, name string) (authz.Account, error) {
	typed, err := r.typed.Resolve(ctx, kind, name)
	if err != nil {
		return authz.Account{}, err
	}
	if typed.Local || typed.SID != "" || (kind == authz.KindComputer && isIPLiteral(typed.Name)) {
		return typed, nil // a gateway-local account, a SID given directly, or an IP
	}
	dk := identity.KindUser
	switch kind {
	case authz.KindUserGroup, authz.KindComputerGroup:
		dk = identity.KindGroup
	case authz.KindComputer:
		dk = identity.KindComputer
	}
	obj, err := r.dir.Find(ctx, dk, name)
	if err != nil {
		if errors.Is(err, identity.ErrNotFound) {
			return authz.Account{}, fmt.Errorf("resolving %s %q: %w", kind, name, authz.ErrNotFound)
		}
		return authz.Account{}, fmt.Errorf("resolving %s %q: %w", kind, name, err)
	}
	if (kind == authz.KindUserGroup || kind == authz.KindComputerGroup) && !obj.Security {
		return authz.Account{}, fmt.Errorf("%s %q is not a security group: %w", kind, name, authz.ErrUsage)
	}
	acct := authz.Account{Name: obj.Name, SID: obj.SID, DN: obj.DN}
	if kind == authz.KindComputer && obj.DNSHostName != "" {
		acct.Name = obj.DNSHostName // authz wants the FQDN for computers
	}
	return acct, nil
}

// NameOf implements authz.Resolver: a SID back to DOMAIN\name (computers:
// domain\host without the trailing $, as PSWA shows them).
func (r Resolver) NameOf(ctx context.Context, sid string) (string, error) {
	obj, err := r.dir.FindSID(ctx, sid)
	if err != nil {
		if errors.Is(err, identity.ErrNotFound) {
			return "", fmt.Errorf("resolving SID %s: %w", sid, authz.ErrNotFound)
		}
		return "", fmt.Errorf("resolving SID %s: %w", sid, err)
	}
	if obj.Kind == identity.KindComputer && obj.DNSHostName != "" {
		return obj.DNSHostName, nil
	}
	return strings.TrimSuffix(obj.Name, "$"), nil
}

func isIPLiteral(s string) bool {
	_, err := netip.ParseAddr(strings.Trim(s, "[]"))
	return err == nil
}
