package smtptest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// Mail is a received message taken apart as a mail program would: the
// headers, the decoded subject, and each part decoded by its media type
// (text/plain, text/html, text/calendar …) with its full Content-Type.
type Mail struct {
	Header  mail.Header
	Subject string
	Parts   map[string]string
	Types   map[string]string
}

// Parse decodes a message: multipart nesting, base64 and
// quoted-printable, encoded-word subjects.
func Parse(data []byte) (Mail, error) {
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return Mail{}, fmt.Errorf("read message: %w", err)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		return Mail{}, fmt.Errorf("subject: %w", err)
	}
	p := Mail{Header: m.Header, Subject: subj, Parts: map[string]string{}, Types: map[string]string{}}
	return p, p.walk(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body)
}

func (p *Mail) walk(ctype, cte string, body io.Reader) error {
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		return fmt.Errorf("content type %q: %w", ctype, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := p.walk(part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(cte) {
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	p.Parts[mt], p.Types[mt] = string(b), ctype
	return nil
}
