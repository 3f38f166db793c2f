// Package admin owns the web administration's rules: which settings the
// web may change (what the configuration file leaves unset), their
// validation (the configuration file's own rules, reported per form
// field), the offices edited in the browser, the per-office waiting-room
// texts, the branding (colours checked for WCAG AA contrast, a logo) and
// the audit entry of every change. It applies a change at once, through
// the hooks it is given (the reception reloads its offices); it renders no
// HTML and speaks no HTTP.
package admin

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
)

// Change is the audit entry of one administrative change: who, what
// (admin.<object>.<verb>), which office, and the names of the changed
// fields (never values a citizen typed; the administration holds none).
type Change struct {
	At       time.Time
	Actor    string
	Action   string
	OfficeID string
	Detail   string
}

// Texts are an office's waiting-room texts, typed by an admin and shown as
// written (escaped) on the knock and waiting pages.
type Texts struct {
	Greeting  string
	Documents string
	Notice    string
}

// Empty reports whether no text is set.
func (t Texts) Empty() bool { return t == Texts{} }

// Store persists the administration; every Save writes its Change to the
// audit log in the same transaction.
type Store interface {
	Settings(ctx context.Context) (map[string]string, error)
	// SaveSettings sets the keys; an empty value deletes the key.
	SaveSettings(ctx context.Context, set map[string]string, c Change) error
	OfficeTexts(ctx context.Context) (map[string]Texts, error)
	SaveOfficeTexts(ctx context.Context, officeID string, t Texts, c Change) error
	Offices(ctx context.Context) ([]reception.Office, error)
	SaveOffice(ctx context.Context, o reception.Office, c Change) error
	OfficeServices(ctx context.Context) (map[string][]ServiceDef, error)
	SaveOfficeServices(ctx context.Context, officeID string, list []ServiceDef, c Change) error
}

// Hooks apply a change without a restart.
type Hooks struct {
	// OfficesChanged reloads the offices (reception.Service.ReloadOffices).
	OfficesChanged func(ctx context.Context) error
	// SiteChanged passes on the effective Bundesland and default retention
	// (reception.Service.SetSiteDefaults).
	SiteChanged func(ctx context.Context, state string, r reception.Retention) error
	// BookChanged rebuilds the appointment book's offices (their services
	// and schedules) after an office, its services or the Bundesland
	// changed.
	BookChanged func(ctx context.Context) error
}

// Service is the web administration.
type Service struct {
	store Store
	cfg   *config.Config
	hooks Hooks
	now   func() time.Time

	mu       sync.RWMutex
	settings map[string]string
	texts    map[string]Texts
	services map[string][]ServiceDef
}

// New builds the administration over the file's configuration cfg; call
// Load before use.
func New(s Store, cfg *config.Config, h Hooks) *Service {
	return &Service{store: s, cfg: cfg, hooks: h, now: time.Now, settings: map[string]string{}, texts: map[string]Texts{}, services: map[string][]ServiceDef{}}
}

// Load reads the stored settings and texts and applies the site settings.
func (s *Service) Load(ctx context.Context) error {
	set, err := s.store.Settings(ctx)
	if err != nil {
		return fmt.Errorf("admin settings: %w", err)
	}
	texts, err := s.store.OfficeTexts(ctx)
	if err != nil {
		return fmt.Errorf("admin texts: %w", err)
	}
	services, err := s.store.OfficeServices(ctx)
	if err != nil {
		return fmt.Errorf("admin services: %w", err)
	}
	s.mu.Lock()
	s.settings, s.texts, s.services = set, texts, services
	s.mu.Unlock()
	return s.applySite(ctx)
}

// applySite passes the effective Bundesland and retention on and rebuilds
// the appointment book (its schedules know the holidays too).
func (s *Service) applySite(ctx context.Context) error {
	if s.hooks.SiteChanged != nil {
		site := s.Site()
		if err := s.hooks.SiteChanged(ctx, site.State, reception.Retention{Content: site.RetentionContent, Personal: site.RetentionPersonal}); err != nil {
			return err
		}
	}
	return s.bookChanged(ctx)
}

// FileOffice reports whether the configuration file declares the office
// (then the file owns it and the web shows it read-only).
func (s *Service) FileOffice(id string) bool {
	return slices.ContainsFunc(s.cfg.Offices, func(o config.Office) bool { return o.ID == id })
}

// FileSet reports whether the configuration file sets a site key
// (config.WebManaged).
func (s *Service) FileSet(key string) bool { return s.cfg.SetInFile(key) }

// Texts returns an office's waiting-room texts.
func (s *Service) Texts(officeID string) Texts {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.texts[officeID]
}

func (s *Service) setting(key string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.settings[key]
	return v, ok
}
