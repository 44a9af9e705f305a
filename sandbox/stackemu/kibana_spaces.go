package stackemu

import "net/http"

// The emulated Kibana has a fixed set of spaces: the default space every
// Kibana has, and one more so that space checks have something to tell
// apart. Roles may still name any space id, as Kibana accepts them.
var kibanaSpaces = []map[string]any{
	{"id": "default", "name": "Default", "description": "This is your default space!", "disabledFeatures": []string{}},
	{"id": "marketing", "name": "Marketing", "disabledFeatures": []string{}},
}

// kibanaFeatures are a few of Kibana's features, with their privileges.
var kibanaFeatures = []map[string]any{
	{"id": "discover", "name": "Discover", "privileges": map[string]any{"all": map[string]any{}, "read": map[string]any{}}},
	{"id": "dashboard", "name": "Dashboard", "privileges": map[string]any{"all": map[string]any{}, "read": map[string]any{}}},
	{"id": "dev_tools", "name": "Dev Tools", "privileges": map[string]any{"all": map[string]any{}, "read": map[string]any{}}},
}

// serveKibanaSpaces answers GET /api/spaces/space[/{id}] and GET
// /api/features; it reports whether the request was one of those.
func (c *Cluster) serveKibanaSpaces(w http.ResponseWriter, r *http.Request, segs []string) bool {
	if len(segs) == 2 && segs[0] == "api" && segs[1] == "features" && r.Method == http.MethodGet {
		if _, err := c.authenticate(r); err != nil {
			writeBoom(w, r, http.StatusUnauthorized, "Unauthorized")
			return true
		}
		writeJSON(w, r, http.StatusOK, kibanaFeatures)
		return true
	}
	if len(segs) < 3 || segs[0] != "api" || segs[1] != "spaces" || segs[2] != "space" || len(segs) > 4 {
		return false
	}
	if r.Method != http.MethodGet {
		writeBoom(w, r, http.StatusNotFound, "Not Found")
		return true
	}
	if _, err := c.authenticate(r); err != nil {
		writeBoom(w, r, http.StatusUnauthorized, "Unauthorized")
		return true
	}
	if len(segs) == 3 {
		writeJSON(w, r, http.StatusOK, kibanaSpaces)
		return true
	}
	for _, s := range kibanaSpaces {
		if s["id"] == segs[3] {
			writeJSON(w, r, http.StatusOK, s)
			return true
		}
	}
	writeBoom(w, r, http.StatusNotFound, "Saved object [space/"+segs[3]+"] not found")
	return true
}
