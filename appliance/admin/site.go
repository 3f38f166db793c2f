package admin

import (
	"context"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/text"
)

// Site is the effective site configuration: the file's value where the
// file sets a key, else the database's, else the default.
type Site struct {
	Name              string
	State             string
	FrameAncestors    []string
	RetentionContent  time.Duration
	RetentionPersonal time.Duration
	Branding          Branding
}

// Branding are the county's colours and logo. Empty colours keep the
// built-in ones.
type Branding struct {
	Primary, Background, Text string
	// OnPrimary is the text colour on the primary colour (header, buttons):
	// white where it passes AA, else black.
	OnPrimary string
	// LogoType is the logo's media type, "" for no logo.
	LogoType string
}

// Built-in colours (static/style.css), used for a colour left empty.
const (
	DefaultPrimary    = "#00527a"
	DefaultBackground = "#ffffff"
	DefaultText       = "#1a1a1a"
)

// MaxLogo is the largest logo accepted, bytes.
const MaxLogo = 256 << 10

// settings keys besides config.WebManaged
const (
	keyPrimary    = "branding.primary"
	keyBackground = "branding.background"
	keyText       = "branding.text"
	keyLogo       = "branding.logo"
	keyLogoType   = "branding.logo_type"
)

// Site returns the effective site settings.
func (s *Service) Site() Site {
	c := s.cfg
	out := Site{Name: c.Site.Name, State: c.Site.State, FrameAncestors: c.HTTP.FrameAncestors,
		RetentionContent: c.Reception.Retention.Content.Duration, RetentionPersonal: c.Reception.Retention.Personal.Duration}
	if v, ok := s.webValue("site.name"); ok {
		out.Name = v
	}
	if v, ok := s.webValue("site.state"); ok {
		out.State = v
	}
	if v, ok := s.webValue("http.frame_ancestors"); ok {
		out.FrameAncestors = strings.Fields(v)
	}
	if v, ok := s.webValue("reception.retention.content"); ok {
		out.RetentionContent, _ = time.ParseDuration(v)
	}
	if v, ok := s.webValue("reception.retention.personal"); ok {
		out.RetentionPersonal, _ = time.ParseDuration(v)
	}
	b := &out.Branding
	b.Primary, _ = s.setting(keyPrimary)
	b.Background, _ = s.setting(keyBackground)
	b.Text, _ = s.setting(keyText)
	b.LogoType, _ = s.setting(keyLogoType)
	if b.Primary != "" {
		p, _ := ParseColour(b.Primary)
		b.OnPrimary = onColour(p)
	}
	return out
}

// webValue is a web-managed setting the file leaves unset.
func (s *Service) webValue(key string) (string, bool) {
	if s.FileSet(key) {
		return "", false
	}
	return s.setting(key)
}

// onColour is white where white passes AA on c (the built-in look), else
// black (which then passes: every colour reaches 4.5:1 with one of them).
func onColour(c [3]uint8) string {
	if Contrast(c, [3]uint8{255, 255, 255}) >= MinContrast {
		return "#ffffff"
	}
	return "#000000"
}

// SiteInput is the submitted site form; a nil field was not submitted
// (the page shows file-set fields read-only and does not send them).
type SiteInput struct {
	Name, State, FrameAncestors         *string
	Primary, Background, Text           *string
	RetentionContent, RetentionPersonal *string
}

// SaveSite validates and stores the site form, applies it and audits the
// names of the changed fields (admin.site.update).
func (s *Service) SaveSite(ctx context.Context, actor string, in SiteInput) error {
	cur := s.Site()
	set := map[string]string{}
	var bad Invalid
	var changed []string
	field := func(form, key string, v *string, current string, check func(string) (string, *problem.Error)) {
		if v == nil || *v == current {
			return // not sent, or sent back as shown (a file-set field too)
		}
		val, p := check(*v)
		if p != nil {
			bad = append(bad, p)
			return
		}
		if val == current {
			return
		}
		if key != "" && s.FileSet(key) {
			bad = append(bad, ErrFileSet.With(form, nil))
			return
		}
		set[key] = val
		changed = append(changed, form)
	}
	field("name", "site.name", in.Name, cur.Name, func(v string) (string, *problem.Error) {
		v = text.Clean(v)
		if config.ValidateSiteName(v) != nil {
			return "", errName.With("name", nil)
		}
		return v, nil
	})
	field("state", "site.state", in.State, cur.State, func(v string) (string, *problem.Error) {
		v = strings.ToUpper(strings.TrimSpace(v))
		if config.ValidateState(v) != nil {
			return "", errState.With("state", map[string]any{"Allowed": strings.Join(config.Bundeslaender, ", ")})
		}
		return v, nil
	})
	field("frame_ancestors", "http.frame_ancestors", in.FrameAncestors, strings.Join(cur.FrameAncestors, "\n"), func(v string) (string, *problem.Error) {
		list := strings.Fields(v)
		for _, o := range list {
			if config.ValidateFrameAncestors([]string{o}) != nil {
				return "", errOrigin.With("frame_ancestors", map[string]any{"Origin": o})
			}
		}
		return strings.Join(list, "\n"), nil
	})
	dur := func(form string) func(string) (string, *problem.Error) {
		return func(v string) (string, *problem.Error) {
			d, err := time.ParseDuration(strings.TrimSpace(v))
			if err != nil || d < 0 || (form == "retention_personal" && d == 0) {
				return "", errDuration.With(form, nil)
			}
			return d.String(), nil
		}
	}
	field("retention_content", "reception.retention.content", in.RetentionContent, cur.RetentionContent.String(), dur("retention_content"))
	field("retention_personal", "reception.retention.personal", in.RetentionPersonal, cur.RetentionPersonal.String(), dur("retention_personal"))
	bad = append(bad, s.colours(in, cur.Branding, set, &changed)...)
	if len(bad) > 0 {
		return bad
	}
	if len(set) == 0 {
		return nil
	}
	if err := s.saveSettings(ctx, set, Change{Actor: actor, Action: "admin.site.update", Detail: strings.Join(changed, ",")}); err != nil {
		return err
	}
	return s.applySite(ctx)
}

// colours checks the three colours together: each "#rrggbb" or empty
// (built-in), text on background and primary (links) on background at
// least MinContrast.
func (s *Service) colours(in SiteInput, cur Branding, set map[string]string, changed *[]string) Invalid {
	if in.Primary == nil && in.Background == nil && in.Text == nil {
		return nil
	}
	val := func(p *string, current string) string {
		if p == nil {
			return current
		}
		return NormColour(*p)
	}
	type colour struct {
		form, key, val, def string
		rgb                 [3]uint8
	}
	cs := []*colour{
		{form: "primary", key: keyPrimary, val: val(in.Primary, cur.Primary), def: DefaultPrimary},
		{form: "background", key: keyBackground, val: val(in.Background, cur.Background), def: DefaultBackground},
		{form: "text", key: keyText, val: val(in.Text, cur.Text), def: DefaultText},
	}
	var bad Invalid
	for _, c := range cs {
		v := c.val
		if v == "" {
			v = c.def
		}
		rgb, ok := ParseColour(v)
		if !ok {
			bad = append(bad, errColour.With(c.form, nil))
		}
		c.rgb = rgb
	}
	if len(bad) > 0 {
		return bad
	}
	for _, pair := range [][2]*colour{{cs[2], cs[1]}, {cs[0], cs[1]}} {
		if r := Contrast(pair[0].rgb, pair[1].rgb); r < MinContrast {
			w, d := ratioParts(r)
			mw, md := ratioParts(MinContrast)
			bad = append(bad, errContrast.With(pair[0].form, map[string]any{"Whole": w, "Decimals": d, "MinWhole": mw, "MinDecimals": md}))
		}
	}
	if len(bad) > 0 {
		return bad
	}
	for _, c := range cs {
		if c.val != map[string]string{"primary": cur.Primary, "background": cur.Background, "text": cur.Text}[c.form] {
			set[c.key] = c.val
			*changed = append(*changed, c.form)
		}
	}
	return nil
}

// LogoTypes are the accepted logo formats, as sniffed from the content
// (SVG is refused: it may carry script).
var LogoTypes = []string{"image/png", "image/jpeg", "image/webp"}

// SetLogo stores a new logo (admin.logo.update); nil data removes it
// (admin.logo.delete).
func (s *Service) SetLogo(ctx context.Context, actor string, data []byte) error {
	if data == nil {
		return s.saveSettings(ctx, map[string]string{keyLogo: "", keyLogoType: ""}, Change{Actor: actor, Action: "admin.logo.delete", Detail: "logo"})
	}
	if len(data) > MaxLogo {
		return Invalid{errLogoSize.With("logo", map[string]any{"KiB": MaxLogo >> 10})}
	}
	typ := http.DetectContentType(data)
	if !slices.Contains(LogoTypes, typ) {
		return Invalid{errLogoType.With("logo", nil)}
	}
	return s.saveSettings(ctx, map[string]string{keyLogo: base64.StdEncoding.EncodeToString(data), keyLogoType: typ},
		Change{Actor: actor, Action: "admin.logo.update", Detail: "logo"})
}

// Logo returns the logo and its media type; nil without one.
func (s *Service) Logo() ([]byte, string) {
	v, _ := s.setting(keyLogo)
	typ, _ := s.setting(keyLogoType)
	if v == "" {
		return nil, ""
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return nil, ""
	}
	return b, typ
}

func (s *Service) saveSettings(ctx context.Context, set map[string]string, c Change) error {
	c.At = s.now()
	if err := s.store.SaveSettings(ctx, set, c); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	next := make(map[string]string, len(s.settings)+len(set))
	for k, v := range s.settings {
		next[k] = v
	}
	for k, v := range set {
		if v == "" {
			delete(next, k)
		} else {
			next[k] = v
		}
	}
	s.settings = next
	return nil
}
