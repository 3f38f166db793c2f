// Package problem defines the errors a person sees: a kind that callers
// branch on (and that the web layer maps to an HTTP status in one place), a
// stable machine code, the offending field, and the message in German and
// English. It owns no state.
package problem

import (
	"errors"
	"fmt"
)

// Kind classifies an error for callers and for the HTTP status mapping.
type Kind int

// Kinds of problems. KindUnknown is the zero value.
const (
	KindUnknown Kind = iota
	KindInvalid
	KindNotFound
	KindConflict
	KindClosed
	KindFull
	KindRateLimited
	KindUnauthorized
	KindForbidden
	KindTooLarge
	KindGone
	// KindMalformed is a request that cannot be read at all (not JSON).
	KindMalformed
	// KindUnsupportedMedia is a body of the wrong content type.
	KindUnsupportedMedia
)

// Error is a problem with a bilingual message.
type Error struct {
	Kind  Kind
	Code  string // stable, e.g. "already_admitted"
	Field string // offending input field, if any
	DE    string
	EN    string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s (%s): %s", e.Code, e.Field, e.EN)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.EN)
}

// Is lets errors.Is match on kind: errors.Is(err, problem.ErrConflict).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == "" && t.Kind == e.Kind
}

// Sentinels for errors.Is by kind.
var (
	ErrInvalid      = &Error{Kind: KindInvalid}
	ErrNotFound     = &Error{Kind: KindNotFound}
	ErrConflict     = &Error{Kind: KindConflict}
	ErrClosed       = &Error{Kind: KindClosed}
	ErrFull         = &Error{Kind: KindFull}
	ErrRateLimited  = &Error{Kind: KindRateLimited}
	ErrUnauthorized = &Error{Kind: KindUnauthorized}
	ErrForbidden    = &Error{Kind: KindForbidden}
	ErrTooLarge     = &Error{Kind: KindTooLarge}
	ErrGone         = &Error{Kind: KindGone}
	ErrMalformed    = &Error{Kind: KindMalformed}
)

// New builds a problem.
func New(k Kind, code, de, en string) *Error { return &Error{Kind: k, Code: code, DE: de, EN: en} }

// Invalid builds a field validation problem.
func Invalid(field, de, en string) *Error {
	return &Error{Kind: KindInvalid, Code: "invalid", Field: field, DE: de, EN: en}
}

// As extracts a problem from an error chain.
func As(err error) (*Error, bool) {
	var p *Error
	ok := errors.As(err, &p)
	return p, ok
}

// Common problems.
var (
	NotFound     = New(KindNotFound, "not_found", "Nicht gefunden.", "Not found.")
	Unauthorized = New(KindUnauthorized, "unauthorized", "Bitte melden Sie sich an.", "Please sign in.")
	Forbidden    = New(KindForbidden, "forbidden", "Dafür fehlt Ihnen die Berechtigung.", "You are not allowed to do this.")
)
