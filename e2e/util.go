package e2e

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"

	"github.com/buergerbuero/buergerbuero/appliance/config"
)

type contextT = context.Context

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

type runtimeEvaluate = runtime.EvaluateParams

type configT = config.Config

func itoa(n int) string { return strconv.Itoa(n) }

// waitFor polls cond until it holds, failing the test after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
