package supplychain

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// publiccode is the part of the publiccode.yml standard v0.4 that
// catalogues require (https://yml.publiccode.tools/schema.core.html).
type publiccode struct {
	Version           string   `yaml:"publiccodeYmlVersion"`
	Name              string   `yaml:"name"`
	URL               string   `yaml:"url"`
	SoftwareVersion   string   `yaml:"softwareVersion"`
	ReleaseDate       string   `yaml:"releaseDate"`
	Platforms         []string `yaml:"platforms"`
	Categories        []string `yaml:"categories"`
	DevelopmentStatus string   `yaml:"developmentStatus"`
	SoftwareType      string   `yaml:"softwareType"`
	IntendedAudience  struct {
		Countries []string `yaml:"countries"`
	} `yaml:"intendedAudience"`
	Description map[string]struct {
		ShortDescription string   `yaml:"shortDescription"`
		LongDescription  string   `yaml:"longDescription"`
		Features         []string `yaml:"features"`
	} `yaml:"description"`
	Legal struct {
		License string `yaml:"license"`
	} `yaml:"legal"`
	Maintenance struct {
		Type     string `yaml:"type"`
		Contacts []struct {
			Name string `yaml:"name"`
		} `yaml:"contacts"`
	} `yaml:"maintenance"`
	Localisation struct {
		LocalisationReady  *bool    `yaml:"localisationReady"`
		AvailableLanguages []string `yaml:"availableLanguages"`
	} `yaml:"localisation"`
}

// TestPubliccodeYML parses publiccode.yml and checks the keys and value
// rules of the standard that catalogues such as opencode.de rely on.
func TestPubliccodeYML(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "publiccode.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var p publiccode
	if err := yaml.Unmarshal(b, &p); err != nil {
		t.Fatalf("publiccode.yml: %v", err)
	}
	check := func(ok bool, what string) {
		if !ok {
			t.Errorf("publiccode.yml: %s", what)
		}
	}
	check(p.Version == "0.4", "publiccodeYmlVersion must be \"0.4\"")
	check(p.Name != "", "name is required")
	check(regexp.MustCompile(`^https://`).MatchString(p.URL), "url must be the https address of the repository")
	check(p.SoftwareVersion != "", "softwareVersion is missing")
	_, err = time.Parse("2006-01-02", p.ReleaseDate)
	check(err == nil, "releaseDate must be YYYY-MM-DD")
	check(len(p.Platforms) > 0 && slices.Contains(p.Platforms, "web"), "platforms must include web")
	check(len(p.Categories) > 0, "categories is required")
	check(slices.Contains([]string{"concept", "development", "beta", "stable", "obsolete"}, p.DevelopmentStatus), "developmentStatus: concept, development, beta, stable or obsolete")
	check(p.SoftwareType == "standalone/web", "softwareType must be standalone/web")
	check(slices.Contains(p.IntendedAudience.Countries, "de"), "intendedAudience.countries must include de")
	for _, lang := range []string{"de", "en"} {
		d, ok := p.Description[lang]
		check(ok, "description."+lang+" is missing")
		n := utf8.RuneCountInString
		check(d.ShortDescription != "" && n(d.ShortDescription) <= 150, "description."+lang+".shortDescription: 1 to 150 characters")
		check(n(d.LongDescription) >= 150 && n(d.LongDescription) <= 10000, "description."+lang+".longDescription: 150 to 10000 characters")
		check(len(d.Features) > 0, "description."+lang+".features is required")
		for _, f := range d.Features {
			check(n(f) <= 100, "description."+lang+".features: at most 100 characters each: "+f)
		}
	}
	check(p.Legal.License == "EUPL-1.2", "legal.license must be EUPL-1.2 (the licence in LICENSE)")
	check(slices.Contains([]string{"internal", "contract", "community", "none"}, p.Maintenance.Type), "maintenance.type: internal, contract, community or none")
	if p.Maintenance.Type == "internal" || p.Maintenance.Type == "contract" {
		check(len(p.Maintenance.Contacts) > 0, "maintenance.contacts is required for type "+p.Maintenance.Type)
	}
	check(p.Localisation.LocalisationReady != nil, "localisation.localisationReady is required")
	check(slices.Contains(p.Localisation.AvailableLanguages, "de") && slices.Contains(p.Localisation.AvailableLanguages, "en"), "localisation.availableLanguages must list de and en")
}
