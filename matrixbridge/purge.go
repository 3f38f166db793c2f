package matrixbridge

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"maunium.net/go/mautrix/id"
)

// purger returns the function that deletes a closed room on the homeserver
// with its admin API, or nil when homeserver.purge is "none".
//
// Dendrite: POST /_dendrite/admin/purgeRoom/{roomID} (admin account).
// Synapse:  DELETE /_synapse/admin/v1/rooms/{roomID} {"purge": true} (admin account).
func (c *Config) purger() (func(context.Context, id.RoomID) error, error) {
	if c.Homeserver.Purge == "none" {
		return nil, nil
	}
	token, err := readSecret("homeserver.admin_token_file", c.Homeserver.AdminTokenFile)
	if err != nil {
		return nil, err
	}
	base := strings.TrimRight(c.Homeserver.Address, "/")
	hc := &http.Client{Timeout: 5 * time.Minute}
	kind := c.Homeserver.Purge
	return func(ctx context.Context, room id.RoomID) error {
		var req *http.Request
		var err error
		switch kind {
		case "dendrite":
			req, err = http.NewRequestWithContext(ctx, http.MethodPost, base+"/_dendrite/admin/purgeRoom/"+url.PathEscape(room.String()), strings.NewReader("{}"))
		case "synapse":
			req, err = http.NewRequestWithContext(ctx, http.MethodDelete, base+"/_synapse/admin/v1/rooms/"+url.PathEscape(room.String()), strings.NewReader(`{"purge":true,"block":false}`))
		}
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			return fmt.Errorf("%s purge: %w", kind, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("%s purge: %s: %s", kind, resp.Status, strings.TrimSpace(string(body)))
		}
		return nil
	}, nil
}
