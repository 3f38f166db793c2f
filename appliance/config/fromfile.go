package config

import (
	"bytes"
	"strings"

	"gopkg.in/yaml.v3"
)

// The web administration (package admin) manages what the file leaves
// unset; the file stays authoritative for what it sets. fileKeys records,
// when a file is parsed, which of the keys below it sets.

// WebManaged are the dotted keys the web administration may manage when the
// configuration file does not set them.
var WebManaged = []string{"site.name", "site.state", "http.frame_ancestors", "reception.retention.content", "reception.retention.personal"}

// SetInFile reports whether the configuration file set key (dotted, as in
// WebManaged). A configuration built in code (tests, the demo before it
// is parsed) sets only what MarkSetInFile marked.
func (c *Config) SetInFile(key string) bool { return c.fileKeys[key] }

// MarkSetInFile records keys as set by the file (tests, and Parse).
func (c *Config) MarkSetInFile(keys ...string) {
	if c.fileKeys == nil {
		c.fileKeys = map[string]bool{}
	}
	for _, k := range keys {
		c.fileKeys[k] = true
	}
}

// ForgetFileKeys makes every WebManaged key the web's, for a
// configuration generated in code and parsed (the demo): no operator wrote
// it.
func (c *Config) ForgetFileKeys() { c.fileKeys = nil }

// recordFileKeys notes which WebManaged keys the YAML document b sets.
func (c *Config) recordFileKeys(b []byte) {
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(b)).Decode(&root); err != nil || len(root.Content) == 0 {
		return
	}
	for _, key := range WebManaged {
		if hasPath(root.Content[0], strings.Split(key, ".")) {
			c.MarkSetInFile(key)
		}
	}
	// a retention section sets both of its fields (the other keeps its
	// default, which is then the file's choice too)
	if c.fileKeys["reception.retention.content"] || c.fileKeys["reception.retention.personal"] {
		c.MarkSetInFile("reception.retention.content", "reception.retention.personal")
	}
}

func hasPath(n *yaml.Node, path []string) bool {
	if len(path) == 0 {
		return true
	}
	if n.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == path[0] {
			return hasPath(n.Content[i+1], path[1:])
		}
	}
	return false
}
