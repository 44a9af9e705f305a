package cloudapi

import "net/http"

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
