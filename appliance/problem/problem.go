// Package problem defines the errors a person sees: a kind that callers
// branch on (and that the web layer maps to an HTTP status in one place), a
// stable machine code, the offending field, and the arguments of the
// message. It holds no sentences: the catalogue (package i18n) renders an
// error in the reader's language at the edge, under its Key. It owns no
// state.
package problem

import (
	"errors"
	"fmt"
	"sort"
	"strings"
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

// Error is a problem as data: what went wrong, never how to say it.
type Error struct {
	Kind  Kind
	Code  string // stable, e.g. "already_admitted"; the API's error code
	Field string // offending input field, if any
	// Reason refines the code for the message, e.g. "too_long" for code
	// "invalid"; it does not appear on the wire.
	Reason string
	// Args fill the message's placeholders, e.g. {"Count": 100}. Keys are
	// the catalogue's placeholder names; values are numbers, strings or
	// lists of strings.
	Args map[string]any
}

// Key is the catalogue key of the message: "error.<code>", or
// "error.<code>.<reason>" with a reason.
func (e *Error) Key() string {
	if e.Reason != "" {
		return "error." + e.Code + "." + e.Reason
	}
	return "error." + e.Code
}

// Error is for logs: code, field, reason and arguments, no sentence.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	if e.Field != "" {
		fmt.Fprintf(&b, " (%s)", e.Field)
	}
	if e.Reason != "" {
		b.WriteString(": " + e.Reason)
	}
	if len(e.Args) > 0 {
		names := make([]string, 0, len(e.Args))
		for k := range e.Args {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			fmt.Fprintf(&b, " %s=%v", k, e.Args[k])
		}
	}
	return b.String()
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

// New builds a problem; its message is the catalogue's "error.<code>".
func New(k Kind, code string) *Error { return &Error{Kind: k, Code: code} }

// Invalid builds a field validation problem (code "invalid"); its message
// is the catalogue's "error.invalid.<reason>", filled with args.
func Invalid(field, reason string, args map[string]any) *Error {
	return &Error{Kind: KindInvalid, Code: "invalid", Field: field, Reason: reason, Args: args}
}

// With returns a copy of e with the field set and args added (e.g. a
// sentinel with the values of one occurrence).
func (e *Error) With(field string, args map[string]any) *Error {
	c := *e
	c.Field = field
	if len(args) > 0 {
		c.Args = make(map[string]any, len(e.Args)+len(args))
		for k, v := range e.Args {
			c.Args[k] = v
		}
		for k, v := range args {
			c.Args[k] = v
		}
	}
	return &c
}

// As extracts a problem from an error chain.
func As(err error) (*Error, bool) {
	var p *Error
	ok := errors.As(err, &p)
	return p, ok
}

// Common problems.
var (
	NotFound     = New(KindNotFound, "not_found")
	Unauthorized = New(KindUnauthorized, "unauthorized")
	Forbidden    = New(KindForbidden, "forbidden")
)
