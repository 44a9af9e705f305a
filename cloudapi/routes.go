package cloudapi

import (
	"net/http"
	"strings"
)

// IsReadRequest reports whether a Cloud API request only reads. Every Cloud
// API read this client makes is a GET; anything else, including a route
// added later, is a write (the dry-run transport records writes instead of
// sending them).
func IsReadRequest(method, _ string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

// EmptySuccess is what a successful Cloud API write looks like when the
// service has nothing to add: 200 and an empty object. The dry-run
// transport answers a recorded write with it. ok is false for a path that
// is not the Cloud API's (/api/v1/...).
func EmptySuccess(method, escapedPath string) (status int, body string, ok bool) {
	if strings.Contains(escapedPath, "/api/v1/") {
		return http.StatusOK, "{}", true
	}
	return 0, "", false
}
