package connector

import (
	"context"
	"html"

	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/id"

	"github.com/buergerbuero/buergerbuero/matrixbridge/staffapi"
)

// inviteColleague carries out "!invite @colleague:server" for clerk in the
// consultation r. A consultation is private to its participants, so the
// colleague is first made one on the appliance, acting for clerk (who must
// take part: the appliance checks it), and only then invited into the
// Matrix room. Every refusal is a notice in the room; nobody is invited on
// Matrix whom the appliance did not accept.
func (c *Connector) inviteColleague(ctx context.Context, portal *bridgev2.Portal, clerk staffapi.Clerk, r room, target id.UserID) {
	reply := func(s string) { c.notice(ctx, portal, s) }
	who := html.EscapeString(target.String())
	colleague, ok := c.clerkByMXID(ctx, target)
	if !ok {
		reply(c.t("invite.notclerk", args{"Who": who}))
		return
	}
	confidential, err := c.officeConfidential(ctx, clerk.Login, r.OfficeID)
	if err != nil {
		reply(c.t("invite.refused", args{"Who": who, "Reason": c.errText(err)}))
		return
	}
	if confidential {
		reply(c.t("invite.confidential", args{"Who": who}))
		return
	}
	if err := c.opt.API.AddMember(ctx, clerk.Login, r.RoomID, colleague.Login); err != nil {
		reply(c.t("invite.refused", args{"Who": who, "Reason": c.errText(err)}))
		return
	}
	if login, _ := c.br.GetExistingUserLoginByID(ctx, clerkLogin(colleague.Login)); login != nil {
		login.MarkInPortal(ctx, portal)
	}
	if err := c.br.Bot.EnsureInvited(ctx, portal.MXID, target); err != nil {
		reply(c.t("failed", args{"Command": "!invite", "Reason": html.EscapeString(err.Error())}))
		return
	}
	reply(c.t("invited", args{"Who": who}))
}

// officeConfidential reports whether office is a counselling office, as
// the acting clerk's office list shows it.
func (c *Connector) officeConfidential(ctx context.Context, actAs, office string) (bool, error) {
	offices, err := c.opt.API.Offices(ctx, actAs)
	if err != nil {
		return false, err
	}
	for _, o := range offices {
		if o.ID == office {
			return o.Confidential, nil
		}
	}
	return false, nil
}
