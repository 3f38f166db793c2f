package staffapi

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// StreamHandler handles one event. Returning an error stops the stream's
// current connection; the stream reconnects after a backoff with
// ?since=<last seq handled without error>, so the event is delivered again.
type StreamHandler func(ctx context.Context, ev Event) error

// Stream follows the staff event stream from since until ctx ends,
// reconnecting with exponential backoff (capped at 5 s). onState, if
// not nil, is told about connection changes (nil error = connected).
func (c *Client) Stream(ctx context.Context, since int64, handle StreamHandler, onState func(error)) {
	const minBackoff, maxBackoff = 200 * time.Millisecond, 5 * time.Second
	backoff := minBackoff
	for ctx.Err() == nil {
		last, connected, err := c.streamOnce(ctx, since, handle, onState)
		since = last
		if ctx.Err() != nil {
			return
		}
		if onState != nil {
			onState(err)
		}
		if connected {
			backoff = minBackoff
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

func (c *Client) dialer() *websocket.Dialer {
	d := &websocket.Dialer{HandshakeTimeout: 10 * time.Second, Proxy: http.ProxyFromEnvironment}
	if c.tls != nil {
		d.TLSClientConfig = c.tls.Clone()
	} else if t, ok := c.http.Transport.(*http.Transport); ok && t.TLSClientConfig != nil {
		d.TLSClientConfig = t.TLSClientConfig.Clone()
		d.TLSClientConfig.NextProtos = nil // the Transport may have added h2; WebSockets need HTTP/1.1
	} else {
		d.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return d
}

func (c *Client) streamOnce(ctx context.Context, since int64, handle StreamHandler, onState func(error)) (last int64, connected bool, err error) {
	last = since
	u := c.base + fmt.Sprintf("/api/v1/staff/events?since=%d", since)
	u = "ws" + strings.TrimPrefix(u, "http")
	h := http.Header{}
	h.Set("Authorization", "Bearer "+c.token)
	conn, resp, err := c.dialer().DialContext(ctx, u, h)
	if err != nil {
		if resp != nil {
			defer resp.Body.Close()
			return last, false, fmt.Errorf("connect event stream: %w", decodeError(resp))
		}
		return last, false, fmt.Errorf("connect event stream: %w", err)
	}
	defer conn.Close()
	if onState != nil {
		onState(nil)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	for {
		// The server pings every 30 s; three missed pings mean a dead peer.
		_ = conn.SetReadDeadline(time.Now().Add(95 * time.Second))
		conn.SetPingHandler(func(data string) error {
			_ = conn.SetReadDeadline(time.Now().Add(95 * time.Second))
			return conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(5*time.Second))
		})
		var ev Event
		if err := conn.ReadJSON(&ev); err != nil {
			if ctx.Err() != nil {
				return last, true, ctx.Err()
			}
			return last, true, fmt.Errorf("read event stream: %w", err)
		}
		ev.Received = time.Now()
		if ev.Seq != 0 && ev.Seq <= last {
			continue // already handled (the server repeats from since inclusive or we reconnected)
		}
		if err := handle(ctx, ev); err != nil {
			if errors.Is(err, context.Canceled) && ctx.Err() != nil {
				return last, true, err
			}
			return last, true, fmt.Errorf("handle event %d: %w", ev.Seq, err)
		}
		if ev.Seq != 0 {
			last = ev.Seq
		}
	}
}
