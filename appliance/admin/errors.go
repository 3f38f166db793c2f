package admin

import (
	"errors"
	"strings"

	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// Invalid is every field problem of one submitted form, in form order, so
// the page can show each next to its field and list them all at the top.
type Invalid []*problem.Error

func (v Invalid) Error() string {
	parts := make([]string, len(v))
	for i, p := range v {
		parts[i] = p.Error()
	}
	return "invalid: " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, problem.ErrInvalid) hold.
func (v Invalid) Is(target error) bool { return target == problem.ErrInvalid }

// Field returns the problem of a field, nil if none.
func (v Invalid) Field(name string) *problem.Error {
	for _, p := range v {
		if p.Field == name {
			return p
		}
	}
	return nil
}

// AsInvalid extracts the field problems of err: an Invalid, or a single
// problem with a field.
func AsInvalid(err error) (Invalid, bool) {
	var v Invalid
	if errors.As(err, &v) {
		return v, true
	}
	if p, ok := problem.As(err); ok && p.Field != "" {
		return Invalid{p}, true
	}
	return nil, false
}

// The field problems of the administration's forms; the catalogue's
// error.admin_invalid.<reason> says each.
var (
	errID              = &problem.Error{Kind: problem.KindInvalid, Code: "admin_invalid", Reason: "id"}
	errIDTaken         = &problem.Error{Kind: problem.KindConflict, Code: "admin_invalid", Reason: "id_taken"}
	errName            = &problem.Error{Kind: problem.KindInvalid, Code: "admin_invalid", Reason: "name"}
	errPrefix          = &problem.Error{Kind: problem.KindInvalid, Code: "admin_invalid", Reason: "prefix"}
	errChairs          = &problem.Error{Kind: problem.KindInvalid, Code: "admin_invalid", Reason: "chairs"}
	errLanguages       = &problem.Error{Kind: problem.KindInvalid, Code: "admin_invalid", Reason: "languages"}
	errHours           = &problem.Error{Kind: problem.KindInvalid, Code: "admin_invalid", Reason: "hours"}
	errOverlap         = &problem.Error{Kind: problem.KindInvalid, Code: "admin_invalid", Reason: "hours_overlap"}
	errExceptions      = &problem.Error{Kind: problem.KindInvalid, Code: "admin_invalid", Reason: "exceptions", Args: map[string]any{"Line": 0}}
	errDuration        = &problem.Error{Kind: problem.KindInvalid, Code: "admin_invalid", Reason: "duration"}
	errState           = &problem.Error{Kind: problem.KindInvalid, Code: "admin_invalid", Reason: "state", Args: map[string]any{"Allowed": ""}}
	errOrigin          = &problem.Error{Kind: problem.KindInvalid, Code: "admin_invalid", Reason: "origin", Args: map[string]any{"Origin": ""}}
	errColour          = &problem.Error{Kind: problem.KindInvalid, Code: "admin_invalid", Reason: "colour"}
	errContrast        = &problem.Error{Kind: problem.KindInvalid, Code: "admin_invalid", Reason: "contrast", Args: map[string]any{"Whole": 0, "Decimals": "", "MinWhole": 0, "MinDecimals": ""}}
	errTextTooLong     = &problem.Error{Kind: problem.KindInvalid, Code: "admin_invalid", Reason: "too_long", Args: map[string]any{"Max": 0}}
	errLogoType        = &problem.Error{Kind: problem.KindInvalid, Code: "admin_invalid", Reason: "logo_type"}
	errLogoSize        = &problem.Error{Kind: problem.KindTooLarge, Code: "admin_invalid", Reason: "logo_size", Args: map[string]any{"KiB": 0}}
	errOffice          = &problem.Error{Kind: problem.KindInvalid, Code: "admin_invalid", Reason: "office"}
	errServiceID       = &problem.Error{Kind: problem.KindInvalid, Code: "admin_invalid", Reason: "service_id"}
	errServiceDuration = &problem.Error{Kind: problem.KindInvalid, Code: "admin_invalid", Reason: "service_duration"}
	errServiceMode     = &problem.Error{Kind: problem.KindInvalid, Code: "admin_invalid", Reason: "service_mode"}
	// ErrFileSet refuses a change to what the configuration file sets.
	ErrFileSet = &problem.Error{Kind: problem.KindConflict, Code: "admin_file_set"}
	// ErrNoOffice is an unknown office.
	ErrNoOffice = problem.New(problem.KindNotFound, "admin_no_office")
)

func asField(err error, fe **config.FieldError) bool { return errors.As(err, fe) }

// configField maps a config.FieldError of one office (named "office") to
// the form's field and problem; the file's rules stay the judge, this
// only says where to show what they found.
func configField(err error) *problem.Error {
	var fe *config.FieldError
	if errors.As(err, &fe) {
		f := strings.TrimPrefix(fe.Field, "office.")
		switch {
		case f == "id":
			return errID.With("id", nil)
		case f == "name":
			return errName.With("name", nil)
		case f == "prefix":
			return errPrefix.With("prefix", nil)
		case f == "chairs":
			return errChairs.With("chairs", nil)
		case f == "languages":
			return errLanguages.With("languages", nil)
		case strings.HasPrefix(f, "retention"):
			return errDuration.With("retention_personal", nil)
		}
	}
	return errOffice.With("name", nil)
}
