package e2e

import (
	"context"
	"encoding/json"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/chromedp/cdproto/runtime"
)

type contextT = context.Context

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

type runtimeEvaluate = runtime.EvaluateParams

type configT = config.Config
