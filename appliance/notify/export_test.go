package notify

// SetAfterClaim lets the external tests stop a pass between claim and
// send, as a crash would.
func SetAfterClaim(o *Outbox, f func() error) { o.afterClaim = f }
