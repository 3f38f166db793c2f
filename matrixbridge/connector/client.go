package connector

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"
	"time"

	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/database"
	"maunium.net/go/mautrix/bridgev2/networkid"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"

	"github.com/buergerbuero/buergerbuero/matrixbridge/staffapi"
)

// client is the NetworkAPI of one login: the service login (clerk == "")
// runs the event stream; a clerk's login only carries that clerk's Matrix
// actions. Who acts is always decided from the Matrix sender, so a relayed
// event (a non-clerk) is refused the same way as an unknown clerk.
type client struct {
	c     *Connector
	login *bridgev2.UserLogin
	clerk string
}

var (
	_ bridgev2.NetworkAPI                 = (*client)(nil)
	_ bridgev2.ReactionHandlingNetworkAPI = (*client)(nil)
	_ bridgev2.EditHandlingNetworkAPI     = (*client)(nil)
)

func (cl *client) Connect(ctx context.Context) {
	if cl.clerk == "" {
		cl.c.startRun(cl.login)
	}
}

func (cl *client) Disconnect() {
	if cl.clerk == "" {
		cl.c.stopRun()
	}
}

func (cl *client) IsLoggedIn() bool                 { return true }
func (cl *client) LogoutRemote(ctx context.Context) {}
func (cl *client) IsThisUser(_ context.Context, u networkid.UserID) bool {
	return cl.clerk != "" && u == clerkGhost(cl.clerk)
}

func (cl *client) GetChatInfo(ctx context.Context, portal *bridgev2.Portal) (*bridgev2.ChatInfo, error) {
	return &bridgev2.ChatInfo{}, nil
}

func (cl *client) GetUserInfo(ctx context.Context, ghost *bridgev2.Ghost) (*bridgev2.UserInfo, error) {
	return cl.c.ghostInfo(ctx, ghost.ID), nil
}

func (cl *client) GetCapabilities(ctx context.Context, portal *bridgev2.Portal) *event.RoomFeatures {
	files := event.FileFeatureMap{}
	for _, t := range []event.CapabilityMsgType{event.MsgImage, event.MsgFile, event.MsgAudio, event.MsgVideo} {
		files[t] = &event.FileFeatures{MimeTypes: map[string]event.CapabilitySupportLevel{"*/*": event.CapLevelFullySupported},
			Caption: event.CapLevelDropped}
	}
	return &event.RoomFeatures{ID: "buergerbuero-1", File: files, Reaction: event.CapLevelPartialSupport, ReactionCount: 1,
		Edit: event.CapLevelRejected, Delete: event.CapLevelRejected, Reply: event.CapLevelDropped, Thread: event.CapLevelDropped}
}

// commandTimeout bounds a command's calls to the appliance: the homeserver's
// transaction is held open until the command is answered.
const commandTimeout = 20 * time.Second

// HandleMatrixMessage carries out a command or queues a message for the
// appliance. Every answer to the user is a notice in the room.
func (cl *client) HandleMatrixMessage(ctx context.Context, msg *bridgev2.MatrixMessage) (*bridgev2.MatrixMessageResponse, error) {
	c := cl.c
	start := time.Now()
	resp := &bridgev2.MatrixMessageResponse{DB: &database.Message{ID: networkid.MessageID("mx:" + msg.Event.ID)}}
	content := msg.Event.Content.AsMessage() // the original, not the relay-formatted copy
	kind, applianceID := portalKind(msg.Portal)
	sender := msg.Event.Sender
	clerk, isClerk := c.clerkByMXID(ctx, sender)
	cmd, isCmd, valid := ParseCommand(content.Body)
	switch kind {
	case "office":
		if !isClerk || !clerk.MemberOf(applianceID) {
			if isCmd {
				c.notice(ctx, msg.Portal, c.t("refused", args{"Sender": html.EscapeString(sender.String()), "Office": html.EscapeString(applianceID)}))
			}
			return resp, nil
		}
		if isCmd {
			ctx, cancel := context.WithTimeout(ctx, commandTimeout)
			defer cancel()
			c.officeCommand(ctx, msg.Portal, clerk, applianceID, cmd, valid)
		}
		return resp, nil
	case "room":
		r, ok, err := c.st.room(ctx, applianceID)
		if err != nil {
			return nil, err
		}
		if !ok || r.Closed {
			c.notice(ctx, msg.Portal, c.t("room.gone", nil))
			return resp, nil
		}
		if !isClerk || !(clerk.MemberOf(r.OfficeID) || clerk.Login == r.Clerk) {
			c.notice(ctx, msg.Portal, c.t("refused", args{"Sender": html.EscapeString(sender.String()), "Office": html.EscapeString(r.OfficeID)}))
			return resp, nil
		}
		if isCmd && cmd.Verb != VerbUnknown {
			ctx, cancel := context.WithTimeout(ctx, commandTimeout)
			defer cancel()
			c.roomCommand(ctx, msg.Portal, clerk, r, cmd, valid)
			return resp, nil
		}
		it := outboxItem{ClientID: "mx:" + string(msg.Event.ID), RoomID: r.RoomID, ActAs: clerk.Login, MXRoom: string(msg.Portal.MXID)}
		if err := c.fillOutbox(ctx, msg, content, &it); err != nil {
			c.notice(ctx, msg.Portal, c.t("not.delivered", args{"Reason": html.EscapeString(err.Error())}))
			return resp, nil
		}
		c.traceQueued(it.ClientID, start)
		if err := c.st.enqueue(ctx, it); err != nil {
			return nil, err
		}
		c.wakeOutbox()
		return resp, nil
	}
	return resp, nil
}

// fillOutbox copies the text or the downloaded file of a Matrix message into it.
func (c *Connector) fillOutbox(ctx context.Context, msg *bridgev2.MatrixMessage, content *event.MessageEventContent, it *outboxItem) error {
	switch content.MsgType {
	case event.MsgImage, event.MsgFile, event.MsgAudio, event.MsgVideo:
		if content.Info != nil && int64(content.Info.Size) > c.opt.MaxFileBytes {
			return fmt.Errorf("%w (%d bytes)", staffapi.ErrTooLarge, content.Info.Size)
		}
		url := content.URL
		if content.File != nil {
			url = content.File.URL
		}
		data, err := c.br.Bot.DownloadMedia(ctx, url, content.File)
		if err != nil {
			return fmt.Errorf("download from Matrix: %w", err)
		}
		it.FileData = data
		it.FileName = content.FileName
		if it.FileName == "" {
			it.FileName = content.Body
		}
		if content.Info != nil {
			it.FileType = content.Info.MimeType
		}
	default:
		it.Text = content.Body
	}
	return nil
}

// HandleMatrixEdit refuses: the appliance's chat has no edits.
func (cl *client) HandleMatrixEdit(ctx context.Context, msg *bridgev2.MatrixEdit) error {
	cl.c.notice(ctx, msg.Portal, cl.c.t("edit.unsupported", nil))
	return bridgev2.ErrEditsNotSupported
}

func (cl *client) PreHandleMatrixReaction(ctx context.Context, msg *bridgev2.MatrixReaction) (bridgev2.MatrixReactionPreResponse, error) {
	// The reaction row references a ghost: the clerk's ghost (created here if needed).
	var sender networkid.UserID
	if cl, ok := cl.c.clerkByMXID(ctx, msg.Event.Sender); ok {
		sender = clerkGhost(cl.Login)
	}
	if _, err := cl.c.br.GetGhostByID(ctx, sender); err != nil {
		return bridgev2.MatrixReactionPreResponse{}, err
	}
	return bridgev2.MatrixReactionPreResponse{SenderID: sender,
		EmojiID: networkid.EmojiID(msg.Content.RelatesTo.Key), Emoji: msg.Content.RelatesTo.Key, MaxReactions: 1}, nil
}

// HandleMatrixReaction admits the ticket of a knock message reacted to with ✅.
func (cl *client) HandleMatrixReaction(ctx context.Context, msg *bridgev2.MatrixReaction) (*database.Reaction, error) {
	c := cl.c
	key := strings.TrimRight(msg.Content.RelatesTo.Key, "\ufe0f")
	officeID, ticketID, ok := parseKnockID(msg.TargetMessage.ID)
	if !ok || (key != "✅" && key != "✔" && key != "☑") {
		return &database.Reaction{}, nil
	}
	clerk, isClerk := c.clerkByMXID(ctx, msg.Event.Sender)
	if !isClerk || !clerk.MemberOf(officeID) {
		c.notice(ctx, msg.Portal, c.t("refused", args{"Sender": html.EscapeString(msg.Event.Sender.String()), "Office": html.EscapeString(officeID)}))
		return &database.Reaction{}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	c.officeCommand(ctx, msg.Portal, clerk, officeID, Command{Verb: VerbAdmit, Name: "admit", Ticket: ticketID}, true)
	return &database.Reaction{}, nil
}

func (cl *client) HandleMatrixReactionRemove(ctx context.Context, msg *bridgev2.MatrixReactionRemove) error {
	return nil
}

// notice posts an HTML notice from the bridge bot.
func (c *Connector) notice(ctx context.Context, portal *bridgev2.Portal, htmlBody string) {
	if portal == nil || portal.MXID == "" {
		return
	}
	if _, err := c.sendNotice(ctx, portal.MXID, htmlBody); err != nil {
		c.log.Warn("send notice", "room", portal.MXID.String(), "err", err)
	}
}

func (c *Connector) sendNotice(ctx context.Context, room id.RoomID, htmlBody string) (id.EventID, error) {
	content := htmlContent(event.MsgNotice, htmlBody)
	resp, err := c.br.Bot.SendMessage(ctx, room, event.EventMessage, &event.Content{Parsed: content}, nil)
	if err != nil {
		return "", err
	}
	return resp.EventID, nil
}

// htmlContent is a plain m.text/m.notice with an HTML body and its text fallback.
func htmlContent(t event.MessageType, htmlBody string) *event.MessageEventContent {
	return &event.MessageEventContent{MsgType: t, Body: format.HTMLToText(htmlBody), Format: event.FormatHTML, FormattedBody: htmlBody}
}

// textHTML turns plain text into HTML with line breaks.
func textHTML(s string) string {
	return strings.ReplaceAll(html.EscapeString(s), "\n", "<br>")
}

// errText is the user-facing reason of a staff API error.
func (c *Connector) errText(err error) string {
	var e *staffapi.Error
	if errors.As(err, &e) {
		return html.EscapeString(e.Message)
	}
	return c.t("unreachable", nil)
}
