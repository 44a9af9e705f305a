package esapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Error is a failed Elasticsearch or Kibana call, decoded from the service's
// error envelope. It satisfies toolkit.UpstreamError.
type Error struct {
	Status int    // HTTP status; 0 when no answer arrived
	Type   string // e.g. security_exception, or Kibana's "Bad Request"
	Reason string
	// CausedBy is the reason of the innermost cause, when it adds something
	// (DLS query parse errors carry the real problem there).
	CausedBy string
	Method   string
	Path     string
	Service  string // "elasticsearch" (default) or "kibana"

	notSent      bool // the connection was refused: the request never left
	maybeApplied bool // a write whose answer was lost: it may have been applied
}

// MaybeApplied reports whether err is a write whose answer was lost (a
// broken connection, a cut-off answer, a gateway error), so the change may
// have been applied. Check the current state before repeating it.
func MaybeApplied(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.maybeApplied
}

func (e *Error) Error() string {
	svc := e.Service
	if svc == "" {
		svc = "elasticsearch"
	}
	return fmt.Sprintf("%s %s %s: %s", svc, e.Method, e.Path, e.Summary())
}

// HTTPStatus is the answer's status.
func (e *Error) HTTPStatus() int { return e.Status }

// Summary is one line: "403 security_exception: action [...] is unauthorized ...".
func (e *Error) Summary() string {
	var b strings.Builder
	if e.Status > 0 {
		fmt.Fprintf(&b, "%d ", e.Status)
	}
	if e.Type != "" {
		b.WriteString(e.Type)
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	if e.maybeApplied {
		b.WriteString(" (the request may have been applied before the answer was lost: check the current state before repeating it)")
	}
	if e.CausedBy != "" && !strings.Contains(e.Reason, e.CausedBy) {
		b.WriteString(" (caused by: ")
		b.WriteString(e.CausedBy)
		b.WriteString(")")
	}
	return b.String()
}

// IsStatus reports whether err is an *Error with the given status.
func IsStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status
}

type errCause struct {
	Type     string    `json:"type"`
	Reason   string    `json:"reason"`
	CausedBy *errCause `json:"caused_by"`
}

// decodeError reads the Elasticsearch envelope
// {"error":{"type","reason","caused_by"},"status"}, the plain-string form
// ({"error":"Incorrect HTTP method ...","status":405}) and, failing both, a
// trimmed copy of the body.
func decodeError(method, path string, status int, data []byte) *Error {
	e := &Error{Status: status, Method: method, Path: path}
	var env struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(data, &env) == nil && len(env.Error) > 0 {
		var cause errCause
		var s string
		switch {
		case json.Unmarshal(env.Error, &cause) == nil && (cause.Type != "" || cause.Reason != ""):
			e.Type, e.Reason = cause.Type, cause.Reason
			for c := cause.CausedBy; c != nil; c = c.CausedBy {
				e.CausedBy = c.Reason
			}
			return e
		case json.Unmarshal(env.Error, &s) == nil:
			e.Reason = s
			return e
		}
	}
	e.Type = strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "_"))
	e.Reason = bodySnippet(data)
	return e
}

// decodeKibanaError reads Kibana's Boom body {"statusCode","error","message"}.
func decodeKibanaError(method, path string, status int, data []byte) *Error {
	e := &Error{Status: status, Method: method, Path: path, Service: "kibana"}
	var boom struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(data, &boom) == nil && (boom.Error != "" || boom.Message != "") {
		e.Type, e.Reason = boom.Error, boom.Message
		return e
	}
	e.Type = http.StatusText(status)
	e.Reason = bodySnippet(data)
	return e
}

func bodySnippet(data []byte) string {
	s := strings.TrimSpace(string(data))
	if s == "" {
		return "(empty answer)"
	}
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
