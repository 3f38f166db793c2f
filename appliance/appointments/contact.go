package appointments

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// normaliseContact reads an e-mail address (lower-cased) or a mobile
// number in E.164 (spaces, dashes, slashes and brackets dropped).
func normaliseContact(s string) (string, notify.Channel, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "@") {
		a, err := mail.ParseAddress(s)
		if err != nil || a.Address != s || a.Name != "" || len(s) > 254 {
			return "", "", problem.Invalid("contact", "contact_format", nil)
		}
		_, domain, _ := strings.Cut(s, "@")
		if !strings.Contains(domain, ".") {
			return "", "", problem.Invalid("contact", "contact_format", nil)
		}
		return strings.ToLower(s), notify.ChannelEmail, nil
	}
	n := strings.NewReplacer(" ", "", "-", "", "/", "", "(", "", ")", "").Replace(s)
	if strings.HasPrefix(n, "00") {
		n = "+" + n[2:]
	}
	if !e164.MatchString(n) {
		return "", "", problem.Invalid("contact", "contact_format", nil)
	}
	return n, notify.ChannelSMS, nil
}

// reachable refuses a contact whose channel the site cannot send on.
func (s *Book) reachable(ch notify.Channel) error {
	if s.set.Channels == nil || s.set.Channels[ch] {
		return nil
	}
	if ch == notify.ChannelSMS {
		return problem.Invalid("contact", "channel_sms_unavailable", nil)
	}
	return problem.Invalid("contact", "channel_email_unavailable", nil)
}

// keyed is a hex HMAC of parts under the site secret.
func (s *Book) keyed(parts ...string) string {
	m := hmac.New(sha256.New, s.set.Secret)
	m.Write([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(m.Sum(nil))
}

func (s *Book) contactKey(contact string) string { return s.keyed("contact", contact) }

func (s *Book) codeHash(id, code string) string { return s.keyed("code", id, code) }

// JoinToken is the signed token of a booking's join link (section 4 of
// issue 12 checks it and the time window when the link is opened).
func (s *Book) JoinToken(bookingID string) string {
	m := hmac.New(sha256.New, s.set.Secret)
	m.Write([]byte("join\x00" + bookingID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:24])
}

// CheckJoinToken reports whether tok is the join token of bookingID.
func (s *Book) CheckJoinToken(bookingID, tok string) bool {
	return subtle.ConstantTimeCompare([]byte(s.JoinToken(bookingID)), []byte(tok)) == 1
}

// tokenHash stores unguessable tokens (cancel, accept): a plain SHA-256
// suffices for 256 random bits.
func tokenHash(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// checkCode compares a confirmation code (of a hold or a waitlist entry)
// with its stored hash. A wrong one counts against attempts and gives
// ErrWrongCode, or ErrTooManyAttempts once Settings.CodeAttempts are used.
// Something that is not six digits (a typo, a pasted sentence) gives
// ErrCodeFormat and costs no attempt: it cannot be a guess.
func (s *Book) checkCode(id, code, hash string, attempts *int) error {
	code = normaliseCode(code)
	if !wellFormedCode(code) {
		return ErrCodeFormat
	}
	if sameHash(s.codeHash(id, code), hash) {
		return nil
	}
	*attempts++
	if *attempts >= s.set.CodeAttempts {
		return ErrTooManyAttempts
	}
	return ErrWrongCode
}

// normaliseCode drops spaces and dashes people type into a code ("123 456")
// and reads Arabic-Indic and Persian digits, as an Arabic or Persian
// keyboard types them, as ASCII digits.
func normaliseCode(code string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-' || r == '\u00a0' || r == '\u202f':
			return -1
		case r >= '٠' && r <= '٩':
			return r - '٠' + '0'
		case r >= '۰' && r <= '۹':
			return r - '۰' + '0'
		}
		return r
	}, code)
}

// wellFormedCode: exactly six ASCII digits, as newCode makes them.
func wellFormedCode(code string) bool {
	if len(code) != 6 {
		return false
	}
	for _, c := range []byte(code) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func sameHash(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func newToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func newID(prefix string) string {
	b := make([]byte, 10)
	rand.Read(b)
	return prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// newCode is a 6-digit confirmation code.
func newCode() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	return fmt.Sprintf("%06d", n.Int64())
}

// limiter allows burst events per window and key (fixed windows, in
// memory only: keys are client addresses and contact hashes, forgotten
// after a window).
type limiter struct {
	mu     sync.Mutex
	burst  int
	per    time.Duration
	counts map[string]*window
}

type window struct {
	start time.Time
	n     int
}

func newLimiter(burst int, per time.Duration) *limiter {
	return &limiter{burst: max(burst, 1), per: max(per, time.Second), counts: map[string]*window{}}
}

func (l *limiter) allow(key string, now time.Time) bool {
	if key == "" {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.counts) > 10000 {
		for k, w := range l.counts {
			if now.Sub(w.start) >= l.per {
				delete(l.counts, k)
			}
		}
	}
	w := l.counts[key]
	if w == nil || now.Sub(w.start) >= l.per {
		w = &window{start: now}
		l.counts[key] = w
	}
	if w.n >= l.burst {
		return false
	}
	w.n++
	return true
}
