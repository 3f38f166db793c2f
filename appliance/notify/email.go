package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/buergerbuero/buergerbuero/appliance/config"
)

// EmailSender sends rendered messages over SMTP (go-mail): STARTTLS
// required by default, or implicit TLS; authentication if a username is
// configured. It dials once per message: appointment mail is a trickle,
// and a fresh connection never trips over a relay's idle timeout.
type EmailSender struct {
	r    *Renderer
	from string
	opts []gomail.Option
	host string
}

// NewEmailSender checks the settings and reads the password file. tlsConf
// may be nil; it overrides the CA of cfg.CAFile (tests).
func NewEmailSender(cfg config.NotifyEmail, r *Renderer, tlsConf *tls.Config) (*EmailSender, error) {
	if tlsConf == nil {
		tlsConf = &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
		if cfg.CAFile != "" {
			pem, err := os.ReadFile(cfg.CAFile)
			if err != nil {
				return nil, fmt.Errorf("notify.email.ca_file: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("notify.email.ca_file: no certificate in %s", cfg.CAFile)
			}
			tlsConf.RootCAs = pool
		}
	}
	opts := []gomail.Option{gomail.WithPort(cfg.Port), gomail.WithTimeout(30 * time.Second), gomail.WithTLSConfig(tlsConf)}
	switch cfg.TLS {
	case "starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case "implicit":
		opts = append(opts, gomail.WithSSL())
	case "none-for-tests-only":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		return nil, fmt.Errorf("notify.email.tls: %q", cfg.TLS)
	}
	if cfg.Username != "" {
		pw, err := config.Secret("notify.email.password_file", cfg.Password, cfg.PasswordFile)
		if err != nil {
			return nil, err
		}
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(cfg.Username), gomail.WithPassword(pw))
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("notify.email.from: %w", err)
	}
	if r.Organizer == "" {
		r.Organizer = from.Address
	}
	return &EmailSender{r: r, from: cfg.From, opts: opts, host: cfg.Host}, nil
}

// Send renders m and sends it.
func (s *EmailSender) Send(ctx context.Context, m Message) error {
	msg, err := s.build(m)
	if err != nil {
		return Permanent(err)
	}
	c, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		var se *gomail.SendError
		if errors.As(err, &se) && !se.IsTemp() && se.Reason == gomail.ErrSMTPRcptTo {
			return Permanent(fmt.Errorf("smtp: recipient refused: %w", err))
		}
		return fmt.Errorf("smtp: %w", err)
	}
	return nil
}

// build renders m into a multipart message: text and HTML alternatives
// and, for confirmations and cancellations, the .ics attachment.
func (s *EmailSender) build(m Message) (*gomail.Msg, error) {
	e, err := s.r.Email(m)
	if err != nil {
		return nil, err
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(s.from); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if err := msg.To(m.Recipient); err != nil {
		return nil, fmt.Errorf("recipient is not an e-mail address")
	}
	msg.Subject(e.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetGenHeader(gomail.HeaderContentLang, s.r.localizer(m).Tag().String())
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, e.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, e.HTML)
	if e.ICS != nil {
		ct := gomail.ContentType(`text/calendar; charset=UTF-8; method=` + e.ICSMethod)
		name := "termin.ics"
		if m.Kind == KindCancellation {
			name = "absage.ics"
		}
		if err := msg.AttachReader(name, bytes.NewReader(e.ICS), gomail.WithFileContentType(ct)); err != nil {
			return nil, fmt.Errorf("attach ics: %w", err)
		}
	}
	return msg, nil
}
