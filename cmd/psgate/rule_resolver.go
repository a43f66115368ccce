package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/psgate/psgate/authz"
	"github.com/psgate/psgate/identity/ldap"
)

// dirResolver canonicalises rule names through the LDAP/AD directory, so that
// `rule add` stores what PSWA stores: AD accounts and computers by SID (PSWA
// rule files work unchanged), plain-LDAP ones by DN. It also enforces PSWA's
// type checks: --user must name a user, --user-group a security group,
// --computer a computer and --computer-group a security group.
type dirResolver struct {
	dir     *ldap.Directory
	typed   authz.TypedResolver // .\x, localhost\x and IP literals
	machine string              // the gateway's machine name (local accounts)
}

// Resolve implements authz.Resolver.
func (r dirResolver) Resolve(ctx context.Context, kind authz.Kind, name string) (authz.Account, error) {
	typed, err := r.typed.Resolve(ctx, kind, name)
	if err != nil {
		return authz.Account{}, err
	}
	if typed.Local || typed.SID != "" || (kind == authz.KindComputer && isIPLiteral(typed.Name)) {
		return typed, nil // a gateway-local account, a SID given directly, or an IP
	}
	var obj ldap.Object
	switch kind {
	case authz.KindUser:
		obj, err = r.dir.LookupUser(ctx, name)
	case authz.KindUserGroup, authz.KindComputerGroup:
		obj, err = r.dir.LookupGroup(ctx, name)
	case authz.KindComputer:
		obj, err = r.dir.LookupComputer(ctx, name)
	}
	if err != nil {
		if errors.Is(err, ldap.ErrNotFound) {
			return authz.Account{}, fmt.Errorf("resolving %s %q: %w", kind, name, authz.ErrNotFound)
		}
		return authz.Account{}, fmt.Errorf("resolving %s %q: %w", kind, name, err)
	}
	if (kind == authz.KindUserGroup || kind == authz.KindComputerGroup) && !obj.IsSecurityGroup {
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
func (r dirResolver) NameOf(ctx context.Context, sid string) (string, error) {
	obj, err := r.dir.LookupSID(ctx, sid)
	if err != nil {
		if errors.Is(err, ldap.ErrNotFound) {
			return "", fmt.Errorf("resolving SID %s: %w", sid, authz.ErrNotFound)
		}
		return "", fmt.Errorf("resolving SID %s: %w", sid, err)
	}
	if obj.Kind == ldap.KindComputer && obj.DNSHostName != "" {
		return obj.DNSHostName, nil
	}
	return strings.TrimSuffix(obj.Name, "$"), nil
}

func isIPLiteral(s string) bool {
	_, err := netip.ParseAddr(strings.Trim(s, "[]"))
	return err == nil
}
