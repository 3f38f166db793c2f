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
