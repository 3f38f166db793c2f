package reception

import (
	"errors"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

func TestStateMachine(t *testing.T) {
	all := []State{StateWaiting, StateCalled, StateInConsultation, StateEnded, StateDeclined, StateReturned, StateForwarded, StateAbandoned}
	// want[action][from] = to; absent = conflict
	want := map[Action]map[State]State{
		ActAdmit:   {StateWaiting: StateCalled, StateReturned: StateCalled, StateForwarded: StateCalled},
		ActEnter:   {StateCalled: StateInConsultation, StateInConsultation: StateInConsultation},
		ActDecline: {StateWaiting: StateDeclined, StateReturned: StateDeclined, StateForwarded: StateDeclined, StateCalled: StateDeclined, StateInConsultation: StateDeclined},
		ActReturn:  {StateCalled: StateReturned, StateInConsultation: StateReturned},
		ActForward: {StateWaiting: StateForwarded, StateReturned: StateForwarded, StateForwarded: StateForwarded, StateCalled: StateForwarded, StateInConsultation: StateForwarded},
		ActEnd:     {StateCalled: StateEnded, StateInConsultation: StateEnded},
		ActLeave:   {StateWaiting: StateAbandoned, StateReturned: StateAbandoned, StateForwarded: StateAbandoned, StateCalled: StateAbandoned},
		ActHangUp:  {StateInConsultation: StateEnded},
		ActAbandon: {StateWaiting: StateAbandoned, StateReturned: StateAbandoned, StateForwarded: StateAbandoned, StateCalled: StateAbandoned},
	}
	for act, tos := range want {
		for _, from := range all {
			got, err := Next(from, act)
			exp, ok := tos[from]
			switch {
			case ok && (err != nil || got != exp):
				t.Errorf("%s from %s: got %s, %v; want %s", act, from, got, err, exp)
			case !ok && !errors.Is(err, problem.ErrConflict):
				t.Errorf("%s from %s: got %s, %v; want a conflict", act, from, got, err)
			}
		}
	}
	if _, err := Next(StateWaiting, Action("dance")); !errors.Is(err, problem.ErrInvalid) {
		t.Errorf("unknown action: %v", err)
	}
	// the message a losing clerk sees says what happened
	_, err := Next(StateCalled, ActAdmit)
	if p, _ := problem.As(err); p == nil || p.Code != "already_admitted" {
		t.Errorf("second admission: %v", err)
	}
	for _, s := range all {
		if s.Final() && s.Queued() {
			t.Errorf("%s is both final and queued", s)
		}
	}
}
