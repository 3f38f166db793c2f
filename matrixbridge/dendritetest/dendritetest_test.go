package dendritetest

import (
	"context"
	"testing"
	"time"
)

func TestStartRegisterRestart(t *testing.T) {
	s := Start(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cli, err := s.Register(ctx, "alice", "pw-alice-123", false)
	if err != nil {
		t.Fatalf("%v\n%s", err, s.Log())
	}
	who, err := cli.Whoami(ctx)
	if err != nil || who.UserID != s.UserID("alice") {
		t.Fatalf("whoami: %v %v", who, err)
	}
	s.Stop()
	s.Start()
	if _, err := cli.Whoami(ctx); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}
