package ldap

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"
)

// Kind of a directory object.
type Kind string

const (
	KindUser     Kind = "user"
	KindGroup    Kind = "group"
	KindComputer Kind = "computer"
)

// User is a signed-in user.
type User struct {
	// Name is DOMAIN\sAMAccountName (AD) or the uid (generic LDAP).
	Name string
	UPN  string
	DN   string
	SID  string // AD only
	// Groups are all groups the user is in, directly or through nesting.
	Groups []Group
}

// Group is one group of a user or computer.
type Group struct {
	Name string // DOMAIN\sAMAccountName (AD), cn (generic LDAP)
	DN   string
	SID  string // AD only
}

// Object is the answer of a lookup.
type Object struct {
	Kind            Kind
	Name            string // as in User.Name / Group.Name; computers: DOMAIN\NAME (AD) or cn
	DN              string
	SID             string
	IsSecurityGroup bool   // groups: AD security group (generic LDAP: always true)
	DNSHostName     string // computers
	Groups          []Group
}

// attributes read for every object.
var objectAttrs = []string{"objectClass", "sAMAccountName", "userPrincipalName", "objectSid", "uid", "cn", "userAccountControl",
	"groupType", "dNSHostName", "pwdAccountLockedTime"}

// searchOne finds exactly one entry under the base DN.
func (d *Directory) searchOne(c *conn, what, filter string) (*goldap.Entry, error) {
	req := goldap.NewSearchRequest(d.cfg.BaseDN, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 2, 0, false,
		filter, objectAttrs, nil)
	res, err := c.l.Search(req)
	if err != nil && !goldap.IsErrorWithCode(err, goldap.LDAPResultSizeLimitExceeded) {
		return nil, searchErr(what, err)
	}
	switch {
	case res == nil || len(res.Entries) == 0:
		return nil, fmt.Errorf("%s: %w", what, ErrNotFound)
	case len(res.Entries) > 1:
		return nil, fmt.Errorf("%s: %w", what, ErrAmbiguous)
	}
	return res.Entries[0], nil
}

// readDN reads one entry by DN.
func (d *Directory) readDN(c *conn, dn string) (*goldap.Entry, error) {
	req := goldap.NewSearchRequest(dn, goldap.ScopeBaseObject, goldap.NeverDerefAliases, 1, 0, false,
		"(objectClass=*)", objectAttrs, nil)
	res, err := c.l.Search(req)
	if err != nil {
		return nil, searchErr(fmt.Sprintf("dn %q", dn), err)
	}
	if len(res.Entries) != 1 {
		return nil, fmt.Errorf("dn %q: %w", dn, ErrNotFound)
	}
	return res.Entries[0], nil
}

// toObject converts an entry.
func (d *Directory) toObject(e *goldap.Entry) Object {
	o := Object{DN: e.DN, Kind: d.kindOf(e), IsSecurityGroup: true}
	if raw := e.GetRawAttributeValue("objectSid"); len(raw) > 0 {
		o.SID, _ = DecodeSID(raw)
	}
	o.DNSHostName = e.GetAttributeValue("dNSHostName")
	if !d.cfg.AD {
		naming := "cn"
		if o.Kind == KindUser {
			naming = d.cfg.UserAttribute
		}
		o.Name = rdnName(e.DN, naming)
		return o
	}
	sam := e.GetAttributeValue("sAMAccountName")
	if o.Kind == KindComputer {
		sam = strings.TrimSuffix(sam, "$")
	}
	o.Name = d.qualify(o.SID, sam)
	if gt := e.GetAttributeValue("groupType"); gt != "" {
		v, _ := strconv.ParseInt(gt, 10, 64)
		o.IsSecurityGroup = v&0x80000000 != 0
	}
	return o
}

// qualify prefixes an AD account name with its domain (BUILTIN for S-1-5-32).
func (d *Directory) qualify(sid, sam string) string {
	if strings.HasPrefix(sid, "S-1-5-32-") {
		return `BUILTIN\` + sam
	}
	return d.cfg.Domain + `\` + sam
}

func (d *Directory) kindOf(e *goldap.Entry) Kind {
	classes := map[string]bool{}
	for _, c := range e.GetAttributeValues("objectClass") {
		classes[strings.ToLower(c)] = true
	}
	switch {
	case classes["computer"], classes["device"], classes["iphost"]:
		return KindComputer
	case classes["group"], classes["groupofnames"], classes["groupofuniquenames"]:
		return KindGroup
	}
	return KindUser
}

// lookup resolves name to one object of kind, with its transitive groups
// when withGroups is set.
func (d *Directory) lookup(ctx context.Context, kind Kind, name string) (Object, error) {
	var obj Object
	err := d.withService(ctx, func(c *conn) error {
		filter, err := d.nameFilter(kind, name)
		if err != nil {
			return err
		}
		var e *goldap.Entry
		if isDN(name) {
			e, err = d.readDN(c, name)
		} else {
			e, err = d.searchOne(c, fmt.Sprintf("%s %q", kind, name), filter)
		}
		if err != nil {
			return err
		}
		obj = d.toObject(e)
		if kind != "" && obj.Kind != kind {
			return fmt.Errorf("%s %q is a %s: %w", kind, name, obj.Kind, ErrNotFound)
		}
		if obj.Kind != KindGroup {
			obj.Groups, err = d.groupsOf(c, obj.DN)
		}
		return err
	})
	return obj, err
}

// LookupUser resolves DOMAIN\user, user@realm, a DN, a SID or a bare name.
func (d *Directory) LookupUser(ctx context.Context, name string) (Object, error) {
	return d.lookup(ctx, KindUser, name)
}

// LookupGroup resolves DOMAIN\group, a DN, a SID or a bare name.
func (d *Directory) LookupGroup(ctx context.Context, name string) (Object, error) {
	return d.lookup(ctx, KindGroup, name)
}

// LookupComputer resolves a computer by short name, DNS name, DOMAIN\NAME,
// DN or SID, with its transitive groups.
func (d *Directory) LookupComputer(ctx context.Context, name string) (Object, error) {
	return d.lookup(ctx, KindComputer, name)
}

// LookupSID resolves a SID to whatever object carries it (AD).
func (d *Directory) LookupSID(ctx context.Context, sid string) (Object, error) {
	if !IsSID(sid) {
		return Object{}, fmt.Errorf("sid %q: %w", sid, errBadSID)
	}
	return d.lookup(ctx, "", sid)
}

// rdnName is the name of a generic-LDAP entry: the value of its DN's first
// RDN for the naming attribute (uid for users, cn otherwise), or the RDN's
// first value when it is named by another attribute. Never a value of a
// multi-valued attribute: an entry uid=mallory that also carries "uid: zoe"
// must not sign in, hold sessions or count caps as zoe.
func rdnName(dn, naming string) string {
	parsed, err := goldap.ParseDN(dn)
	if err != nil || len(parsed.RDNs) == 0 || len(parsed.RDNs[0].Attributes) == 0 {
		return ""
	}
	first := parsed.RDNs[0]
	for _, a := range first.Attributes {
		if strings.EqualFold(a.Type, naming) {
			return a.Value
		}
	}
	return first.Attributes[0].Value
}
