package toolkit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ErrorKind says what sort of failure an Error is. The audit record carries
// it, so failures can be counted by cause without parsing messages.
type ErrorKind string

const (
	// KindInvalidArguments: the arguments failed validation; nothing was sent.
	KindInvalidArguments ErrorKind = "invalid_arguments"
	// KindNotConfirmed: the person did not approve the change.
	KindNotConfirmed ErrorKind = "not_confirmed"
	// KindRefused: a guardrail of the server refused the call.
	KindRefused ErrorKind = "refused"
	// KindUpstream: the Cloud API, Elasticsearch or Kibana failed the call.
	KindUpstream ErrorKind = "upstream"
	// KindUnavailable: the tool cannot work with the current configuration.
	KindUnavailable ErrorKind = "unavailable"
	// KindInternal: anything else.
	KindInternal ErrorKind = "internal"
)

// Error is a failure the agent can act on: what went wrong and what to do
// next. Every error a tool returns reaches the client as an isError result
// whose text is Message followed by Next.
type Error struct {
	Kind    ErrorKind
	Message string
	Next    string // the next step, e.g. "call list_org_members first"
	// Done lists the steps a multi-step operation completed before failing,
	// so the agent knows exactly what changed.
	Done []string
	err  error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	if !strings.HasSuffix(e.Message, ".") && !strings.HasSuffix(e.Message, "?") { // sentences follow
		b.WriteString(".")
	}
	if len(e.Done) > 0 {
		b.WriteString(" Steps already completed: ")
		b.WriteString(strings.Join(e.Done, "; "))
		b.WriteString(".")
	} else if e.Kind == KindInvalidArguments || e.Kind == KindNotConfirmed || e.Kind == KindRefused {
		b.WriteString(" Nothing was changed.")
	}
	if e.Next != "" {
		b.WriteString(" Next: ")
		b.WriteString(e.Next)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.err }

// InvalidArgs reports arguments that fail validation before any upstream call.
func InvalidArgs(format string, a ...any) *Error {
	return &Error{Kind: KindInvalidArguments, Message: "Invalid arguments: " + fmt.Sprintf(format, a...)}
}

// Refused reports a call the server will not make (a guardrail), with the
// alternative to offer.
func Refused(next, format string, a ...any) *Error {
	return &Error{Kind: KindRefused, Message: fmt.Sprintf(format, a...), Next: next}
}

// Unavailable reports a tool that cannot work with the current configuration.
func Unavailable(next, format string, a ...any) *Error {
	return &Error{Kind: KindUnavailable, Message: fmt.Sprintf(format, a...), Next: next}
}

// UpstreamFailure reports a failed upstream call with a message and next
// step the tool knows better than Describe would; err stays reachable
// through errors.Is and errors.As.
func UpstreamFailure(err error, next, format string, a ...any) *Error {
	return &Error{Kind: KindUpstream, Message: fmt.Sprintf(format, a...), Next: next, err: err}
}

// PartialFailure wraps err from a multi-step operation with the steps that
// completed before it.
func PartialFailure(err error, done []string) error {
	if len(done) == 0 {
		return err
	}
	var te *Error
	if errors.As(err, &te) {
		cp := *te
		cp.Done = append(append([]string{}, done...), te.Done...)
		return &cp
	}
	return &Error{Kind: KindUpstream, Message: Describe(err).Message, Next: Describe(err).Next, Done: done, err: err}
}

// UpstreamError is what the Cloud and Elasticsearch clients' errors look like
// to the tools: an HTTP status and a one-line summary that already carries
// the service's error code or type.
type UpstreamError interface {
	error
	HTTPStatus() int
	Summary() string // e.g. "403 security_exception: action [...] is unauthorized for user [x]"
}

// Describe turns any error into an *Error with a next step, by the HTTP status
// when it came from upstream.
func Describe(err error) *Error {
	var te *Error
	if errors.As(err, &te) {
		return te
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Kind: KindUpstream, Message: "The upstream service did not answer in time.", Next: "retry; if it persists, check the service's health", err: err}
	}
	if errors.Is(err, context.Canceled) {
		return &Error{Kind: KindUpstream, Message: "The call was cancelled.", err: err}
	}
	var ue UpstreamError
	if errors.As(err, &ue) {
		msg := "Upstream error " + ue.Summary()
		next := ""
		switch ue.HTTPStatus() {
		case http.StatusBadRequest:
			next = "correct the request as the message says"
		case http.StatusUnauthorized:
			next = "the configured credential was rejected: check that the API key or password is current and not expired (whoami shows what is configured)"
		case http.StatusForbidden:
			next = "the configured credential lacks the privilege for this operation; run whoami and check_privileges to see what it has"
		case http.StatusNotFound:
			next = "check the name or id; list the existing ones first"
		case http.StatusConflict:
			next = "it already exists or was changed concurrently; read the current state and decide"
		case http.StatusTooManyRequests:
			next = "the service is rate limiting; wait a minute and retry"
		default:
			if ue.HTTPStatus() >= 500 {
				next = "the service failed; retry later"
			}
		}
		return &Error{Kind: KindUpstream, Message: msg, Next: next, err: err}
	}
	return &Error{Kind: KindInternal, Message: err.Error(), err: err}
}
