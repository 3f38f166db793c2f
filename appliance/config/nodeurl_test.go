package config

import (
	"slices"
	"strings"
	"testing"
)

// TestMediaNodeURL: a node's own signalling address (media placement) is
// checked naming its field, and its host gets a certificate too.
func TestMediaNodeURL(t *testing.T) {
	base := "site:\n  name: X\n  public_url: https://termine.kreis.example\n"
	if _, err := Parse([]byte(base + "media:\n  node_url: media-a.kreis.example\n")); err == nil || !strings.Contains(err.Error(), "media.node_url") {
		t.Fatalf("a node_url without scheme: %v, want an error naming media.node_url", err)
	}
	c, err := Parse([]byte(base + "media:\n  node_url: https://media-a.kreis.example\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.TLS.Domains, []string{"termine.kreis.example", "media-a.kreis.example"}) {
		t.Fatalf("tls.domains %v, want the public and the node's name", c.TLS.Domains)
	}
	if c, err := Parse([]byte(base)); err != nil || c.Media.NodeURL != "" || !slices.Equal(c.TLS.Domains, []string{"termine.kreis.example"}) {
		t.Fatalf("without node_url: %v %q %v", err, c.Media.NodeURL, c.TLS.Domains)
	}
}
