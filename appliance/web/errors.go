package web

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// statusOf is the one place where problem kinds become HTTP status codes.
func statusOf(k problem.Kind) int {
	switch k {
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
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageEN string `json:"message_en"`
	Field     string `json:"field,omitempty"`
}

var (
	errBadJSON  = problem.New(problem.KindInvalid, "bad_request", "Die Anfrage ist kein gültiges JSON oder zu groß.", "The request is not valid JSON or is too large.")
	errInternal = problem.New(problem.KindUnknown, "internal", "Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es erneut.", "An internal error occurred. Please try again.")
	errCSRF     = problem.New(problem.KindForbidden, "csrf", "Die Sicherheitsprüfung (CSRF) ist fehlgeschlagen. Bitte laden Sie die Seite neu.", "The security check (CSRF) failed. Please reload the page.")
	errMethod   = problem.New(problem.KindInvalid, "method_not_allowed", "Diese Methode ist hier nicht erlaubt.", "This method is not allowed here.")
	errNotFound = problem.New(problem.KindNotFound, "not_found", "Diese Adresse gibt es nicht.", "There is no such address.")
)

// writeProblem writes an error as JSON {"error":{code,message,message_en}};
// message is in the request's language (German by default).
func writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	p, ok := problem.As(err)
	if !ok {
		slog.Error("internal error", "path", r.URL.Path, "err", err)
		p = errInternal
	}
	status := statusOf(p.Kind)
	if err == error(errMethod) {
		status = http.StatusMethodNotAllowed
	}
	msg := p.DE
	if langOf(r) == "en" {
		msg = p.EN
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(errorBody{errorDetail{Code: p.Code, Message: msg, MessageEN: p.EN, Field: p.Field}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// readJSON decodes a bounded JSON body strictly.
func readJSON(r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(nil, r.Body, 64<<10)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errBadJSON
	}
	return nil
}

func problemOf(err error) (*problem.Error, bool) { return problem.As(err) }
