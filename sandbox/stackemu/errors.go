package stackemu

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// esError is an Elasticsearch exception as it appears on the wire: the
// envelope {"error":{"root_cause":[...],"type","reason",...},"status"}.
type esError struct {
	status int
	typ    string
	reason string
	// causedBy is the wrapped exception, rendered under caused_by.
	causedBy *esError
	// jdk marks a plain Java exception (IllegalArgumentException...):
	// root_cause stops descending at the last Elasticsearch exception above it.
	jdk bool
	// header is rendered inside the error objects and sent as HTTP headers
	// (WWW-Authenticate on 401).
	header map[string][]string
	// extra holds additional metadata fields of the exception
	// (additional_unsuccessful_credentials...).
	extra map[string]any
	// oauth renders the OAuth2 error form of the token API:
	// {"error": typ, "error_description": reason}.
	oauth bool
}

func (e *esError) Error() string { return e.typ + ": " + e.reason }

func newESError(status int, typ, reason string) *esError {
	return &esError{status: status, typ: typ, reason: reason}
}

func badRequest(typ, reason string) *esError { return newESError(400, typ, reason) }

func parseError(reason string) *esError { return badRequest("parse_exception", reason) }

func illegalArg(reason string) *esError {
	e := badRequest("illegal_argument_exception", reason)
	e.jdk = true
	return e
}

// validationMessage renders messages as ActionRequestValidationException and
// ValidationException do: "Validation Failed: 1: a;2: b;".
func validationMessage(msgs []string) string {
	var b strings.Builder
	b.WriteString("Validation Failed: ")
	for i, m := range msgs {
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteString(": ")
		b.WriteString(m)
		b.WriteString(";")
	}
	return b.String()
}

// actionValidation is an action_request_validation_exception with the given
// messages (nil when there are none, so callers can return it directly).
func actionValidation(msgs []string) *esError {
	if len(msgs) == 0 {
		return nil
	}
	return badRequest("action_request_validation_exception", validationMessage(msgs))
}

func validationException(msgs ...string) *esError {
	return badRequest("validation_exception", validationMessage(msgs))
}

func notFoundException(reason string) *esError {
	return newESError(404, "resource_not_found_exception", reason)
}

func (e *esError) object(withRoot bool) map[string]any {
	m := map[string]any{"type": e.typ, "reason": e.reason}
	for k, v := range e.extra {
		m[k] = v
	}
	if len(e.header) > 0 {
		m["header"] = e.header
	}
	if withRoot {
		m["root_cause"] = []any{e.rootCause().object(false)}
	}
	if e.causedBy != nil {
		m["caused_by"] = e.causedBy.object(false)
	}
	return m
}

func (e *esError) rootCause() *esError {
	cur := e
	for cur.causedBy != nil && !cur.causedBy.jdk {
		cur = cur.causedBy
	}
	return cur
}

func (e *esError) body() map[string]any {
	if e.oauth {
		return map[string]any{"error": e.typ, "error_description": e.reason}
	}
	return map[string]any{"error": e.object(true), "status": e.status}
}

func writeESError(w http.ResponseWriter, r *http.Request, e *esError) {
	for k, vs := range e.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	writeJSON(w, r, e.status, e.body())
}

// esFaultBody renders injected faults in the Elasticsearch envelope.
func esFaultBody(status int, msg string) (string, []byte) {
	typ := "status_exception"
	switch status {
	case http.StatusTooManyRequests:
		typ = "es_rejected_execution_exception"
	case http.StatusServiceUnavailable:
		typ = "cluster_block_exception"
	case http.StatusInternalServerError:
		typ = "exception"
	}
	b, _ := json.Marshal(newESError(status, typ, msg).body())
	return "application/json", b
}

// writeJSON writes v as the response body. ?pretty indents it, as
// Elasticsearch does.
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	var b []byte
	if r != nil && r.URL.Query().Has("pretty") && r.URL.Query().Get("pretty") != "false" {
		b, _ = json.MarshalIndent(v, "", "  ")
	} else {
		b, _ = json.Marshal(v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	if r == nil || r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

// Kibana errors use the hapi Boom body: {"statusCode","error","message"}.
func boomBody(status int, msg string) map[string]any {
	return map[string]any{"statusCode": status, "error": http.StatusText(status), "message": msg}
}

func writeBoom(w http.ResponseWriter, r *http.Request, status int, msg string) {
	writeJSON(w, r, status, boomBody(status, msg))
}

func kibanaFaultBody(status int, msg string) (string, []byte) {
	b, _ := json.Marshal(boomBody(status, msg))
	return "application/json", b
}
