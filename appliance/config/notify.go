package config

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/template"
	"time"
)

// Notify configures the messages to citizens (appointment codes,
// confirmations, reminders, cancellations, waitlist offers): e-mail over
// SMTP, SMS through an HTTP gateway, and the outbox's retries. Without this
// section nothing is sent and the outbox only fills (see docs/notify.md).
type Notify struct {
	// Email sends over SMTP; nil sends no e-mail.
	Email *NotifyEmail `yaml:"email"`
	// SMS sends through an HTTP gateway; nil sends no SMS.
	SMS *NotifySMS `yaml:"sms"`
	// FirstRetry is the wait after the first failed attempt; each further
	// failure doubles it up to MaxRetry. Defaults 30s and 1h.
	FirstRetry Duration `yaml:"first_retry"`
	MaxRetry   Duration `yaml:"max_retry"`
	// MaxAttempts and MaxAge: a message not delivered after this many
	// attempts, or this long after it was stored, is given up (failed,
	// visible to admins). Defaults 20 and 24h.
	MaxAttempts int      `yaml:"max_attempts"`
	MaxAge      Duration `yaml:"max_age"`
	// Keep is how long the recipient and content of a sent or given-up
	// message stay in the outbox; then they are deleted (counts and
	// errors stay for admins). Default 168h (7 days).
	Keep Duration `yaml:"keep"`
}

// NotifyEmail is the SMTP relay.
type NotifyEmail struct {
	// Host and Port of the relay; port defaults to 587 (starttls),
	// 465 (implicit) or 25 (none).
	Host string `yaml:"host"`
	Port int    `yaml:"port"`
	// TLS: "starttls" (default; the connection fails if the relay does not
	// offer it), "implicit" (TLS from the first byte, port 465) or
	// "none-for-tests-only" (plain text; never on a real network).
	TLS string `yaml:"tls"`
	// CAFile is a PEM file of the CA that signed the relay's certificate,
	// for a county-internal relay; "" uses the system's roots.
	CAFile string `yaml:"ca_file"`
	// Username enables SMTP authentication (the best mechanism the relay
	// offers); the password comes from PasswordFile (preferred) or Password.
	Username     string `yaml:"username"`
	Password     string `yaml:"password"`
	PasswordFile string `yaml:"password_file"`
	// From is the sender, e.g. "Bürgerbüro Musterland <termine@musterland.de>".
	From string `yaml:"from"`
}

// NotifySMS is the HTTP SMS gateway.
type NotifySMS struct {
	// URL the gateway is called at, e.g. "https://sms.example/api/send".
	URL string `yaml:"url"`
	// Method: POST (default) or GET.
	Method string `yaml:"method"`
	// Headers sent with each request, e.g. {"Content-Type": "application/json"}.
	Headers map[string]string `yaml:"headers"`
	// Body is a Go text/template of the request body with {{.To}} (E.164
	// number) and {{.Text}}; the functions json (a JSON string) and
	// urlquery escape them. Default: {"to":{{json .To}},"text":{{json .Text}}}
	Body string `yaml:"body"`
	// Username with Password or PasswordFile sends HTTP basic auth;
	// TokenFile sends "Authorization: Bearer <token>".
	Username     string `yaml:"username"`
	Password     string `yaml:"password"`
	PasswordFile string `yaml:"password_file"`
	TokenFile    string `yaml:"token_file"`
}

// NotifyTLSModes are the allowed values of notify.email.tls.
var NotifyTLSModes = []string{"starttls", "implicit", "none-for-tests-only"}

// DefaultSMSBody is notify.sms.body when none is set.
const DefaultSMSBody = `{"to":{{json .To}},"text":{{json .Text}}}`

// fill applies the section's defaults (only when the section is present).
func (n *Notify) fill() {
	if n.FirstRetry.Duration == 0 {
		n.FirstRetry.Duration = 30 * time.Second
	}
	if n.MaxRetry.Duration == 0 {
		n.MaxRetry.Duration = time.Hour
	}
	if n.MaxAttempts == 0 {
		n.MaxAttempts = 20
	}
	if n.MaxAge.Duration == 0 {
		n.MaxAge.Duration = 24 * time.Hour
	}
	if n.Keep.Duration == 0 {
		n.Keep.Duration = 7 * 24 * time.Hour
	}
	if e := n.Email; e != nil {
		if e.TLS == "" {
			e.TLS = "starttls"
		}
		if e.Port == 0 {
			e.Port = map[string]int{"starttls": 587, "implicit": 465}[e.TLS]
			if e.Port == 0 {
				e.Port = 25
			}
		}
	}
	if s := n.SMS; s != nil {
		if s.Method == "" {
			s.Method = "POST"
		}
		if s.Body == "" {
			s.Body = DefaultSMSBody
		}
	}
}

func (n *Notify) validate() error {
	if n.FirstRetry.Duration <= 0 || n.MaxRetry.Duration < n.FirstRetry.Duration {
		return bad("notify.max_retry", fmt.Sprintf("%s is shorter than first_retry %s", n.MaxRetry, n.FirstRetry), "max_retry ≥ first_retry > 0")
	}
	if n.Keep.Duration < 0 {
		return bad("notify.keep", n.Keep.String(), "a positive duration, e.g. 168h")
	}
	if n.MaxAttempts < 1 {
		return bad("notify.max_attempts", fmt.Sprint(n.MaxAttempts), "at least 1")
	}
	if e := n.Email; e != nil {
		if strings.TrimSpace(e.Host) == "" {
			return bad("notify.email.host", "required", "the SMTP relay's host name")
		}
		if e.Port < 1 || e.Port > 65535 {
			return bad("notify.email.port", fmt.Sprint(e.Port), "1 to 65535")
		}
		if !slices.Contains(NotifyTLSModes, e.TLS) {
			return bad("notify.email.tls", fmt.Sprintf("%q", e.TLS), strings.Join(NotifyTLSModes, ", "))
		}
		if _, err := mail.ParseAddress(e.From); err != nil {
			return bad("notify.email.from", fmt.Sprintf("%q is not an e-mail address", e.From), `"Name <address@example.org>" or an address`)
		}
		if e.Password != "" && e.PasswordFile != "" {
			return bad("notify.email.password_file", "set password or password_file, not both", "")
		}
		if e.Username == "" && (e.Password != "" || e.PasswordFile != "") {
			return bad("notify.email.username", "required with a password", "the SMTP login")
		}
	}
	if s := n.SMS; s != nil {
		if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return bad("notify.sms.url", fmt.Sprintf("%q is not an absolute URL", s.URL), "https://host/path")
		}
		if s.Method != "POST" && s.Method != "GET" && s.Method != "PUT" {
			return bad("notify.sms.method", fmt.Sprintf("%q", s.Method), "POST, PUT, GET")
		}
		if _, err := SMSBodyTemplate(s.Body); err != nil {
			return bad("notify.sms.body", err.Error(), "a Go text/template using {{.To}} and {{.Text}}")
		}
		if s.TokenFile != "" && s.Username != "" {
			return bad("notify.sms.token_file", "set username/password or token_file, not both", "")
		}
	}
	return nil
}

// SMSBodyTemplate parses notify.sms.body with its functions.
func SMSBodyTemplate(body string) (*template.Template, error) {
	return template.New("sms").Funcs(template.FuncMap{"json": jsonString, "urlquery": url.QueryEscape}).Option("missingkey=error").Parse(body)
}

// Secret reads a password or token: the file's trimmed content if file is
// set, else inline. A file the process cannot read (root's 0600 file,
// read by the service running as a dynamic user) is taken from the
// service's systemd credential of the same name if there is one
// (LoadCredential=NAME:FILE puts it in $CREDENTIALS_DIRECTORY/NAME), so
// the service and root's `buergerbuero admin` read one configuration.
func Secret(field, inline, file string) (string, error) {
	if file == "" {
		return inline, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		if dir := os.Getenv("CREDENTIALS_DIRECTORY"); dir != "" {
			if cb, cerr := os.ReadFile(filepath.Join(dir, filepath.Base(file))); cerr == nil {
				b, err = cb, nil
			}
		}
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", field, err)
	}
	return strings.TrimSpace(string(b)), nil
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
