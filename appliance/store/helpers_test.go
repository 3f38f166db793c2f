package store_test

import (
	"context"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/stats"
	"github.com/buergerbuero/buergerbuero/appliance/store"
)

// rules are the appliance's ticket rules, with its figures: the store
// tests persist what the domain decides, as the appliance does.
var rules = reception.Rules{Count: stats.Count}

// apply runs action a by actor on ticket id (reception's Rules.Step).
func apply(ctx context.Context, db *store.DB, id string, a reception.Action, actor string, mutate func(*reception.Ticket) (*consultation.Room, error)) (reception.Change, error) {
	return db.Apply(ctx, id, rules.Step(a, actor, mutate))
}
