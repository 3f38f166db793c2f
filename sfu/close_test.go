package sfu

import (
	"strings"
	"testing"
	"time"
)

func TestCloseRoomDisconnectsEveryone(t *testing.T) {
	env := newTestEnv(t, Config{})
	a := subscriber(t, env, "end", "clerk", RoleClerk, clientOptions{})
	b := subscriber(t, env, "end", "citizen", RoleCitizen, clientOptions{})
	other := subscriber(t, env, "other", "clerk2", RoleClerk, clientOptions{})
	env.sfu.CloseRoom("end")
	for _, c := range []*testClient{a, b} {
		select {
		case <-c.Done():
		case <-time.After(waitConnect):
			t.Fatal("participant still connected after CloseRoom")
		}
	}
	select {
	case <-other.Done():
		t.Fatal("CloseRoom disconnected another room")
	default:
	}
	eventually(t, waitConnect, "peers gauge 1", func() bool { return env.counter("buergerbuero_sfu_peers") == 1 })
	if err := env.sfu.Healthy(); err != nil {
		t.Fatal(err)
	}
	env.close()
	if err := env.sfu.Healthy(); err == nil {
		t.Fatal("Healthy after Close")
	}
}

// TestMetricNames: every metric is ours and carries no labels (nothing
// per room or per citizen).
func TestMetricNames(t *testing.T) {
	env := newTestEnv(t, Config{})
	subscriber(t, env, "m", "clerk", RoleClerk, clientOptions{})
	mfs, err := env.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(mfs) < 10 {
		t.Fatalf("only %d metric families", len(mfs))
	}
	for _, mf := range mfs {
		if !strings.HasPrefix(mf.GetName(), "buergerbuero_sfu_") {
			t.Errorf("metric %s lacks the buergerbuero_sfu_ prefix", mf.GetName())
		}
		for _, m := range mf.GetMetric() {
			if len(m.GetLabel()) != 0 {
				t.Errorf("metric %s has labels %v", mf.GetName(), m.GetLabel())
			}
		}
	}
}
