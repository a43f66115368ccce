package ldap

import (
	"fmt"
	"sort"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"
)

// groupsOf returns the transitive groups of the object at dn.
func (d *Directory) groupsOf(c *conn, dn string) ([]Group, error) {
	var gs []Group
	var err error
	if d.cfg.AD {
		gs, err = d.tokenGroups(c, dn)
	} else {
		gs, err = d.nestedGroups(c, dn)
	}
	sort.Slice(gs, func(i, j int) bool { return strings.ToLower(gs[i].Name) < strings.ToLower(gs[j].Name) })
	return gs, err
}

// tokenGroups reads AD's computed tokenGroups (every security group,
// nested and primary, as SIDs) and maps the SIDs to names with one search
// per 100. A SID that does not resolve stays as a group named by its SID.
func (d *Directory) tokenGroups(c *conn, dn string) ([]Group, error) {
	req := goldap.NewSearchRequest(dn, goldap.ScopeBaseObject, goldap.NeverDerefAliases, 1, 0, false,
		"(objectClass=*)", []string{"tokenGroups"}, nil)
	res, err := c.l.Search(req)
	if err != nil {
		return nil, searchErr(fmt.Sprintf("tokenGroups of %q", dn), err)
	}
	if len(res.Entries) != 1 {
		return nil, fmt.Errorf("tokenGroups of %q: %w", dn, ErrNotFound)
	}
	var sids []string
	for _, raw := range res.Entries[0].GetRawAttributeValues("tokenGroups") {
		if s, err := DecodeSID(raw); err == nil {
			sids = append(sids, s)
		}
	}
	if len(sids) > d.cfg.MaxGroups {
		sids = sids[:d.cfg.MaxGroups]
	}
	byName := map[string]Group{}
	for start := 0; start < len(sids); start += 100 {
		end := min(start+100, len(sids))
		var f strings.Builder
		f.WriteString("(|")
		for _, s := range sids[start:end] {
			v, _ := sidFilterValue(s)
			f.WriteString("(objectSid=" + v + ")")
		}
		f.WriteString(")")
		req := goldap.NewSearchRequest(d.cfg.BaseDN, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false,
			f.String(), []string{"sAMAccountName", "objectSid"}, nil)
		res, err := c.l.Search(req)
		if err != nil {
			return nil, searchErr("group SIDs", err)
		}
		for _, e := range res.Entries {
			sid, err := DecodeSID(e.GetRawAttributeValue("objectSid"))
			if err == nil {
				byName[sid] = Group{Name: d.qualify(sid, e.GetAttributeValue("sAMAccountName")), DN: e.DN, SID: sid}
			}
		}
	}
	out := make([]Group, 0, len(sids))
	for _, s := range sids {
		g, ok := byName[s]
		if !ok {
			g = Group{Name: s, SID: s}
		}
		out = append(out, g)
	}
	return out, nil
}

// nestedGroups walks member= links upwards from dn, breadth first: each
// round finds the groups that list any DN of the previous round. A DN seen
// before is not followed again, so cycles end.
func (d *Directory) nestedGroups(c *conn, dn string) ([]Group, error) {
	seen := map[string]bool{strings.ToLower(dn): true}
	frontier := []string{dn}
	var out []Group
	for len(frontier) > 0 && len(out) < d.cfg.MaxGroups {
		var next []string
		for start := 0; start < len(frontier); start += 50 {
			end := min(start+50, len(frontier))
			var f strings.Builder
			f.WriteString("(&" + d.cfg.GroupFilter + "(|")
			for _, m := range frontier[start:end] {
				f.WriteString("(member=" + goldap.EscapeFilter(m) + ")(uniqueMember=" + goldap.EscapeFilter(m) + ")")
			}
			f.WriteString("))")
			req := goldap.NewSearchRequest(d.cfg.BaseDN, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false,
				f.String(), []string{"cn"}, nil)
			res, err := c.l.Search(req)
			if err != nil {
				return nil, searchErr(fmt.Sprintf("groups of %q", dn), err)
			}
			for _, e := range res.Entries {
				key := strings.ToLower(e.DN)
				if seen[key] {
					continue
				}
				seen[key] = true
				out = append(out, Group{Name: rdnName(e.DN, "cn"), DN: e.DN})
				next = append(next, e.DN)
			}
		}
		frontier = next
	}
	if len(out) > d.cfg.MaxGroups {
		out = out[:d.cfg.MaxGroups]
	}
	return out, nil
}
