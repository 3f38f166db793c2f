package e2e

import (
	"errors"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// TestGracefulRestartAsksClientsToReconnect: on a graceful shutdown the
// waiting citizens' WebSockets are closed with 1012 ("service restart",
// which the browser answers by reconnecting at once), and after the restart
// the same ticket is there with the same place.
func TestGracefulRestartAsksClientsToReconnect(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	c := newClient(t, srv)
	first, second := c.knock("bauamt", "eins"), c.knock("bauamt", "zwei")
	path := "/api/v1/tickets/" + second.ID + "/events"
	ws, err := dialStream(srv.URL, srv.TLSConfig(), path, "", second.Token, "")
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ Ticket ticketView }
	if err := ws.ReadJSON(&v); err != nil || v.Ticket.Place != 2 {
		t.Fatalf("first view: %+v %v", v, err)
	}
	restarted := make(chan struct{})
	go func() { srv.Restart(); close(restarted) }()
	ws.SetReadDeadline(time.Now().Add(pageWait))
	for {
		_, _, err = ws.ReadMessage()
		if err != nil {
			break
		}
	}
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 1012 {
		t.Fatalf("connection ended with %v, want close code 1012", err)
	}
	<-restarted
	ws2, err := dialStream(srv.URL, srv.TLSConfig(), path, "", second.Token, "")
	if err != nil {
		t.Fatalf("reconnect: %v", err)
	}
	defer ws2.Close()
	if err := ws2.ReadJSON(&v); err != nil || v.Ticket.Place != 2 || v.Ticket.State != "waiting" {
		t.Fatalf("after the restart: %+v %v", v, err)
	}
	_ = first
}
