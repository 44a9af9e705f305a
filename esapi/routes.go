package esapi

import (
	"net/http"
	"strings"
)

// Which requests only read is decided by an explicit table of routes, not by
// looking for words in the path: the dry-run transport lets reads through and
// records everything else, and the retry rule repeats only what is safe to
// repeat. A route that is not in the table is a write.
//
// Paths are matched segment by segment on the escaped path, so a name that
// contains "/_query/" or "_has_privileges" stays one segment and cannot make
// a write look like a read. A base-URL prefix (a proxy path) is allowed: the
// route must match the last segments.

// readPOSTRoutes are the Elasticsearch requests that use POST but only read.
var readPOSTRoutes = [][]string{
	{"_security", "_authenticate"},
	{"_security", "_query", "api_key"},
	{"_security", "_query", "user"},
	{"_security", "_query", "role"},
	{"_security", "user", "_has_privileges"},
	{"_security", "user", "*", "_has_privileges"},
	{"_security", "profile", "_has_privileges"},
}

// IsReadRequest reports whether an Elasticsearch or Kibana request only
// reads. escapedPath is the path as sent (url.URL.EscapedPath).
func IsReadRequest(method, escapedPath string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	case http.MethodPost:
		segs := pathSegments(escapedPath)
		for _, r := range readPOSTRoutes {
			if matchSuffix(segs, r) {
				return true
			}
		}
	}
	return false
}

// Repeatable reports whether a request may be sent again after its answer
// was lost: reads, and PUTs, which set a resource to the same state however
// often they are applied. POSTs that write (an API key, a password change)
// and DELETEs (the repeat would report "not found" for a deletion that
// happened) are not.
func Repeatable(method, escapedPath string) bool {
	return method == http.MethodPut || IsReadRequest(method, escapedPath)
}

func pathSegments(p string) []string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// matchSuffix reports whether the last segments of segs are route, where
// "*" in route stands for exactly one segment.
func matchSuffix(segs, route []string) bool {
	if len(segs) < len(route) {
		return false
	}
	tail := segs[len(segs)-len(route):]
	for i, r := range route {
		if r != "*" && r != tail[i] {
			return false
		}
	}
	return true
}

// kibanaNoContentRoutes are the Kibana writes that succeed with 204 and no
// body (the role API).
var kibanaNoContentRoutes = [][]string{
	{"api", "security", "role", "*"},
}

// EmptySuccess is what a successful write of this route looks like when the
// service has nothing to add: the dry-run transport answers a recorded write
// with it, so the client reads it as it reads a real answer. Kibana's role
// API answers 204 and no body; Elasticsearch answers 200 and an object. ok is
// false for a route that is neither Elasticsearch's nor Kibana's.
func EmptySuccess(method, escapedPath string) (status int, body string, ok bool) {
	segs := pathSegments(escapedPath)
	for _, r := range kibanaNoContentRoutes {
		if matchSuffix(segs, r) {
			return http.StatusNoContent, "", true
		}
	}
	for _, s := range segs {
		if s == "_security" {
			return http.StatusOK, "{}", true
		}
	}
	return 0, "", false
}
