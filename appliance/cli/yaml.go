package cli

import "github.com/buergerbuero/buergerbuero/appliance/config"

func yamlOf(c *config.Config) ([]byte, error) { return config.Marshal(c) }
