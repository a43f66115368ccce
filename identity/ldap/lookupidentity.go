package ldap

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/psgate/psgate/identity"
)

// LookupIdentity resolves a user without a password to the Identity a
// sign-in of that user returns (name, SID, DN, UPN and every group, nesting
// resolved), through the service account: what `psgate rule test` decides
// with. It takes what a sign-in takes (AD: DOMAIN\user, user@realm, a bare
// name; generic LDAP: the UserAttribute value or a user's DN) and a SID. A
// disabled account (AD userAccountControl ACCOUNTDISABLE; OpenLDAP's
// administrative lock) is refused as a sign-in would be: the error wraps
// ErrAccountDisabled and the Identity is still filled, to say who.
func (d *Directory) LookupIdentity(ctx context.Context, name string) (identity.Identity, error) {
	typed := name
	if d.cfg.AD && !IsSID(name) {
		bind, err := d.adBindName(name)
		if err != nil {
			return identity.Identity{Typed: typed}, fmt.Errorf("user %q: %w", name, ErrNotFound)
		}
		name = bind
	}
	var (
		u        *User
		disabled bool
	)
	err := d.withService(ctx, func(c *conn) error {
		e, err := d.findUser(c, name)
		if err != nil {
			return err
		}
		u, disabled = d.toUser(e), d.isDisabled(e)
		u.Groups, err = d.groupsOf(c, e.DN)
		return err
	})
	if err != nil {
		return identity.Identity{Typed: typed}, err // it names the user
	}
	id := d.Identity(u)
	id.Typed = typed
	if disabled {
		return id, fmt.Errorf("user %q: %w", u.Name, ErrAccountDisabled)
	}
	return id, nil
}

// findUser reads the one user entry name names (a DN must be a user's).
func (d *Directory) findUser(c *conn, name string) (*goldap.Entry, error) {
	what := fmt.Sprintf("user %q", name)
	if isDN(name) {
		e, err := d.readDN(c, name)
		if err != nil {
			return nil, err
		}
		if d.kindOf(e) != KindUser {
			return nil, fmt.Errorf("%s is not a user: %w", what, ErrNotFound)
		}
		return e, nil
	}
	filter, err := d.nameFilter(KindUser, name)
	if err != nil {
		return nil, err
	}
	return d.searchOne(c, what, filter)
}

// isDisabled reports an account a sign-in refuses before its password:
// AD's ACCOUNTDISABLE bit, OpenLDAP's lock "until an admin unlocks".
func (d *Directory) isDisabled(e *goldap.Entry) bool {
	if d.cfg.AD {
		uac, _ := strconv.ParseInt(e.GetAttributeValue("userAccountControl"), 10, 64)
		return uac&0x2 != 0
	}
	return e.GetAttributeValue("pwdAccountLockedTime") == "000001010000Z"
}

// MemberPath says how the entry at memberDN is a member of the group at
// groupDN: the groups from its direct group up to groupDN (last), one
// member= search per group walked, breadth first (so the shortest path).
// A group reached only through AD's primaryGroupID (Domain Users) has no
// member= link: ErrNotFound.
func (d *Directory) MemberPath(ctx context.Context, memberDN, groupDN string) ([]identity.Group, error) {
	var path []identity.Group
	err := d.withService(ctx, func(c *conn) error {
		parent := map[string]*goldap.Entry{} // group DN (lower) → its entry
		via := map[string]string{}           // group DN (lower) → the DN it was reached from (lower)
		seen := map[string]bool{strings.ToLower(memberDN): true}
		frontier := []string{memberDN}
		for len(frontier) > 0 && len(seen) <= d.cfg.MaxGroups {
			var next []string
			for _, m := range frontier {
				f := "(&" + d.cfg.GroupFilter + "(|(member=" + goldap.EscapeFilter(m) + ")(uniqueMember=" + goldap.EscapeFilter(m) + ")))"
				res, err := c.l.Search(goldap.NewSearchRequest(d.cfg.BaseDN, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases,
					0, 0, false, f, objectAttrs, nil))
				if err != nil {
					return searchErr(fmt.Sprintf("groups of %q", m), err)
				}
				for _, e := range res.Entries {
					key := strings.ToLower(e.DN)
					if seen[key] {
						continue
					}
					seen[key], parent[key], via[key] = true, e, strings.ToLower(m)
					if strings.EqualFold(e.DN, groupDN) {
						path = d.chain(key, parent, via)
						return nil
					}
					next = append(next, e.DN)
				}
			}
			frontier = next
		}
		return fmt.Errorf("%q in %q: no member= path: %w", memberDN, groupDN, ErrNotFound)
	})
	return path, err
}

// chain walks via back from key and returns the groups in member order.
func (d *Directory) chain(key string, parent map[string]*goldap.Entry, via map[string]string) []identity.Group {
	var rev []identity.Group
	for e, ok := parent[key]; ok; e, ok = parent[key] {
		o := d.toObject(e)
		rev = append(rev, identity.Group{Name: o.Name, SID: o.SID, DN: o.DN, Security: o.IsSecurityGroup})
		key = via[key]
	}
	out := make([]identity.Group, 0, len(rev))
	for i := len(rev) - 1; i >= 0; i-- {
		out = append(out, rev[i])
	}
	return out
}
