package ldap

import (
	"context"
	"errors"
	"fmt"

	goldap "github.com/go-ldap/ldap/v3"
)

// Authenticate binds as username with password on a fresh connection and
// returns the user with its transitive groups. AD takes DOMAIN\user,
// user@realm or a bare name (bound as DOMAIN\name), not a DN; generic LDAP
// takes the UserAttribute value (found with a service-account search) or a
// DN. Empty passwords are refused here, before any LDAP traffic (an empty
// simple bind is an anonymous bind on many servers).
func (d *Directory) Authenticate(ctx context.Context, username, password string) (*User, error) {
	if password == "" {
		return nil, fmt.Errorf("user %q: empty password: %w", username, ErrInvalidCredentials)
	}
	if err := checkInput(username); err != nil {
		return nil, fmt.Errorf("user name: %w (%v)", ErrInvalidCredentials, err)
	}
	if d.cfg.AD {
		return d.authAD(ctx, username, password)
	}
	return d.authLDAP(ctx, username, password)
}

func (d *Directory) authAD(ctx context.Context, username, password string) (*User, error) {
	bindName, err := d.adBindName(username)
	if err != nil {
		return nil, err
	}
	c, err := d.dial(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if err := c.do(ctx, d.cfg.Timeout, func() error { return c.l.Bind(bindName, password) }); err != nil {
		return nil, classifyBind(bindName, err)
	}
	var u *User
	err = c.do(ctx, d.cfg.Timeout, func() error {
		filter, err := d.nameFilter(KindUser, bindName)
		if err != nil {
			return err
		}
		e, err := d.searchOne(c, fmt.Sprintf("user %q", bindName), filter)
		if err != nil {
			return err
		}
		u = d.toUser(e)
		u.Groups, err = d.groupsOf(c, e.DN) // AD: tokenGroups; the user may read its own token
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading user %q after bind: %w", bindName, err)
	}
	return u, nil
}

func (d *Directory) toUser(e *goldap.Entry) *User {
	o := d.toObject(e)
	return &User{Name: o.Name, UPN: e.GetAttributeValue("userPrincipalName"), DN: e.DN, SID: o.SID}
}

func (d *Directory) authLDAP(ctx context.Context, username, password string) (*User, error) {
	dn := username
	if isDN(username) {
		// A typed DN must name a user entry under BaseDN, as a name found
		// by the search does: otherwise any bindable entry (a service
		// account, a device with a password) could sign in.
		if err := d.checkUserDN(ctx, username); err != nil {
			if errors.Is(err, ErrNotFound) {
				return nil, fmt.Errorf("user %q: %w (%v)", username, ErrInvalidCredentials, err)
			}
			return nil, err
		}
	} else {
		filter, err := d.nameFilter(KindUser, username)
		if err != nil {
			return nil, fmt.Errorf("user %q: %w (%v)", username, ErrInvalidCredentials, err)
		}
		err = d.withService(ctx, func(c *conn) error {
			e, err := d.searchOne(c, fmt.Sprintf("user %q", username), filter)
			if err == nil {
				dn = e.DN
			}
			return err
		})
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrAmbiguous) {
			return nil, fmt.Errorf("user %q: %w (%v)", username, ErrInvalidCredentials, err)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := d.bindLDAP(ctx, dn, password); err != nil {
		return nil, err
	}
	var u *User
	err := d.withService(ctx, func(c *conn) error {
		e, err := d.readDN(c, dn)
		if err != nil {
			return err
		}
		u = d.toUser(e)
		u.Groups, err = d.groupsOf(c, e.DN)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading user %q after bind: %w", dn, err)
	}
	return u, nil
}

// bindLDAP binds as dn with the password-policy control (RFC draft
// behera), whose answer tells expired, locked and must-change apart.
func (d *Directory) bindLDAP(ctx context.Context, dn, password string) error {
	c, err := d.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	var res *goldap.SimpleBindResult
	err = c.do(ctx, d.cfg.Timeout, func() error {
		var err error
		res, err = c.l.SimpleBind(goldap.NewSimpleBindRequest(dn, password,
			[]goldap.Control{goldap.NewControlBeheraPasswordPolicy()}))
		return err
	})
	pp := policyControl(res)
	switch {
	case pp != nil && pp.Error == 0:
		return fmt.Errorf("binding as %q: %w (ppolicy passwordExpired)", dn, ErrPasswordExpired)
	case pp != nil && pp.Error == 1:
		if d.administrativelyLocked(ctx, dn) {
			return fmt.Errorf("binding as %q: %w (ppolicy accountLocked, pwdAccountLockedTime 000001010000Z)", dn, ErrAccountDisabled)
		}
		return fmt.Errorf("binding as %q: %w (ppolicy accountLocked)", dn, ErrAccountLocked)
	case pp != nil && pp.Error == 2:
		return fmt.Errorf("binding as %q: %w (ppolicy changeAfterReset)", dn, ErrMustChangePassword)
	case err != nil:
		return classifyBind(dn, err)
	}
	return nil
}

func policyControl(res *goldap.SimpleBindResult) *goldap.ControlBeheraPasswordPolicy {
	if res == nil {
		return nil
	}
	c, _ := goldap.FindControl(res.Controls, goldap.ControlTypeBeheraPasswordPolicy).(*goldap.ControlBeheraPasswordPolicy)
	return c
}

// administrativelyLocked reports OpenLDAP's "locked until an admin unlocks"
// marker, which is how a generic LDAP directory disables an account.
func (d *Directory) administrativelyLocked(ctx context.Context, dn string) bool {
	var locked bool
	_ = d.withService(ctx, func(c *conn) error {
		e, err := d.readDN(c, dn)
		if err == nil {
			locked = e.GetAttributeValue("pwdAccountLockedTime") == "000001010000Z"
		}
		return err
	})
	return locked
}

// checkUserDN reports ErrNotFound unless dn is under BaseDN and its entry
// matches UserFilter (a base search by the service account).
func (d *Directory) checkUserDN(ctx context.Context, dn string) error {
	base, err := goldap.ParseDN(d.cfg.BaseDN)
	if err != nil {
		return fmt.Errorf("base DN %q: %w", d.cfg.BaseDN, err)
	}
	pd, err := goldap.ParseDN(dn)
	if err != nil || !base.AncestorOfFold(pd) {
		return fmt.Errorf("dn %q is not under %q: %w", dn, d.cfg.BaseDN, ErrNotFound)
	}
	return d.withService(ctx, func(c *conn) error {
		req := goldap.NewSearchRequest(dn, goldap.ScopeBaseObject, goldap.NeverDerefAliases, 1, 0, false,
			d.cfg.UserFilter, []string{"1.1"}, nil)
		res, err := c.l.Search(req)
		if err != nil {
			return searchErr(fmt.Sprintf("user dn %q", dn), err)
		}
		if len(res.Entries) != 1 {
			return fmt.Errorf("dn %q is not a user (%s): %w", dn, d.cfg.UserFilter, ErrNotFound)
		}
		return nil
	})
}
