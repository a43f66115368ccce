package main

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/psgate/psgate/access"
	"github.com/psgate/psgate/authz"
	"github.com/psgate/psgate/identity"
	"github.com/psgate/psgate/identity/ldap"
)

// ruleDirectory opens the directory of the gateway config, or returns nil
// when the config names none (rule test then works on the typed names).
func ruleDirectory(e *env) (*ldap.Directory, error) {
	c := ruleConfig(e)
	if c == nil || c.Identity.LDAP == nil {
		return nil, nil
	}
	return openDirectory(c.Identity.LDAP)
}

// dirTest is `rule test` against the directory: the user is looked up as a
// sign-in resolves it (ldap.Directory.LookupIdentity) and the computer as
// a connect does (access.Authorizer), and the explanation names every SID.
type dirTest struct {
	e     *env
	dir   *ldap.Directory
	az    *access.Authorizer
	id    identity.Identity
	names map[string]string // SID (upper case) → DOMAIN\name; "" when the directory has none
}

// testWithDirectory runs `rule test` through the directory.
func testWithDirectory(e *env, tf ruleTestFlags, store *authz.Store, dir *ldap.Directory) error {
	az, err := access.New(access.Config{Rules: store, Machine: machineName(gatewayOptions(e)), Directory: dir})
	if err != nil {
		return fmt.Errorf("rule test: %w", err)
	}
	t := &dirTest{e: e, dir: dir, az: az, names: map[string]string{}}
	req, err := t.request(tf)
	if errors.Is(err, ldap.ErrAccountDisabled) {
		fmt.Fprintf(e.stdout, "denied: %s is disabled: its sign-in is refused before any rule\n", t.id.Name)
		return errNo
	}
	if err != nil {
		return fmt.Errorf("rule test: %w", err)
	}
	d := decide(store, req, tf.explain)
	if tf.output == "json" {
		return printDecisionJSON(e, d)
	}
	if tf.explain {
		t.explain(req, d)
	}
	return reportDecision(e, tf, d, access.NewResolver(dir, machineName(gatewayOptions(e))))
}

// request is what a connect of the user to the computer would ask, widened
// by the wildcards and the groups given on the command line.
func (t *dirTest) request(tf ruleTestFlags) (authz.Request, error) {
	ctx := t.e.ctx
	if tf.user != authz.Wildcard {
		id, err := t.dir.LookupIdentity(ctx, tf.user)
		t.id = id
		if err != nil {
			return authz.Request{}, err
		}
	}
	target := tf.computer
	if tf.uri != "" {
		target = tf.uri
	}
	var req authz.Request
	if target == authz.Wildcard {
		req = t.az.Request(ctx, t.id, "", tf.configuration)
		req.Target = authz.Target{Name: authz.Wildcard}
	} else {
		req = t.az.Request(ctx, t.id, target, tf.configuration)
	}
	req.AnyUser, req.AnyTarget = tf.user == authz.Wildcard, target == authz.Wildcard
	req.AnyConfiguration = tf.configuration == authz.Wildcard
	for _, g := range tf.memberOf {
		p, err := t.group(g)
		if err != nil {
			return req, fmt.Errorf("--member-of: %w", err)
		}
		req.Caller.Groups = append(req.Caller.Groups, p)
	}
	for _, g := range tf.computerMemberOf {
		p, err := t.group(g)
		if err != nil {
			return req, fmt.Errorf("--computer-member-of: %w", err)
		}
		req.Target.Groups = append(req.Target.Groups, p)
	}
	return req, nil
}

// group resolves a group named on the command line (name, DN or SID).
func (t *dirTest) group(name string) (authz.Principal, error) {
	g, err := t.dir.Find(t.e.ctx, identity.KindGroup, name)
	if err != nil {
		return authz.Principal{}, fmt.Errorf("group %q: %w", name, err)
	}
	return authz.Principal{Name: g.Name, SID: g.SID, DN: g.DN}, nil
}

// explain prints who the directory says the user and computer are, every
// rule's reason with names for SIDs, and for each match through a group
// the nested path that made the user (or computer) a member.
func (t *dirTest) explain(req authz.Request, d authz.Decision) {
	w := t.e.stdout
	c := req.Caller
	bySID := map[string]string{} // group name (lower) → SID, for "via group NAME"
	for _, g := range append(append([]authz.Principal(nil), c.Groups...), req.Target.Groups...) {
		t.names[strings.ToUpper(g.SID)] = g.Name
		bySID[strings.ToLower(g.Name)] = g.SID
	}
	if !req.AnyUser {
		fmt.Fprintf(w, "user %s, groups: %s\n", t.named(c.Name, c.SID), t.list(c.Groups))
	}
	if !req.AnyTarget {
		tg := req.Target
		if tg.DN == "" {
			fmt.Fprintf(w, "computer %s: not in the directory\n", tg.Name)
		} else {
			fmt.Fprintf(w, "computer %s = %s, groups: %s\n", tg.Name, t.named(tg.DN, tg.SID), t.list(tg.Groups))
		}
	}
	for _, r := range d.Reasons {
		text := viaGroupRE.ReplaceAllStringFunc(t.nameSIDs(r.Text), func(m string) string {
			name := strings.TrimPrefix(m, "via group ")
			return "via group " + t.named(name, bySID[strings.ToLower(name)])
		})
		fmt.Fprintf(w, "%-8s %s\n", r.Outcome.String()+":", text)
		if r.Outcome == authz.Match {
			t.paths(req, r.Rule)
		}
	}
	fmt.Fprintln(w)
}

// paths prints how the user and the computer are members of the rule's
// groups (only for rules that name groups).
func (t *dirTest) paths(req authz.Request, r authz.Rule) {
	if r.UserType == authz.UserGroup && !req.AnyUser {
		t.path(req.Caller.Name, req.Caller.DN, r.User, req.Caller.Groups)
	}
	if r.DestinationType == authz.DestinationComputerGroup && !req.AnyTarget {
		t.path(req.Target.Name, req.Target.DN, r.Destination, req.Target.Groups)
	}
}

func (t *dirTest) path(who, dn, group string, groups []authz.Principal) {
	var g *authz.Principal
	for i := range groups {
		p := &groups[i]
		if strings.EqualFold(p.SID, group) || strings.EqualFold(p.DN, group) || strings.EqualFold(p.Name, group) {
			g = p
			break
		}
	}
	if g == nil || g.DN == "" || dn == "" {
		return
	}
	chain, err := t.dir.MemberPath(t.e.ctx, dn, g.DN)
	if err != nil {
		fmt.Fprintf(t.e.stdout, "         %s is in %s (no member link: a primary group, or given with --member-of)\n", who, t.named(g.Name, g.SID))
		return
	}
	steps := []string{who}
	for _, s := range chain {
		steps = append(steps, t.named(s.Name, s.SID))
	}
	fmt.Fprintf(t.e.stdout, "         %s\n", strings.Join(steps, " → "))
}

// named is "name (SID)", or the name alone without a SID.
func (t *dirTest) named(name, sid string) string {
	if sid == "" || strings.EqualFold(name, sid) {
		return name
	}
	return name + " (" + sid + ")"
}

func (t *dirTest) list(ps []authz.Principal) string {
	if len(ps) == 0 {
		return "none"
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = t.named(p.Name, p.SID)
	}
	return strings.Join(out, ", ")
}

var (
	sidRE      = regexp.MustCompile(`\bS-1-[0-9]+(?:-[0-9]+)+\b`)
	viaGroupRE = regexp.MustCompile(`via group [^;]+`) // authz's "user matches via group NAME; …"
)

// nameSIDs writes every SID of a reason as "DOMAIN\name (SID)", asking the
// directory for those the request does not name; an unknown SID says so.
func (t *dirTest) nameSIDs(text string) string {
	return sidRE.ReplaceAllStringFunc(text, func(sid string) string {
		key := strings.ToUpper(sid)
		name, ok := t.names[key]
		if !ok {
			if e, err := t.dir.FindSID(t.e.ctx, sid); err == nil {
				name = e.Name
			}
			t.names[key] = name
		}
		if name == "" {
			return sid + " (not in the directory)"
		}
		return name + " (" + sid + ")"
	})
}
