package cloudemu

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
)

// Error codes. Those marked "documented" appear in the Cloud API Swagger or
// the reference; the others are the emulator's choice where the reference says
// the real code is unknown, named after the documented ones.
const (
	codeUnauthorized      = "root.unauthorized"           // documented: "Credentials were invalid"
	codeInvalidData       = "root.invalid_data"           // documented generic 400
	codeInvalidAuth       = "root.invalid_authentication" // documented 403 on invitations and accept
	codePermissionDenied  = "root.permission_denied"      // observed on the live service (TF issue #795)
	codeNotFound          = "root.not_found"              // unknown path: emulator's choice
	codeMethodNotAllowed  = "root.method_not_allowed"
	codeRateLimited       = "root.rate_limited" // 429: emulator's choice, after billing_service.rate_limited
	codeInternal          = "root.internal_error"
	codeUnavailable       = "root.service_unavailable"
	codeUserNotFound      = "user.not_found"
	codeOrgNotFound       = "organization.not_found"
	codeOrgInvalidAccess  = "organization.invalid_access"
	codeInvalidOrgName    = "organization.invalid_name"
	codeMembershipMissing = "organization.membership_not_found"
	codeNotSender         = "organization.user_organization_does_not_belong"
	codeInvalidEmail      = "organization.invitation_invalid_email"
	codeInviteExists      = "organization.invitation_already_exists"
	codeAlreadyBelongs    = "organization.user_organization_already_belongs"
	codeInviteNotFound    = "organization.invitation_not_found"
	codeInvalidTarget     = "role_assignments.invalid_target_user_id"
	codeUnauthorizedRA    = "role_assignments.unauthorized_role_assignments"
	// codeInvalidRole is made up: reference §4 says the real code is unknown.
	codeInvalidRole     = "role_assignments.invalid_role"
	codeKeyInvalidInput = "api_keys.invalid_input"
	codeKeyNotFound     = "api_keys.key_not_found"
	codeAccountNotFound = "accounts.not_found"
	// codeProjectNotFound is made up: the Serverless error codes are not in
	// the reference.
	codeProjectNotFound = "project.not_found"
)

// apiError is one failure, rendered as BasicFailedReply (Cloud API) or
// MultiErrorResponse (Serverless API, which has no "fields").
type apiError struct {
	status  int
	code    string
	message string
	fields  []string
}

type errorElement struct {
	Code    string   `json:"code"`
	Message string   `json:"message"`
	Fields  []string `json:"fields,omitempty"`
}

type errorBody struct {
	Errors []errorElement `json:"errors"`
}

func (e *apiError) body(serverless bool) []byte {
	el := errorElement{Code: e.code, Message: e.message}
	if !serverless {
		el.Fields = e.fields
	}
	b, _ := json.Marshal(errorBody{Errors: []errorElement{el}})
	return b
}

// codeForStatus names the error code of a response whose body the emulator
// did not write itself (injected faults).
func codeForStatus(status int) string {
	switch status {
	case http.StatusBadRequest:
		return codeInvalidData
	case http.StatusUnauthorized:
		return codeUnauthorized
	case http.StatusForbidden:
		return codePermissionDenied
	case http.StatusNotFound:
		return codeNotFound
	case http.StatusTooManyRequests:
		return codeRateLimited
	case http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout:
		return codeUnavailable
	}
	return codeInternal
}

// faultErrorBody renders injected failures in the Cloud envelope, so a client
// sees the same shape from a fault as from a real error.
func faultErrorBody(status int, msg string) (string, []byte) {
	e := apiError{status: status, code: codeForStatus(status), message: msg}
	return "application/json", e.body(false)
}

// errorCodeWriter adds x-cloud-error-codes to error responses written by the
// fault injector, which knows only the status. It passes Hijack through so
// that dropped and truncated connections still work.
type errorCodeWriter struct {
	http.ResponseWriter
}

func (w errorCodeWriter) WriteHeader(status int) {
	if status >= 400 && w.Header().Get(headerErrorCodes) == "" {
		w.Header().Set(headerErrorCodes, codeForStatus(status))
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w errorCodeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w errorCodeWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

func (w errorCodeWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

const headerErrorCodes = "X-Cloud-Error-Codes"

func fail(status int, code, message string, fields ...string) reply {
	return reply{err: &apiError{status: status, code: code, message: message, fields: fields}}
}

func forbidden(resource string) reply {
	// The wording follows the live message seen in TF issue #795.
	return fail(http.StatusForbidden, codePermissionDenied,
		"To access the resource ["+resource+"], the user must have the required authorization (organization-admin)")
}
