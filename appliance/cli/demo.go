package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/app"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/events"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
	"github.com/buergerbuero/buergerbuero/appliance/web"
)

// DemoOffices are the embedded demo county's offices. The Bürgerbüro is an
// always-open online desk, so the demo works at any hour.
func DemoOffices() []config.Office {
	allDay := map[string][]string{}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		allDay[d] = []string{"00:00-24:00"}
	}
	return []config.Office{
		{ID: "buergerbuero", Name: "Bürgerbüro", Prefix: "B", Description: "Ausweise, Meldebescheinigungen, Führungszeugnisse – rund um die Uhr online erreichbar.",
			Languages: []string{"de", "en", "tr", "ar", "uk"}, Chairs: 3, Hours: allDay, IgnoreHolidays: true,
			KnocksWithoutClerk: true, // an online desk around the clock: citizens may knock before a clerk signs in
			Services: []config.Service{
				{ID: "personalausweis", Name: "Personalausweis beantragen", Duration: config.Duration{Duration: 15 * time.Minute}, Mode: "both",
					WhatToBring: "Altes Ausweisdokument, ein biometrisches Passfoto"},
				{ID: "meldebescheinigung", Name: "Meldebescheinigung", Duration: config.Duration{Duration: 10 * time.Minute}, Mode: "both"}},
			Appointments: config.OfficeAppointments{Chairs: map[string]int{"mon": 1, "tue": 1, "wed": 1, "thu": 1, "fri": 1, "sat": 1, "sun": 1}}},
		{ID: "bauamt", Name: "Bauamt", Prefix: "BA", Description: "Bauanträge, Bauvoranfragen, Abstandsflächen.",
			Languages: []string{"de", "en"}, Chairs: 2, Hours: map[string][]string{
				"mon": {"08:00-16:00"}, "tue": {"08:00-16:00"}, "wed": {"08:00-16:00"}, "thu": {"08:00-18:00"}, "fri": {"08:00-12:00"}},
			Services: []config.Service{{ID: "bauberatung", Name: "Bauberatung", Duration: config.Duration{Duration: 30 * time.Minute}, Mode: "booking",
				Languages: []string{"de", "en"}, WhatToBring: "Lageplan, Grundbuchauszug"}},
			Appointments: config.OfficeAppointments{Chairs: map[string]int{"mon": 1, "thu": 1}}},
		{ID: "auslaenderbehoerde", Name: "Ausländerbehörde", Prefix: "AB", Description: "Aufenthaltstitel, Verlängerungen, Einbürgerung.",
			Languages: []string{"de", "en", "fr", "ar", "ru", "uk"}, Chairs: 2, Hours: map[string][]string{
				"mon": {"08:00-12:00", "13:00-15:30"}, "tue": {"08:00-12:00", "13:00-15:30"}, "wed": {"08:00-12:00"},
				"thu": {"08:00-12:00", "13:00-18:00"}, "fri": {"08:00-12:00"}}},
	}
}

// DemoClerks are the demo staff.
func DemoClerks() []staff.Clerk {
	return []staff.Clerk{
		{Login: "anna", DisplayName: "Anna Schneider", Role: staff.RoleClerk, Offices: []string{"buergerbuero", "bauamt"}},
		{Login: "ben", DisplayName: "Ben Yılmaz", Role: staff.RoleLead, Offices: []string{"buergerbuero", "auslaenderbehoerde"}},
		// the web administration (/staff/admin)
		{Login: "clara", DisplayName: "Clara Verwaltung", Role: staff.RoleAdmin},
	}
}

// DemoConfig returns the embedded demo configuration. Its certificate
// covers the host it prints plus localhost, 127.0.0.1 and ::1, and every
// one of these origins may frame the widget, so the example host page
// (/demo/embed-example) works whichever of them the browser uses.
func DemoConfig(addr, dataDir string) (*config.Config, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("--addr %q: %w", addr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	c := config.Defaults()
	c.Site.Name = "Landkreis Musterland (Demo)"
	c.Site.PublicURL = "https://" + net.JoinHostPort(host, port)
	c.Site.State = "HE"
	c.Site.Privacy = config.Privacy{
		Controller:           "Landkreis Musterland (Demo), vertreten durch die Landrätin",
		ControllerAddress:    "Musterstraße 1, 12345 Musterstadt",
		ContactEmail:         "buergerbuero@musterland.example",
		DPOName:              "Behördliche Datenschutzbeauftragte des Landkreises Musterland",
		DPOEmail:             "datenschutz@musterland.example",
		SupervisoryAuthority: "Der Hessische Beauftragte für Datenschutz und Informationsfreiheit, Postfach 3163, 65021 Wiesbaden",
	}
	// the demo names the federal conciliation body; a county names the
	// enforcement body of its Land
	c.Site.Accessibility = config.Accessibility{
		ContactEmail:    "barrierefreiheit@musterland.example",
		ContactPhone:    "+49 6151 12345-0",
		EnforcementBody: config.EnforcementBody{Name: "Schlichtungsstelle nach dem Behindertengleichstellungsgesetz (BGG)", URL: "https://www.schlichtungsstelle-bgg.de"},
		Status:          "partial",
		Date:            "2025-11-29",
	}
	c.HTTP.Listen = addr
	c.HTTP.RedirectListen = ""
	c.HTTP.AdminListen = "127.0.0.1:0"
	c.TLS.Mode = "internal"
	c.Store.DataDir = dataDir
	c.Offices = DemoOffices()
	// e-mails go to the demo's mailbox (app.DemoMailbox), not to a relay
	c.Notify = &config.Notify{}
	c.TLS.Domains = nil
	c.HTTP.FrameAncestors = nil
	for _, h := range []string{host, "localhost", "127.0.0.1", "::1"} {
		if !slices.Contains(c.TLS.Domains, h) {
			c.TLS.Domains = append(c.TLS.Domains, h)
			c.HTTP.FrameAncestors = append(c.HTTP.FrameAncestors, "https://"+net.JoinHostPort(h, port))
		}
	}
	c.Media.UDPPort = 0
	c.Media.TURN.Enabled = false
	b, err := yamlOf(c)
	if err != nil {
		return nil, err
	}
	pc, err := config.Parse(b)
	if err != nil {
		return nil, err
	}
	// no operator wrote this file: the web administration may manage the
	// site settings (the demo offices stay the configuration's)
	pc.ForgetFileKeys()
	return pc, nil
}

func demo(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	addr := fs.String("addr", "localhost:8443", "HTTPS address")
	data := fs.String("data", "buergerbuero-demo", "data directory (SQLite database, certificates)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	abs, _ := filepath.Abs(*data)
	cfg, err := DemoConfig(*addr, abs)
	if err != nil {
		return err
	}
	// keep the terminal readable: only warnings and errors besides the summary
	log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	passwords := map[string]string{}
	// the clerks exist before anything listens, so /healthz never says ok
	// while the printed logins would still fail
	prepare := func(a *app.App) error {
		a.EmbedExample = true
		for _, c := range DemoClerks() {
			pw := staff.RandomToken(9)
			if err := a.Staff.Save(ctx, c, pw, true); err != nil { // one-time: replaced at the first sign-in
				return fmt.Errorf("demo clerk %s: %w", c.Login, err)
			}
			passwords[c.Login] = pw
		}
		return nil
	}
	return run(ctx, cfg, stdout, log, prepare, func(a *app.App) {
		if err := demoEvent(ctx, a, cfg); err != nil {
			log.Warn("demo event", "err", err)
		}
		base := cfg.Site.PublicURL
		fmt.Fprintf(stdout, "\nbuergerbuero demo is running. TLS comes from a local demo CA: your browser warns once,\n")
		fmt.Fprintf(stdout, "or import %s as a trusted root.\n", filepath.Join(cfg.TLS.StorageDir, "ca", "root.pem"))
		fmt.Fprintf(stdout, "The certificate covers %s.\n\n", strings.Join(cfg.TLS.Domains, ", "))
		fmt.Fprintf(stdout, "  Citizens:  %s/\n", base)
		fmt.Fprintf(stdout, "  Staff:     %s/staff\n", base)
		fmt.Fprintf(stdout, "  Events:    %s/events (a citizens' hour tomorrow at 18:00; Ben moderates)\n", base)
		fmt.Fprintf(stdout, "  Privacy:   %s/datenschutz\n", base)
		fmt.Fprintf(stdout, "  Mailbox:   %s%s (the demo sends no e-mail: booking codes and links land here)\n", base, web.DemoMailboxPath)
		fmt.Fprintf(stdout, "  Widget:    <script src=\"%s/embed.js\" async></script>\n", base)
		fmt.Fprintf(stdout, "             shown embedded in an example county page: %s/demo/embed-example\n", base)
		if m := a.AdminAddr(); m != nil {
			fmt.Fprintf(stdout, "  Metrics:   http://%s/metrics (admin listener, loopback only)\n", m)
		}
		fmt.Fprintf(stdout, "\n  Demo logins (one-time passwords, new at every start; choose your own at the first sign-in):\n")
		for _, c := range DemoClerks() {
			fmt.Fprintf(stdout, "    %-6s %-16s %s  (%s)\n", c.Login, c.DisplayName, passwords[c.Login], joinOffices(c.Offices))
		}
		fmt.Fprintf(stdout, "\n  Data: %s   Stop with Ctrl+C.\n\n", cfg.Store.DataDir)
	}, app.DemoMailbox())
}

func joinOffices(o []string) string {
	s := ""
	for i, x := range o {
		if i > 0 {
			s += ", "
		}
		s += x
	}
	return s
}

// demoEvent plans the demo's citizens' hour (tomorrow 18:00–19:00 in the
// Bürgerbüro, Ben speaking and moderating), unless one is planned already.
func demoEvent(ctx context.Context, a *app.App, cfg *config.Config) error {
	if a.Events == nil {
		return nil
	}
	if up, err := a.Events.Upcoming(ctx, "buergerbuero"); err != nil || len(up) > 0 {
		return err
	}
	ben, err := a.Staff.Clerk(ctx, "ben")
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(cfg.Site.TimeZone)
	if err != nil {
		return err
	}
	y, m, d := time.Now().In(loc).AddDate(0, 0, 1).Date()
	start := time.Date(y, m, d, 18, 0, 0, 0, loc)
	_, err = a.Events.Create(ctx, ben, events.Draft{OfficeID: "buergerbuero", Title: "Bürgersprechstunde der Landrätin",
		Start: start, End: start.Add(time.Hour), StageSlots: 2, Speakers: []string{"ben"}})
	return err
}
