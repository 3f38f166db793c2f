package web

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// statusOf is the one place where problem kinds become HTTP status codes.
// docs/api/openapi.yaml (Error) and docs/api/staff-api.md list the same.
func statusOf(k problem.Kind) int {
	switch k {
	case problem.KindMalformed:
		return http.StatusBadRequest
	case problem.KindUnsupportedMedia:
		return http.StatusUnsupportedMediaType
	case problem.KindInvalid:
		return http.StatusUnprocessableEntity
	case problem.KindNotFound:
		return http.StatusNotFound
	case problem.KindConflict:
		return http.StatusConflict
	case problem.KindClosed, problem.KindFull:
		return http.StatusServiceUnavailable
	case problem.KindRateLimited:
		return http.StatusTooManyRequests
	case problem.KindUnauthorized:
		return http.StatusUnauthorized
	case problem.KindForbidden:
		return http.StatusForbidden
	case problem.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case problem.KindGone:
		return http.StatusGone
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

var (
	errBadJSON  = problem.New(problem.KindMalformed, "bad_request")
	errBodySize = problem.New(problem.KindTooLarge, "body_too_large")
	errInternal = problem.New(problem.KindUnknown, "internal")
	errCSRF     = problem.New(problem.KindForbidden, "csrf")
	errMethod   = problem.New(problem.KindInvalid, "method_not_allowed")
	errNotFound = problem.New(problem.KindNotFound, "not_found")
)

// errUnknownField names a JSON member the endpoint does not know (a typo
// would otherwise be dropped silently).
func errUnknownField(name string) *problem.Error {
	return &problem.Error{Kind: problem.KindInvalid, Code: "unknown_field", Field: name, Args: map[string]any{"Field": name}}
}

// errFieldType names a JSON member whose value has the wrong type.
func errFieldType(name string) *problem.Error {
	return problem.Invalid(name, "field_type", map[string]any{"Field": name})
}

// writeProblem writes an error as JSON {"error":{code,field,message}};
// message is rendered from the catalogue in the request's language (see
// localizer; German by default).
func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	p, ok := problem.As(err)
	if !ok {
		slog.Error("internal error", "path", r.URL.Path, "err", err)
		p = errInternal
	}
	status := statusOf(p.Kind)
	if err == error(errMethod) {
		status = http.StatusMethodNotAllowed
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Language", s.localizer(r).Tag().String())
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(errorBody{errorDetail{Code: p.Code, Message: s.problemMessage(r, p), Field: p.Field}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// maxJSONBody bounds every JSON request body.
const maxJSONBody = 64 << 10

// readJSON decodes a bounded JSON body strictly: exactly one JSON value
// (400 otherwise), at most maxJSONBody bytes (413), no unknown members and
// no member of the wrong type (422 naming the field).
func readJSON(r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(nil, r.Body, maxJSONBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err)
	}
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return errBodySize
		}
		return errBadJSON
	}
	return nil
}

func jsonProblem(err error) error {
	var tooLarge *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooLarge):
		return errBodySize
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return errFieldType(typeErr.Field)
	}
	// encoding/json has no error type for unknown fields
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return errUnknownField(strings.Trim(name, `"`))
	}
	return errBadJSON
}

func problemOf(err error) (*problem.Error, bool) { return problem.As(err) }
