package e2e

import (
	"context"
	"encoding/json"
)

type contextT = context.Context

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
