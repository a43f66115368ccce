package gateway

import (
	"context"
	"strings"
	"time"

	"github.com/psgate/psgate/audit"
	"github.com/psgate/psgate/identity"
)

// MessageNoComputers is the portal's text for a user who may open nothing
// there: no tile a rule allows, and no typed computers.
const MessageNoComputers = "No computers are available to you."

// usableTiles are the published tiles some rule lets id use (its computer
// with its configuration), asked of the same Authorizer as a connect with
// the identity of the sign-in; why lists the refusals, for the audit. A
// tile is not a permission: the connect decides again.
func (c *Connect) usableTiles(ctx context.Context, id identity.Identity) (tiles []PublishedTarget, why []string) {
	for i, p := range c.Published {
		if i >= len(c.PublishedTargets) {
			break
		}
		t := c.PublishedTargets[i]
		allowed, reason, err := c.Authorizer.Authorize(ctx, id, t.Display(), t.Configuration)
		switch {
		case err != nil:
			why = append(why, p.Name+": "+err.Error())
		case !allowed:
			why = append(why, p.Name+": "+reason)
		default:
			tiles = append(tiles, p)
		}
	}
	return tiles, why
}

// tileBudget bounds the directory lookups of one portal page: the rules
// decide in microseconds and access caches each computer, but a frozen DC
// must not hold the portal. A lookup cut short decides on the computer's
// name alone, as a connect at that moment would.
const tileBudget = time.Second

// filterTiles puts the tiles id may use on page; with none and no typed
// computers it says so on the page and audits why (259).
func (c *Connect) filterTiles(ctx context.Context, page *PortalPage) {
	id, ok := c.Identity(ctx)
	if !ok {
		page.Published = nil
		return
	}
	tctx, cancel := context.WithTimeout(ctx, tileBudget)
	tiles, why := c.usableTiles(tctx, id)
	cancel()
	page.Published = tiles
	if len(tiles) > 0 || c.AllowFreeTarget {
		return
	}
	page.Notice = strings.TrimSpace(MessageNoComputers + " " + page.Notice)
	reason := "no published computer is allowed and typed computers are off"
	if len(why) > 0 {
		reason += ": " + strings.Join(why, "; ")
	}
	ci := Client(ctx)
	c.audit(audit.Record{Event: audit.GatewayAuthorizationFailure, RequestID: RequestID(ctx), User: id.Name,
		ClientAddr: ci.Addr, XFF: ci.XFF, Reason: reason})
}
