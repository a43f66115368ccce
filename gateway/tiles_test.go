package gateway

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/alexedwards/scs/v2"

	"github.com/psgate/psgate/audit"
	"github.com/psgate/psgate/identity"
)

// TestPortalTilesByRule: the portal shows only the tiles a rule allows the
// signed-in identity (computer and configuration); a user with none and no
// typed computers reads "no computers are available" and the audit says
// why; with typed computers allowed there is no such notice.
func TestPortalTilesByRule(t *testing.T) {
	sm := scs.New()
	buf := &bytes.Buffer{}
	c := &Connect{
		Deps: &Deps{Sessions: sm, CSRF: &CSRF{Values: sm}, Audit: audit.NewLog(buf, nil), Metrics: NewMetrics(),
			Logger: slog.New(slog.DiscardHandler)},
		Authorizer: ruleAuthz{allow: map[string]bool{"alice|pub": true}},
		Published:  []PublishedTarget{{ID: "0", Name: "Pub"}, {ID: "1", Name: "Other"}},
		PublishedTargets: []Target{{Computer: "pub", Configuration: "Microsoft.PowerShell"},
			{Computer: "other", Configuration: "Microsoft.PowerShell"}},
	}
	signedIn := func(name string) context.Context {
		ctx, err := sm.Load(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := identity.Identity{Name: name}.Marshal()
		sm.Put(ctx, sessionUserKey, name)
		sm.Put(ctx, sessionIdentityKey, b)
		return ctx
	}
	page := c.portalPage(signedIn("alice"), "alice", LoginFields{}, nil)
	if len(page.Published) != 1 || page.Published[0].Name != "Pub" || page.Notice != "" {
		t.Errorf("alice: tiles %+v, notice %q; want Pub only", page.Published, page.Notice)
	}
	page = c.portalPage(signedIn("carol"), "carol", LoginFields{}, nil)
	if len(page.Published) != 0 || page.Notice != MessageNoComputers {
		t.Errorf("carol: tiles %+v, notice %q; want none and %q", page.Published, page.Notice, MessageNoComputers)
	}
	if a := buf.String(); !strings.Contains(a, `"event":259`) || !strings.Contains(a, `"user":"carol"`) ||
		!strings.Contains(a, `Pub: no rule matches carol -\u003e pub`) {
		t.Errorf("audit %s", a)
	}
	c.AllowFreeTarget = true
	if page := c.portalPage(signedIn("carol"), "carol", LoginFields{}, nil); page.Notice != "" {
		t.Errorf("carol with typed computers: notice %q", page.Notice)
	}
}
