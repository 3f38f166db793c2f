package connector

import (
	"context"
	"fmt"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/database"
	"maunium.net/go/mautrix/bridgev2/matrix"
	"maunium.net/go/mautrix/bridgev2/networkid"
	"maunium.net/go/mautrix/bridgev2/simplevent"
	"maunium.net/go/mautrix/id"
)

// markerKey tags every event the bridge sends with the appliance-derived
// message id. bridgev2 cannot send with a chosen transaction id, so after a
// crash or a failed send the event in doubt (the first one handled after
// start or after a failure; handling is sequential, so there is at most
// one) is looked up in the room by this marker before it is sent again.
const markerKey = "fi.buergerbuero.id"

// doubtLookback is how many recent room events are searched for a marker.
const doubtLookback = 50

// bridged builds a remote message whose parts carry the marker and which is
// skipped (and its id mapped to the existing event) if it is already in
// the room while a send is in doubt.
func (c *Connector) bridged(key networkid.PortalKey, msgID networkid.MessageID, sender bridgev2.EventSender, ts time.Time, order int64,
	build func(ctx context.Context, portal *bridgev2.Portal, intent bridgev2.MatrixAPI) ([]*bridgev2.ConvertedMessagePart, error)) bridgev2.RemoteEvent {
	return &simplevent.Message[struct{}]{
		EventMeta: simplevent.EventMeta{Type: bridgev2.RemoteEventMessage, PortalKey: key, Sender: sender, Timestamp: ts, StreamOrder: order},
		ID:        msgID,
		ConvertMessageFunc: func(ctx context.Context, portal *bridgev2.Portal, intent bridgev2.MatrixAPI, _ struct{}) (*bridgev2.ConvertedMessage, error) {
			if c.inDoubt.Load() {
				evtID, err := c.findMarker(ctx, portal.MXID, string(msgID))
				if err != nil {
					return nil, err
				}
				if evtID != "" {
					err := c.br.DB.Message.Insert(ctx, &database.Message{ID: msgID, MXID: evtID, Room: portal.PortalKey,
						SenderID: sender.Sender, SenderMXID: intent.GetMXID(), Timestamp: ts})
					if err != nil {
						return nil, fmt.Errorf("map existing event: %w", err)
					}
					c.log.Info("event was already sent before a crash or failure; not sending again", "id", string(msgID))
					return nil, bridgev2.ErrIgnoringRemoteEvent
				}
			}
			parts, err := build(ctx, portal, intent)
			if err != nil {
				return nil, err
			}
			for _, p := range parts {
				if p.Extra == nil {
					p.Extra = map[string]any{}
				}
				p.Extra[markerKey] = string(msgID)
			}
			return &bridgev2.ConvertedMessage{Parts: parts}, nil
		},
	}
}

// findMarker searches the room's recent events for one carrying marker.
func (c *Connector) findMarker(ctx context.Context, room id.RoomID, marker string) (id.EventID, error) {
	mx, ok := c.br.Matrix.(*matrix.Connector)
	if !ok || room == "" {
		return "", nil
	}
	resp, err := mx.Bot.Messages(ctx, room, "", "", mautrix.DirectionBackward, nil, doubtLookback)
	if err != nil {
		return "", fmt.Errorf("look for an event sent before a failure: %w", err)
	}
	for _, evt := range resp.Chunk {
		if v, _ := evt.Content.Raw[markerKey].(string); v == marker {
			return evt.ID, nil
		}
	}
	return "", nil
}
