package staffapi

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
)

// Client calls the staff API with a service token. It is safe for
// concurrent use.
type Client struct {
	base  string
	token string
	http  *http.Client
	tls   *tls.Config // for the event stream; nil: taken from http's *http.Transport
	lang  string      // Accept-Language of every request: the language of error messages
}

// WithLanguage sets the language the appliance writes its error messages
// in (Accept-Language; the staff API speaks "de" and "en", German is the
// default).
func (c *Client) WithLanguage(lang string) *Client {
	c.lang = lang
	return c
}

// WithTLS sets the TLS configuration of the event stream's WebSocket, for
// HTTP clients whose transport is not an *http.Transport.
func (c *Client) WithTLS(tc *tls.Config) *Client {
	c.tls = tc
	return c
}

// New returns a client for the appliance at baseURL (e.g.
// "https://127.0.0.1:8443"). hc may be nil (http.DefaultClient).
func New(baseURL, serviceToken string, hc *http.Client) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), token: serviceToken, http: hc}
}

// HTTPClient returns the underlying HTTP client.
func (c *Client) HTTPClient() *http.Client { return c.http }

// BaseURL returns the appliance's base URL.
func (c *Client) BaseURL() string { return c.base }

func (c *Client) newRequest(ctx context.Context, method, path, actAs string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	if actAs != "" {
		req.Header.Set("X-Act-As", actAs)
	}
	return req, nil
}

// do sends req and decodes a 2xx JSON answer into out (if not nil).
func (c *Client) do(req *http.Request, out any) error {
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return decodeError(resp)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", req.Method, req.URL.Path, err)
	}
	return nil
}

func decodeError(resp *http.Response) error {
	var body struct {
		Error Error `json:"error"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body)
	e := body.Error
	e.Status = resp.StatusCode
	if e.Code == "" {
		e.Code = strings.ToLower(strings.ReplaceAll(http.StatusText(resp.StatusCode), " ", "_"))
	}
	return &e
}

func (c *Client) call(ctx context.Context, method, path, actAs string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := c.newRequest(ctx, method, path, actAs, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.do(req, out)
}

// Clerks lists all clerks.
func (c *Client) Clerks(ctx context.Context) ([]Clerk, error) {
	var out struct {
		Clerks []Clerk `json:"clerks"`
	}
	err := c.call(ctx, http.MethodGet, "/api/v1/staff/clerks", "", nil, &out)
	return out.Clerks, err
}

// Offices lists the offices with their queues (all offices when actAs is empty).
func (c *Client) Offices(ctx context.Context, actAs string) ([]Office, error) {
	var out struct {
		Offices []Office `json:"offices"`
	}
	err := c.call(ctx, http.MethodGet, "/api/v1/staff/offices", actAs, nil, &out)
	return out.Offices, err
}

// Ticket fetches a ticket by id or today's number.
func (c *Client) Ticket(ctx context.Context, actAs, ref string) (Ticket, error) {
	var t Ticket
	err := c.call(ctx, http.MethodGet, "/api/v1/staff/tickets/"+url.PathEscape(ref), actAs, nil, &t)
	return t, err
}

// Admit admits a queued ticket; the answer carries the consultation room.
func (c *Client) Admit(ctx context.Context, actAs, ref string) (Ticket, error) {
	var out struct {
		Ticket Ticket `json:"ticket"`
		RoomID string `json:"room_id"`
	}
	err := c.call(ctx, http.MethodPost, "/api/v1/staff/tickets/"+url.PathEscape(ref)+"/admit", actAs, struct{}{}, &out)
	if out.Ticket.RoomID == "" {
		out.Ticket.RoomID = out.RoomID
	}
	return out.Ticket, err
}

// Decline declines a ticket with a message to the citizen.
func (c *Client) Decline(ctx context.Context, actAs, ref, message string) (Ticket, error) {
	var t Ticket
	err := c.call(ctx, http.MethodPost, "/api/v1/staff/tickets/"+url.PathEscape(ref)+"/decline", actAs, map[string]string{"message": message}, &t)
	return t, err
}

// Return puts a ticket back into its queue.
func (c *Client) Return(ctx context.Context, actAs, ref string) (Ticket, error) {
	var t Ticket
	err := c.call(ctx, http.MethodPost, "/api/v1/staff/tickets/"+url.PathEscape(ref)+"/return", actAs, struct{}{}, &t)
	return t, err
}

// Forward moves a ticket to another office (officeID) or reserves it for a
// clerk (clerkLogin); exactly one of them is set.
func (c *Client) Forward(ctx context.Context, actAs, ref, officeID, clerkLogin, note string) (Ticket, error) {
	body := map[string]string{"note": note}
	if officeID != "" {
		body["office_id"] = officeID
	} else {
		body["clerk"] = clerkLogin
	}
	var t Ticket
	err := c.call(ctx, http.MethodPost, "/api/v1/staff/tickets/"+url.PathEscape(ref)+"/forward", actAs, body, &t)
	return t, err
}

// End ends a consultation.
func (c *Client) End(ctx context.Context, actAs, ref string) (Ticket, error) {
	var t Ticket
	err := c.call(ctx, http.MethodPost, "/api/v1/staff/tickets/"+url.PathEscape(ref)+"/end", actAs, struct{}{}, &t)
	return t, err
}

// PostMessage posts a text message; the same clientID twice yields the first message.
func (c *Client) PostMessage(ctx context.Context, actAs, room, text, clientID string) (Message, error) {
	var m Message
	err := c.call(ctx, http.MethodPost, "/api/v1/staff/rooms/"+url.PathEscape(room)+"/messages", actAs,
		map[string]string{"text": text, "client_id": clientID}, &m)
	return m, err
}

// PostFile uploads a file into a room.
func (c *Client) PostFile(ctx context.Context, actAs, room, name, mimeType string, data []byte, clientID string) (Message, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("client_id", clientID); err != nil {
		return Message{}, err
	}
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name="file"; filename=%q`, name)}
	if mimeType == "" {
		mimeType = "application/octet-stream"
	}
	h["Content-Type"] = []string{mimeType}
	part, err := mw.CreatePart(h)
	if err != nil {
		return Message{}, err
	}
	if _, err := part.Write(data); err != nil {
		return Message{}, err
	}
	if err := mw.Close(); err != nil {
		return Message{}, err
	}
	req, err := c.newRequest(ctx, http.MethodPost, "/api/v1/staff/rooms/"+url.PathEscape(room)+"/files", actAs, &buf)
	if err != nil {
		return Message{}, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var m Message
	return m, c.do(req, &m)
}

// Messages lists a room's messages after seq.
func (c *Client) Messages(ctx context.Context, actAs, room string, after int64) ([]Message, error) {
	var out struct {
		Messages []Message `json:"messages"`
	}
	err := c.call(ctx, http.MethodGet, fmt.Sprintf("/api/v1/staff/rooms/%s/messages?after=%d", url.PathEscape(room), after), actAs, nil, &out)
	return out.Messages, err
}

// File downloads a room file (at most limit bytes).
func (c *Client) File(ctx context.Context, actAs, room, fileID string, limit int64) ([]byte, error) {
	req, err := c.newRequest(ctx, http.MethodGet, "/api/v1/rooms/"+url.PathEscape(room)+"/files/"+url.PathEscape(fileID), actAs, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download file: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, decodeError(resp)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("download file: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("download file: %w", ErrTooLarge)
	}
	return data, nil
}

// Invite creates a single-use invite link into a room.
func (c *Client) Invite(ctx context.Context, actAs, room, role, language, email string) (Invite, error) {
	body := map[string]string{"role": role, "language": language}
	if email != "" {
		body["email"] = email
	}
	var inv Invite
	err := c.call(ctx, http.MethodPost, "/api/v1/staff/rooms/"+url.PathEscape(room)+"/invites", actAs, body, &inv)
	return inv, err
}

// AddMember adds the clerk login to a running consultation's participants,
// acting for actAs, who must take part in it (403 not_participant
// otherwise). Adding somebody who already takes part succeeds.
func (c *Client) AddMember(ctx context.Context, actAs, room, login string) error {
	return c.call(ctx, http.MethodPost, "/api/v1/staff/rooms/"+url.PathEscape(room)+"/members", actAs,
		map[string]string{"login": login}, nil)
}
