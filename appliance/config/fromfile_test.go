package config

import "testing"

// TestSetInFileRecordsWhatTheFileSets: the web administration may manage
// only what the file leaves unset; a default is not "set by the file".
func TestSetInFileRecordsWhatTheFileSets(t *testing.T) {
	c, err := Parse([]byte("site:\n  name: Landkreis Musterland\n  public_url: https://x.example\nreception:\n  retention:\n    personal: 48h\n"))
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]bool{"site.name": true, "site.state": false, "http.frame_ancestors": false,
		"reception.retention.personal": true, "reception.retention.content": true} {
		if got := c.SetInFile(key); got != want {
			t.Errorf("SetInFile(%q) = %v, want %v", key, got, want)
		}
	}
	if Defaults().SetInFile("site.name") {
		t.Error("a configuration built in code claims the file set site.name")
	}
}

// TestFrameAncestorsCannotAddCSPDirectives: an origin goes into the CSP
// header as written, so only host names, IP literals and ports pass.
func TestFrameAncestorsCannotAddCSPDirectives(t *testing.T) {
	for _, o := range []string{"https://www.musterland.de", "https://*.musterland.de", "http://localhost:8443", "https://[::1]:8443", "https://127.0.0.1"} {
		if err := ValidateFrameAncestors([]string{o}); err != nil {
			t.Errorf("%s refused: %v", o, err)
		}
	}
	for _, o := range []string{"https://a.de;script-src", "https://a.de'", "https://a.de,b.de", "https://a.de/pfad", "ftp://a.de", "https://user@a.de", "https://"} {
		if ValidateFrameAncestors([]string{o}) == nil {
			t.Errorf("%s accepted", o)
		}
	}
}
