package cloudapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Error is a failed Cloud API call: an HTTP error answer (Status set), or a
// failure to get one (Status 0: connection refused, timeout, cut-off or
// garbled body). It never holds request headers, the API key or secret path
// segments such as invitation tokens.
type Error struct {
	Op     string // what was attempted, e.g. "list members"
	Method string
	Status int // 0 when no HTTP answer was received
	// Codes are the Cloud error codes (errors[].code and the
	// x-cloud-error-codes header), e.g. "organization.not_found".
	Codes    []string
	Messages []string
	Fields   []string
	// RetryAfter is the wait the service asked for on a 429, if any.
	RetryAfter time.Duration
	// OpaqueID is the X-Opaque-Id of the failed attempt, to find it in the
	// service's logs.
	OpaqueID string

	transient     bool // no answer or an unusable one: retryable for idempotent requests
	timeout       bool
	maybeApplied  bool // a write whose answer was lost
	notSent       bool // the connection was refused: nothing was sent
	rateRemaining string
}

// HTTPStatus is the answer's status, 0 when there was no answer.
func (e *Error) HTTPStatus() int { return e.Status }

// HasCode reports whether the service answered with code.
func (e *Error) HasCode(code string) bool {
	for _, c := range e.Codes {
		if c == code {
			return true
		}
	}
	return false
}

// Timeout reports a request that got no answer in time.
func (e *Error) Timeout() bool { return e.timeout }

// Unwrap lets errors.Is(err, context.DeadlineExceeded) recognise timeouts,
// so callers can treat them like any other deadline.
func (e *Error) Unwrap() error {
	if e.timeout {
		return context.DeadlineExceeded
	}
	return nil
}

// Summary is one line: "403 root.forbidden: message".
func (e *Error) Summary() string {
	var b strings.Builder
	if e.Status > 0 {
		fmt.Fprintf(&b, "%d", e.Status)
	} else {
		b.WriteString("no answer")
	}
	if len(e.Codes) > 0 {
		b.WriteString(" ")
		b.WriteString(strings.Join(e.Codes, ","))
	}
	if len(e.Messages) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(e.Messages, "; "))
	} else if e.Status > 0 {
		b.WriteString(": ")
		b.WriteString(http.StatusText(e.Status))
	}
	if len(e.Fields) > 0 {
		b.WriteString(" (fields: ")
		b.WriteString(strings.Join(e.Fields, ", "))
		b.WriteString(")")
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.maybeApplied {
		b.WriteString(" (the request may have been applied before the answer was lost: check the current state before repeating it)")
	}
	return b.String()
}

func (e *Error) Error() string { return "cloud api: " + e.Op + ": " + e.Summary() }

// failedReply covers both error envelopes: the Cloud API's BasicFailedReply
// (with fields) and the Serverless MultiErrorResponse (without).
type failedReply struct {
	Errors []struct {
		Code    string   `json:"code"`
		Message string   `json:"message"`
		Fields  []string `json:"fields"`
	} `json:"errors"`
}

func decodeError(r request, resp *http.Response, raw []byte, oid string) *Error {
	e := &Error{Op: r.op, Method: r.method, Status: resp.StatusCode, OpaqueID: oid,
		rateRemaining: resp.Header.Get("X-Ratelimit-Remaining")}
	if resp.StatusCode == http.StatusTooManyRequests {
		e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"))
	}
	var fr failedReply
	if json.Unmarshal(raw, &fr) == nil {
		for _, el := range fr.Errors {
			if el.Code != "" && !e.HasCode(el.Code) {
				e.Codes = append(e.Codes, el.Code)
			}
			if el.Message != "" {
				e.Messages = append(e.Messages, scrub(el.Message, r.secrets))
			}
			e.Fields = append(e.Fields, el.Fields...)
		}
	}
	for _, h := range resp.Header.Values("X-Cloud-Error-Codes") {
		for _, c := range strings.Split(h, ",") {
			if c = strings.TrimSpace(c); c != "" && !e.HasCode(c) {
				e.Codes = append(e.Codes, c)
			}
		}
	}
	if len(e.Messages) == 0 {
		// Not the documented envelope (a proxy's HTML page, plain text):
		// keep a short, scrubbed excerpt.
		text := strings.TrimSpace(string(raw))
		if len(text) > 200 {
			text = text[:200] + "…"
		}
		if text != "" && !strings.HasPrefix(text, "<") {
			e.Messages = []string{scrub(text, r.secrets)}
		}
	}
	return e
}

// MaybeApplied reports whether err is a write whose answer was lost (no
// answer, a cut-off one, or a gateway error), so it may have been applied:
// check the current state before repeating it.
func MaybeApplied(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.maybeApplied
}
