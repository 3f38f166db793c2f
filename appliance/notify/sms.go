package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"

	"github.com/buergerbuero/buergerbuero/appliance/config"
)

// SMSSender sends the short text of a message through an HTTP gateway:
// the configured method, URL, headers and body template, with basic auth
// or a bearer token. A 2xx answer is delivery; 4xx (except 408 and 429)
// is permanent, anything else is retried.
type SMSSender struct {
	r                  *Renderer
	cfg                config.NotifySMS
	body               *template.Template
	user, pass, bearer string
	client             *http.Client
}

// NewSMSSender checks the settings and reads the credential files.
func NewSMSSender(cfg config.NotifySMS, r *Renderer, client *http.Client) (*SMSSender, error) {
	body, err := config.SMSBodyTemplate(cfg.Body)
	if err != nil {
		return nil, fmt.Errorf("notify.sms.body: %w", err)
	}
	s := &SMSSender{r: r, cfg: cfg, body: body, client: client}
	if s.client == nil {
		s.client = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Username != "" {
		s.user = cfg.Username
		if s.pass, err = config.Secret("notify.sms.password_file", cfg.Password, cfg.PasswordFile); err != nil {
			return nil, err
		}
	}
	if cfg.TokenFile != "" {
		if s.bearer, err = config.Secret("notify.sms.token_file", "", cfg.TokenFile); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Send renders m's SMS text and posts it to the gateway.
func (s *SMSSender) Send(ctx context.Context, m Message) error {
	text := s.r.SMS(m)
	var body bytes.Buffer
	if err := s.body.Execute(&body, struct{ To, Text string }{m.Recipient, text}); err != nil {
		return Permanent(fmt.Errorf("sms body template: %w", err))
	}
	target := s.cfg.URL
	var rd io.Reader = &body
	if s.cfg.Method == http.MethodGet {
		// GET gateways take the rendered body as the query string.
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + body.String()
		rd = nil
	}
	req, err := http.NewRequestWithContext(ctx, s.cfg.Method, target, rd)
	if err != nil {
		return Permanent(fmt.Errorf("sms request: %w", err))
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range s.cfg.Headers {
		req.Header.Set(k, v)
	}
	if s.user != "" {
		req.SetBasicAuth(s.user, s.pass)
	}
	if s.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+s.bearer)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL may carry the number (GET)
		}
		return fmt.Errorf("sms gateway: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode/100 == 2:
		return nil
	case resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests:
		return Permanent(fmt.Errorf("sms gateway: %s", resp.Status))
	}
	return fmt.Errorf("sms gateway: %s", resp.Status)
}

// gsm7 is the GSM 03.38 basic character set; ext are the characters of its
// extension table, which take two septets.
const (
	gsm7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	ext  = "^{}\\[~]|€\f"
)

// SMSLength says how a text travels: in GSM-7 (septets counted, 160 per
// single SMS) or, with any other character, in UCS-2 (70 characters per
// single SMS).
func SMSLength(text string) (units int, gsm bool) {
	gsm = true
	for _, r := range text {
		switch {
		case strings.ContainsRune(gsm7, r):
			units++
		case strings.ContainsRune(ext, r):
			units += 2
		default:
			gsm = false
		}
	}
	if !gsm {
		// UCS-2 counts UTF-16 code units
		units = 0
		for _, r := range text {
			units += utf8.RuneLen(r)/4 + 1
		}
	}
	return units, gsm
}
