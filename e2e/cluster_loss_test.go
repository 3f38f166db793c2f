package e2e

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/placement"
)

// lossWatch is what must outlive node C (steps 4 and 5 of the
// three-node test): its waiting citizens at their places, its
// consultations, and every knock and chat message it acknowledged.
type lossWatch struct {
	lb            *lb
	nodes         []*apptest.Process
	c             int
	consultations []*nodeConsultation
	waiting       []*lbCitizen
	tickets       []knockResult
	views         []int               // each citizen's views before the kill
	queues        map[string][]string // office → waiting numbers, in order
	chat          map[string][]string // room → acknowledged messages
	received      map[*pionMember]int64
}

// lossWaiting is how many citizens wait on node C.
const lossWaiting = 6

// nodeLoss puts citizens in the queues, waiting on node c, and posts
// chat messages through node c in every consultation.
func nodeLoss(t *testing.T, b *lb, nodes []*apptest.Process, c int, consultations []*nodeConsultation) *lossWatch {
	t.Helper()
	l := &lossWatch{lb: b, nodes: nodes, c: c, consultations: consultations, queues: map[string][]string{}, chat: map[string][]string{}, received: map[*pionMember]int64{}}
	for i := range lossWaiting {
		office := []string{"bauamt", "buergerbuero"}[i%2]
		k := b.client(t, c).knock(office, "Wartend "+itoa(i))
		l.queues[office] = append(l.queues[office], k.Number)
		if k.Place != len(l.queues[office]) {
			t.Fatalf("%s knocked at place %d, want %d", k.Number, k.Place, len(l.queues[office]))
		}
		w := newLBCitizen(t, b, c, k)
		if !w.waitFor(time.Now().Add(pageWait), func(v ticketView, _ int) bool { return v.Number == k.Number && v.Place == k.Place }) {
			t.Fatalf("the citizen of %s never saw place %d on node C: %+v", k.Number, k.Place, w.last)
		}
		l.waiting, l.tickets = append(l.waiting, w), append(l.tickets, k)
	}
	for i, k := range consultations {
		text := "Vom Sachbearbeiter " + itoa(i)
		if st := b.on(k.clerk, c).do("POST", "/api/v1/staff/rooms/"+k.room+"/messages", map[string]string{"text": text, "client_id": "m" + itoa(i)}, nil); st != 201 {
			t.Fatalf("clerk's chat message through node C: %d", st)
		}
		l.chat[k.room] = append(l.chat[k.room], text)
		if k.citizen != nil {
			text := "Von der Bürgerin " + itoa(i)
			if st := b.on(k.citizen, c).do("POST", "/api/v1/rooms/"+k.room+"/messages", map[string]string{"text": text}, nil); st != 201 {
				t.Fatalf("citizen's chat message through node C: %d", st)
			}
			l.chat[k.room] = append(l.chat[k.room], text)
		}
	}
	for _, w := range l.waiting {
		l.views = append(l.views, w.seen())
	}
	for _, k := range consultations {
		for _, m := range k.members {
			l.received[m] = m.received.Load()
		}
	}
	return l
}

// check runs after node C was killed at start.
func (l *lossWatch) check(t *testing.T, start time.Time, citizenPage, clerkPage context.Context) {
	cHost := hostOf(l.nodes[l.c].URL)
	alive := (l.c + 1) % len(l.nodes)
	var onC, elsewhere []*nodeConsultation
	for _, k := range l.consultations {
		if k.host == cHost {
			onC = append(onC, k)
		} else {
			elsewhere = append(elsewhere, k)
		}
	}

	// (a) the waiting citizens, reconnected through another node
	for i, w := range l.waiting {
		w.waitBack(t, l.views[i], l.tickets[i], l.tickets[i].Place, placement.Expiry+pageWait)
		if n := int(w.node.Load()); n == l.c {
			t.Errorf("the citizen of %s is still on node C", l.tickets[i].Number)
		}
	}
	t.Logf("%d waiting citizens of node C back at their places through other nodes %v after SIGKILL", len(l.waiting), time.Since(start).Round(10*time.Millisecond))

	// (b) node C's rooms are re-placed on a live node
	waitFor(t, placement.Expiry+pageWait, "node C's consultations re-placed", func() bool {
		for _, k := range onC {
			g, _, err := l.lb.grant(k.clerk, k.room, alive)
			if err != nil || hostFromSignal(g.SignalURL) == cHost {
				return false
			}
		}
		return true
	})
	t.Logf("%d consultations of node C re-placed %v after SIGKILL (heartbeat expiry %v)", len(onC), time.Since(start).Round(10*time.Millisecond), placement.Expiry)
	// … and their pion clients rejoin there and get video again
	for _, k := range onC {
		for _, m := range k.members {
			joined, video := m.waitMedia(t, 2, placement.Expiry+mediaWait)
			host, _, _, _ := m.session()
			if host == cHost {
				t.Errorf("%s rejoined on the dead node", m.uid)
			}
			t.Logf("%s: rejoined on %s %v after SIGKILL, video again after %v", m.uid, host, joined.Sub(start).Round(10*time.Millisecond), video.Sub(start).Round(10*time.Millisecond))
		}
	}
	// … and the browser's pages by themselves
	for _, pg := range []struct {
		who string
		ctx context.Context
	}{{"citizen's page", citizenPage}, {"clerk's page", clerkPage}} {
		waitRejoin(t, pg.ctx, pg.who+" rejoins by itself", func(s rejoinState) bool { return s.Rejoins >= 1 && !s.Ended })
		decodesBeyond(t, pg.ctx, pg.who+" decodes video on the new node", 0)
		st := waitRejoin(t, pg.ctx, pg.who+" shows one remote video, connected", func(s rejoinState) bool { return s.Remote == 1 && s.Status == "Verbunden." })
		t.Logf("%s: video again %v after SIGKILL, %+v", pg.who, time.Since(start).Round(10*time.Millisecond), st)
	}
	// the consultations elsewhere went on undisturbed
	for _, k := range elsewhere {
		for _, m := range k.members {
			if _, joins, _, _ := m.session(); joins != 1 {
				t.Errorf("%s on a live node had to rejoin (%d joins)", m.uid, joins)
			}
			before := l.received[m]
			waitFor(t, pageWait, m.uid+" still receiving video", func() bool { return m.received.Load() > before+10 })
		}
	}

	// (c) every acknowledged knock is queued, in order, on every live node
	for i := range l.nodes {
		if i == l.c {
			continue
		}
		cl := l.lb.on(l.consultations[0].clerk, i)
		for office, want := range l.queues {
			waitFor(t, pageWait, office+"'s queue on node "+itoa(i), func() bool { return slices.Equal(queueNumbers(t, cl, office), want) })
		}
	}
	// … and every acknowledged chat message is readable
	for _, k := range l.consultations {
		var res struct {
			Messages []struct {
				Text string `json:"text"`
			} `json:"messages"`
		}
		if st := l.lb.on(k.clerk, alive).do("GET", "/api/v1/staff/rooms/"+k.room+"/messages", nil, &res); st != 200 {
			t.Fatalf("read the chat of %s: %d", k.room, st)
		}
		for _, want := range l.chat[k.room] {
			if !slices.ContainsFunc(res.Messages, func(m struct {
				Text string `json:"text"`
			}) bool {
				return m.Text == want
			}) {
				t.Errorf("chat message %q, acknowledged by node C, is lost", want)
			}
		}
	}
}
