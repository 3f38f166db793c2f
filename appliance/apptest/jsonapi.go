package apptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// Caller is who makes a JSON API call, as a front end or console would:
// a staff session's CSRF token (the session itself is the client's
// cookie), a bearer token (citizen ticket, participant or service), and a
// clerk a service acts for; ForwardedFor is the client address a trusted
// proxy would report.
type Caller struct {
	CSRF         string
	Token        string
	ActAs        string
	ForwardedFor string
}

// NewJSONRequest is a request with body as JSON to base+path and the
// headers of a page of the same origin, made by who.
func NewJSONRequest(base, method, path string, who Caller, body any) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", base)
	for h, v := range map[string]string{"X-CSRF-Token": who.CSRF, "X-Act-As": who.ActAs, "X-Forwarded-For": who.ForwardedFor} {
		if v != "" {
			req.Header.Set(h, v)
		}
	}
	if who.Token != "" {
		req.Header.Set("Authorization", "Bearer "+who.Token)
	}
	return req, nil
}

// CallJSON sends NewJSONRequest's request and decodes a JSON answer into
// out (when both are there). It returns the status; err is a failed
// request or an answer out cannot hold (with the answer in the message).
func CallJSON(hc *http.Client, base, method, path string, who Caller, body, out any) (int, error) {
	req, err := NewJSONRequest(base, method, path, who, body)
	if err != nil {
		return 0, err
	}
	res, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, err
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return res.StatusCode, fmt.Errorf("%d %s: %w", res.StatusCode, b, err)
		}
	}
	return res.StatusCode, nil
}
