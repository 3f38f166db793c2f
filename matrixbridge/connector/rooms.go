package connector

import (
	"context"
	"fmt"
	"html"
	"strings"
	"time"

	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/database"
	"maunium.net/go/mautrix/bridgev2/networkid"
	"maunium.net/go/mautrix/bridgev2/simplevent"
	"maunium.net/go/mautrix/event"

	"github.com/buergerbuero/buergerbuero/matrixbridge/staffapi"
)

// ensurePortal creates (or updates) the portal for key with info, sets the
// service login as its relay and returns it.
func (c *Connector) ensurePortal(ctx context.Context, svc *bridgev2.UserLogin, key networkid.PortalKey, info *bridgev2.ChatInfo) (*bridgev2.Portal, error) {
	portal, err := c.br.GetExistingPortalByKey(ctx, key)
	if err != nil {
		return nil, err
	}
	if portal == nil || portal.MXID == "" {
		res := svc.QueueRemoteEvent(&simplevent.ChatResync{
			EventMeta: simplevent.EventMeta{Type: bridgev2.RemoteEventChatResync, PortalKey: key, CreatePortal: true},
			ChatInfo:  info,
		})
		if err := queueResult(res); err != nil {
			return nil, err
		}
		if portal, err = c.br.GetExistingPortalByKey(ctx, key); err != nil {
			return nil, err
		}
		if portal == nil || portal.MXID == "" {
			return nil, fmt.Errorf("portal %s: room was not created", key.ID)
		}
	}
	if portal.Relay == nil {
		if err := portal.SetRelay(ctx, svc); err != nil {
			return nil, fmt.Errorf("set relay: %w", err)
		}
	}
	return portal, nil
}

// ensureOfficePortal makes sure the office's reception room exists and its
// clerks are invited.
func (c *Connector) ensureOfficePortal(ctx context.Context, svc *bridgev2.UserLogin, officeID, name string) error {
	if name == "" {
		name = officeID
	}
	title := c.t("room.office", args{"Office": name})
	portal, err := c.ensurePortal(ctx, svc, officePortal(officeID), &bridgev2.ChatInfo{Name: &title, Members: &bridgev2.ChatMemberList{}})
	if err != nil {
		return fmt.Errorf("office room %s: %w", officeID, err)
	}
	for _, cl := range c.allClerks() {
		if cl.MatrixID == "" || !cl.MemberOf(officeID) {
			continue
		}
		if login, _ := c.br.GetExistingUserLoginByID(ctx, clerkLogin(cl.Login)); login != nil {
			login.MarkInPortal(ctx, portal)
		}
	}
	return nil
}

// openRoom bridges a consultation room: a portal with the citizen's ghost,
// the admitting clerk invited.
func (c *Connector) openRoom(ctx context.Context, svc *bridgev2.UserLogin, t staffapi.Ticket) error {
	r, known, err := c.st.room(ctx, t.RoomID)
	if err != nil {
		return err
	}
	if known && r.Closed {
		return nil
	}
	if t.Confidential && !known {
		return nil // a counselling consultation stays off Matrix
	}
	login, err := c.br.GetExistingUserLoginByID(ctx, clerkLogin(t.Clerk))
	if err != nil {
		return err
	}
	if login == nil && !known {
		return nil // admitted by a clerk without Matrix: not bridged
	}
	if !known {
		r = room{RoomID: t.RoomID, TicketID: t.ID, Number: t.Number, OfficeID: t.OfficeID, Clerk: t.Clerk,
			Ghost: string(newCitizenGhost()), Language: t.Language}
		if err := c.st.putRoom(ctx, r); err != nil {
			return err
		}
		if r, _, err = c.st.room(ctx, t.RoomID); err != nil {
			return err
		}
	}
	name := fmt.Sprintf("%s · %s", t.Number, t.OfficeID)
	topic := c.t("room.topic", args{"Number": t.Number, "Office": t.OfficeID, "Language": t.Language})
	ghostInfo := c.ghostInfo(ctx, networkid.UserID(r.Ghost))
	members := &bridgev2.ChatMemberList{MemberMap: bridgev2.ChatMemberMap{}}
	members.MemberMap.Set(bridgev2.ChatMember{EventSender: bridgev2.EventSender{Sender: networkid.UserID(r.Ghost)},
		Membership: event.MembershipJoin, UserInfo: ghostInfo})
	roomType := database.RoomTypeDefault
	portal, err := c.ensurePortal(ctx, svc, roomPortal(t.RoomID), &bridgev2.ChatInfo{Name: &name, Topic: &topic, Members: members, Type: &roomType})
	if err != nil {
		return fmt.Errorf("consultation room %s: %w", t.Number, err)
	}
	if login != nil {
		login.MarkInPortal(ctx, portal)
	}
	body := c.t("room.opened", args{"Number": html.EscapeString(t.Number), "Language": html.EscapeString(t.Language), "Concern": textHTML(t.Concern)})
	return queueResult(svc.QueueRemoteEvent(c.bridged(roomPortal(t.RoomID), networkid.MessageID("open:"+t.RoomID), bridgev2.EventSender{}, time.Now(), 0,
		staticParts(htmlContent(event.MsgNotice, body)))))
}

// closeRoom posts the closing notice, lets the citizen's ghost leave and
// schedules the purge.
func (c *Connector) closeRoom(ctx context.Context, svc *bridgev2.UserLogin, roomID string) error {
	r, known, err := c.st.room(ctx, roomID)
	if err != nil || !known || r.Closed {
		return err
	}
	key := roomPortal(roomID)
	res := svc.QueueRemoteEvent(c.bridged(key, networkid.MessageID("close:"+roomID), bridgev2.EventSender{}, time.Now(), 0,
		staticParts(htmlContent(event.MsgNotice, c.t("room.closed", nil)))))
	if err := queueResult(res); err != nil {
		return err
	}
	changes := &bridgev2.ChatMemberList{MemberMap: bridgev2.ChatMemberMap{}}
	changes.MemberMap.Set(bridgev2.ChatMember{EventSender: bridgev2.EventSender{Sender: networkid.UserID(r.Ghost)}, Membership: event.MembershipLeave})
	res = svc.QueueRemoteEvent(&simplevent.ChatInfoChange{
		EventMeta:      simplevent.EventMeta{Type: bridgev2.RemoteEventChatInfoChange, PortalKey: key, Timestamp: time.Now()},
		ChatInfoChange: &bridgev2.ChatInfoChange{MemberChanges: changes},
	})
	if err := queueResult(res); err != nil {
		return err
	}
	if err := c.st.closeRoom(ctx, roomID, time.Now().Add(c.opt.Retention)); err != nil {
		return err
	}
	c.wakePurge()
	return nil
}

// onMessage bridges a room message from the appliance to Matrix, unless it
// came from Matrix (client_id "mx:…").
func (c *Connector) onMessage(ctx context.Context, svc *bridgev2.UserLogin, m staffapi.Message) error {
	if strings.HasPrefix(m.ClientID, "mx:") {
		return nil
	}
	r, known, err := c.st.room(ctx, m.RoomID)
	if err != nil || !known || r.Closed {
		return err
	}
	var sender bridgev2.EventSender
	msgType := event.MsgText
	switch m.AuthorRole {
	case "citizen":
		sender.Sender = networkid.UserID(r.Ghost)
	case "clerk":
		sender.Sender = clerkGhost(m.Author)
	case "interpreter":
		sender.Sender = participantGhost(r.RoomID, m.Author)
	default:
		msgType = event.MsgNotice
	}
	res := svc.QueueRemoteEvent(c.bridged(roomPortal(m.RoomID), networkid.MessageID(fmt.Sprintf("m:%d", m.Seq)), sender, m.At, m.Seq,
		func(ctx context.Context, portal *bridgev2.Portal, intent bridgev2.MatrixAPI) ([]*bridgev2.ConvertedMessagePart, error) {
			var parts []*bridgev2.ConvertedMessagePart
			if m.File != nil {
				part, err := c.convertFile(ctx, portal, intent, r, m)
				if err != nil {
					return nil, err
				}
				parts = append(parts, part)
			}
			if m.Text != "" {
				parts = append(parts, &bridgev2.ConvertedMessagePart{ID: "text", Type: event.EventMessage, Content: htmlContent(msgType, textHTML(m.Text))})
			}
			return parts, nil
		}))
	return queueResult(res)
}

func (c *Connector) convertFile(ctx context.Context, portal *bridgev2.Portal, intent bridgev2.MatrixAPI, r room, m staffapi.Message) (*bridgev2.ConvertedMessagePart, error) {
	data, err := c.opt.API.File(ctx, r.Clerk, r.RoomID, m.File.ID, c.opt.MaxFileBytes)
	if err != nil {
		return nil, fmt.Errorf("fetch file from appliance: %w", err)
	}
	url, file, err := intent.UploadMedia(ctx, portal.MXID, data, m.File.Name, m.File.Type)
	if err != nil {
		return nil, fmt.Errorf("upload file to Matrix: %w", err)
	}
	mt := event.MsgFile
	if strings.HasPrefix(m.File.Type, "image/") {
		mt = event.MsgImage
	}
	content := &event.MessageEventContent{MsgType: mt, Body: m.File.Name, FileName: m.File.Name, URL: url, File: file,
		Info: &event.FileInfo{MimeType: m.File.Type, Size: len(data)}}
	return &bridgev2.ConvertedMessagePart{ID: "file", Type: event.EventMessage, Content: content}, nil
}

// staticParts builds a single-part message from fixed content.
func staticParts(content *event.MessageEventContent) func(context.Context, *bridgev2.Portal, bridgev2.MatrixAPI) ([]*bridgev2.ConvertedMessagePart, error) {
	return func(context.Context, *bridgev2.Portal, bridgev2.MatrixAPI) ([]*bridgev2.ConvertedMessagePart, error) {
		return []*bridgev2.ConvertedMessagePart{{Type: event.EventMessage, Content: content}}, nil
	}
}
