package matrixbridge

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"

	"maunium.net/go/mautrix/appservice"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// txnAckTimeout bounds how long a homeserver transaction is held open
// while its events are handled; after it the homeserver gets a 503 and
// sends the transaction again.
const txnAckTimeout = 60 * time.Second

// ackAfterHandling makes the appservice acknowledge a homeserver
// transaction only after bridgev2 has handled its events (mautrix acks as
// soon as the events are queued in memory, so a crash would lose them).
// A message from Matrix is then either in the bridge's outbox or the
// homeserver sends it again. The waiter is the last handler of each event
// type, and mautrix runs handlers in order (ExecMode Sync).
func ackAfterHandling(as *appservice.AppService, ep *appservice.EventProcessor) {
	w := &txnWaiter{waiting: map[id.EventID]chan struct{}{}, done: map[id.EventID]struct{}{}}
	for _, t := range waitedTypes {
		ep.On(t, w.handled)
	}
	old := as.Router
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /_matrix/app/v1/transactions/{txnID}", func(rw http.ResponseWriter, r *http.Request) {
		w.putTransaction(rw, r, as.PutTransaction)
	})
	mux.Handle("/", old)
	as.Router = mux
}

var waitedTypes = []event.Type{event.EventMessage, event.EventSticker, event.EventReaction, event.EventRedaction, event.StateMember}

type txnWaiter struct {
	mu      sync.Mutex
	waiting map[id.EventID]chan struct{}
	done    map[id.EventID]struct{} // recently handled (duplicate transactions are not dispatched again)
	order   []id.EventID
}

func (w *txnWaiter) handled(_ context.Context, evt *event.Event) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if ch, ok := w.waiting[evt.ID]; ok {
		close(ch)
		delete(w.waiting, evt.ID)
	}
	w.done[evt.ID] = struct{}{}
	w.order = append(w.order, evt.ID)
	if len(w.order) > 10000 {
		delete(w.done, w.order[0])
		w.order = w.order[1:]
	}
}

func (w *txnWaiter) putTransaction(rw http.ResponseWriter, r *http.Request, next http.HandlerFunc) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(rw, "read body", http.StatusBadRequest)
		return
	}
	var txn struct {
		Events []struct {
			ID   id.EventID `json:"event_id"`
			Type string     `json:"type"`
		} `json:"events"`
	}
	_ = json.Unmarshal(body, &txn)
	var chans []chan struct{}
	w.mu.Lock()
	for _, e := range txn.Events {
		if !waited(e.Type) || e.ID == "" {
			continue
		}
		if _, ok := w.done[e.ID]; ok {
			continue
		}
		ch, ok := w.waiting[e.ID]
		if !ok {
			ch = make(chan struct{})
			w.waiting[e.ID] = ch
		}
		chans = append(chans, ch)
	}
	w.mu.Unlock()

	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	next(rec, r)
	if rec.status == http.StatusOK {
		timeout := time.NewTimer(txnAckTimeout)
		defer timeout.Stop()
		for _, ch := range chans {
			select {
			case <-ch:
			case <-timeout.C:
				http.Error(rw, `{"errcode":"M_UNKNOWN","error":"events not handled in time"}`, http.StatusServiceUnavailable)
				return
			case <-r.Context().Done():
				return
			}
		}
	}
	for k, v := range rec.header {
		rw.Header()[k] = v
	}
	rw.WriteHeader(rec.status)
	_, _ = rw.Write(rec.body.Bytes())
}

func waited(t string) bool {
	for _, w := range waitedTypes {
		if w.Type == t {
			return true
		}
	}
	return false
}

// recorder holds the inner handler's answer until the events are handled.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(s int)           { r.status = s }
