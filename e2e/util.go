package e2e

import (
	"context"
	"encoding/json"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/chromedp/cdproto/runtime"
	"strconv"
)

type contextT = context.Context

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

type runtimeEvaluate = runtime.EvaluateParams

type configT = config.Config

func itoa(n int) string { return strconv.Itoa(n) }
