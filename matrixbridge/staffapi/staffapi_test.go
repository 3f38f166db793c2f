package staffapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestErrorMapping(t *testing.T) {
	tests := []struct {
		status    int
		sentinel  error
		permanent bool
	}{
		{400, ErrBadRequest, true}, {401, ErrUnauthorized, true}, {403, ErrForbidden, true},
		{404, ErrNotFound, true}, {409, ErrConflict, true}, {413, ErrTooLarge, true},
		{422, ErrInvalid, true}, {429, ErrRateLimited, false}, {503, ErrUnavailable, false},
	}
	for _, tt := range tests {
		err := fmt.Errorf("wrapped: %w", &Error{Status: tt.status, Message: "de"})
		if !errors.Is(err, tt.sentinel) {
			t.Errorf("%d: not %v", tt.status, tt.sentinel)
		}
		if Permanent(err) != tt.permanent {
			t.Errorf("%d: Permanent = %v", tt.status, !tt.permanent)
		}
	}
	if Permanent(errors.New("connection refused")) {
		t.Error("network errors are transient")
	}
}

// The stream reconnects with ?since=<last handled seq> after a dropped
// connection and after a handler error, so no event is lost or handled twice.
func TestStreamResumesFromLastHandled(t *testing.T) {
	var mu sync.Mutex
	var sinces []int64
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, `{"error":{"code":"unauthorized"}}`, 401)
			return
		}
		since, _ := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
		mu.Lock()
		sinces = append(sinces, since)
		n := len(sinces)
		mu.Unlock()
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for seq := since + 1; seq <= 6; seq++ {
			if err := c.WriteJSON(Event{Seq: seq, Type: EventPresence}); err != nil {
				return
			}
			if n == 1 && seq == 2 {
				return // drop the first connection after two events
			}
		}
		<-r.Context().Done()
	}))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []int64
	failedOnce := false
	done := make(chan struct{})
	go func() {
		defer close(done)
		New(srv.URL, "tok", nil).Stream(ctx, 0, func(_ context.Context, ev Event) error {
			if ev.Seq == 4 && !failedOnce {
				failedOnce = true
				return errors.New("homeserver down")
			}
			got = append(got, ev.Seq)
			if ev.Seq == 6 {
				cancel()
			}
			return nil
		}, nil)
	}()
	<-done
	if fmt.Sprint(got) != "[1 2 3 4 5 6]" {
		t.Fatalf("handled %v, want each of 1..6 once", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(sinces) != "[0 2 3]" {
		t.Fatalf("reconnected with since=%v, want [0 2 3]", sinces)
	}
}

// AddMember asks, acting for the inviting clerk, that a colleague become a
// participant; the appliance's refusal comes back as an Error whose message
// is in the language the client asked for.
func TestAddMember(t *testing.T) {
	var gotActAs, gotBody, gotPath, gotLang string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotActAs, gotPath, gotLang = r.Header.Get("X-Act-As"), r.URL.Path, r.Header.Get("Accept-Language")
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		if r.Header.Get("X-Act-As") != "anna" {
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, `{"error":{"code":"not_participant","field":"","message":"You are not a participant of this consultation."}}`)
			return
		}
		_, _ = io.WriteString(w, `{"room":{"id":"r_1","members":["ben"]}}`)
	}))
	defer srv.Close()
	c := New(srv.URL, "tok", nil).WithLanguage("en")
	if err := c.AddMember(context.Background(), "anna", "r_1", "ben"); err != nil {
		t.Fatalf("AddMember: %v", err)
	}
	if gotActAs != "anna" || gotPath != "/api/v1/staff/rooms/r_1/members" || gotBody != `{"login":"ben"}` || gotLang != "en" {
		t.Fatalf("request: act as %q, path %q, body %q, Accept-Language %q", gotActAs, gotPath, gotBody, gotLang)
	}
	err := c.AddMember(context.Background(), "ben", "r_1", "ben")
	var e *Error
	if !errors.As(err, &e) || e.Code != "not_participant" || !errors.Is(err, ErrForbidden) || e.Message != "You are not a participant of this consultation." {
		t.Fatalf("refusal: %v", err)
	}
}
