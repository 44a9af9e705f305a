package stackemu

import (
	"net/http"
	"sync"
)

// The emulated Kibana has a fixed set of spaces: the default space every
// Kibana has, and a few more so that space checks have something to tell
// apart.
var kibanaSpaces = []map[string]any{
	{"id": "default", "name": "Default", "description": "This is your default space!", "disabledFeatures": []string{}},
	{"id": "marketing", "name": "Marketing", "disabledFeatures": []string{}},
	{"id": "ops", "name": "Ops", "disabledFeatures": []string{}},
	{"id": "sales", "name": "Sales", "disabledFeatures": []string{}},
}

// kibanaFeatureIDs are the feature ids of Kibana 9.1's GET /api/features
// that roles grant (the ones the reference and the skills name, plus the
// common management features).
var kibanaFeatureIDs = []string{
	"actions", "advancedSettings", "apm", "canvas", "dashboard", "dev_tools", "discover", "fleet", "fleetv2",
	"generalCases", "graph", "indexPatterns", "infrastructure", "logs", "maintenanceWindow", "maps", "ml",
	"observabilityCases", "osquery", "rulesSettings", "savedObjectsManagement", "savedObjectsTagging",
	"securitySolutionCases", "siem", "slo", "stackAlerts", "uptime", "visualize",
}

// kibanaFeatures is GET /api/features: each feature with its all and read
// privileges.
var kibanaFeatures = sync.OnceValue(func() []map[string]any {
	out := make([]map[string]any, 0, len(kibanaFeatureIDs))
	for _, id := range kibanaFeatureIDs {
		out = append(out, map[string]any{"id": id, "name": id, "privileges": map[string]any{"all": map[string]any{}, "read": map[string]any{}}})
	}
	return out
})

// serveKibanaSpaces answers GET /api/spaces/space[/{id}] and GET
// /api/features; it reports whether the request was one of those.
func (c *Cluster) serveKibanaSpaces(w http.ResponseWriter, r *http.Request, segs []string) bool {
	if len(segs) == 2 && segs[0] == "api" && segs[1] == "features" && r.Method == http.MethodGet {
		if _, err := c.authenticate(r); err != nil {
			writeBoom(w, r, http.StatusUnauthorized, "Unauthorized")
			return true
		}
		writeJSON(w, r, http.StatusOK, kibanaFeatures())
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
