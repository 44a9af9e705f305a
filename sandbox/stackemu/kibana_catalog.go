package stackemu

import "net/http"

// kibanaFeatureIDs are the feature ids of Kibana 9.1's GET /api/features
// that roles grant (the ones the reference and the skills name, plus the
// common management features).
var kibanaFeatureIDs = []string{
	"actions", "advancedSettings", "apm", "canvas", "dashboard", "dev_tools", "discover", "fleet", "fleetv2",
	"generalCases", "graph", "indexPatterns", "infrastructure", "logs", "maintenanceWindow", "maps", "ml",
	"observabilityCases", "osquery", "rulesSettings", "savedObjectsManagement", "savedObjectsTagging",
	"securitySolutionCases", "siem", "slo", "stackAlerts", "uptime", "visualize",
}

// kibanaSpaceIDs are the spaces of the emulated Kibana.
var kibanaSpaceIDs = []string{"default", "marketing", "ops", "sales"}

// serveKibanaCatalog answers GET /api/features and GET /api/spaces/space for
// any authenticated user; ok is false for other paths.
func (c *Cluster) serveKibanaCatalog(w http.ResponseWriter, r *http.Request, segs []string) bool {
	features := len(segs) == 2 && segs[0] == "api" && segs[1] == "features"
	spaces := len(segs) == 3 && segs[0] == "api" && segs[1] == "spaces" && segs[2] == "space"
	if !features && !spaces {
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
	ids := kibanaSpaceIDs
	if features {
		ids = kibanaFeatureIDs
	}
	out := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		out = append(out, map[string]any{"id": id, "name": id})
	}
	writeJSON(w, r, http.StatusOK, out)
	return true
}
