package stackemu

import (
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/fault"
)

func TestKibanaRoleAPI(t *testing.T) {
	e := newEnv(t, FlavorStack)
	body := map[string]any{
		"description": "Logs Dashboard Viewer",
		"metadata":    map[string]any{"owner": "obs"},
		"elasticsearch": map[string]any{"cluster": []string{},
			"indices": []any{map[string]any{"names": []string{"logs-*"}, "privileges": []string{"read", "view_index_metadata"}}}},
		"kibana": []any{
			map[string]any{"base": []string{}, "feature": map[string]any{"discover": []string{"read"}, "dashboard": []string{"read"}}, "spaces": []string{"default", "ops"}},
			map[string]any{"base": []string{"read"}, "spaces": []string{"marketing"}},
		},
	}
	r := e.kibana("PUT", "/api/security/role/logs-dashboard-viewer", e.admin, body, false)
	expectStatus(t, r, 400)
	if r.body["message"] != "Request must contain a kbn-xsrf header." || r.body["statusCode"] != 400.0 || r.body["error"] != "Bad Request" {
		t.Errorf("xsrf: %s", r.raw)
	}
	r = e.kibana("PUT", "/api/security/role/logs-dashboard-viewer", e.admin, body, true)
	expectStatus(t, r, 204)
	if len(r.raw) != 0 {
		t.Errorf("204 with a body: %s", r.raw)
	}
	r = e.kibana("PUT", "/api/security/role/logs-dashboard-viewer?createOnly=true", e.admin, body, true)
	expectStatus(t, r, 409)
	if r.body["message"] != "Role already exists and cannot be created: logs-dashboard-viewer" {
		t.Errorf("409: %s", r.raw)
	}

	// The feature privileges are Elasticsearch application privileges.
	es := e.call("GET", "/_security/role/logs-dashboard-viewer", e.admin, nil)
	expectStatus(t, es, 200)
	apps := es.get("logs-dashboard-viewer").(map[string]any)["applications"].([]any)
	first := apps[0].(map[string]any)
	if first["application"] != "kibana-.kibana" {
		t.Fatalf("applications = %v", apps)
	}
	// Feature privileges keep the request's key order (json.Marshal sorts
	// the test's map keys: dashboard, then discover).
	if p := first["privileges"].([]any); len(p) != 2 || p[0] != "feature_dashboard.read" || p[1] != "feature_discover.read" {
		t.Errorf("privileges = %v", p)
	}
	if res := first["resources"].([]any); res[0] != "space:default" || res[1] != "space:ops" {
		t.Errorf("resources = %v", res)
	}
	second := apps[1].(map[string]any)
	if second["privileges"].([]any)[0] != "space_read" || second["resources"].([]any)[0] != "space:marketing" {
		t.Errorf("space base: %v", second)
	}

	// An application privilege of another application survives a Kibana update.
	expectStatus(t, e.call("PUT", "/_security/role/logs-dashboard-viewer", e.admin, map[string]any{
		"applications": []any{first, map[string]any{"application": "myapp", "privileges": []string{"read"}, "resources": []string{"*"}}}}), 200)
	expectStatus(t, e.kibana("PUT", "/api/security/role/logs-dashboard-viewer", e.admin, body, true), 204)
	r = e.kibana("GET", "/api/security/role/logs-dashboard-viewer", e.admin, nil, false)
	expectStatus(t, r, 200)
	if u := r.body["_unrecognized_applications"].([]any); len(u) != 1 || u[0] != "myapp" {
		t.Errorf("_unrecognized_applications = %v", u)
	}
	kib := r.body["kibana"].([]any)
	if len(kib) != 2 || kib[0].(map[string]any)["feature"].(map[string]any)["dashboard"].([]any)[0] != "read" {
		t.Errorf("kibana = %v", kib)
	}
	if r.get("elasticsearch.indices") == nil || r.body["description"] != "Logs Dashboard Viewer" ||
		r.get("transient_metadata.enabled") != true {
		t.Errorf("role = %s", r.raw)
	}

	// An ES-created role with Kibana application privileges reads back as
	// feature privileges.
	r = e.kibana("GET", "/api/security/role/dashboard-reader", e.admin, nil, false)
	if f := r.body["kibana"].([]any)[0].(map[string]any); f["spaces"].([]any)[0] != "default" {
		t.Errorf("dashboard-reader = %v", f)
	}

	r = e.kibana("GET", "/api/security/role", e.admin, nil, false)
	expectStatus(t, r, 200)
	var prev string
	sawReserved := false
	for _, x := range r.list {
		n := x.(map[string]any)["name"].(string)
		if n < prev {
			t.Errorf("not sorted: %s after %s", n, prev)
		}
		prev = n
		if n == "superuser" {
			sawReserved = true
		}
	}
	if !sawReserved {
		t.Error("stack Kibana lists reserved roles")
	}

	expectStatus(t, e.kibana("DELETE", "/api/security/role/logs-dashboard-viewer", e.admin, nil, false), 400)
	expectStatus(t, e.kibana("DELETE", "/api/security/role/logs-dashboard-viewer", e.admin, nil, true), 204)
	expectStatus(t, e.kibana("DELETE", "/api/security/role/logs-dashboard-viewer", e.admin, nil, true), 404)
	expectStatus(t, e.kibana("GET", "/api/security/role/logs-dashboard-viewer", e.admin, nil, false), 404)
	// An empty body creates a role with no privileges.
	expectStatus(t, e.kibana("PUT", "/api/security/role/nothing", e.admin, map[string]any{}, true), 204)
}

func TestKibanaValidationAndAuth(t *testing.T) {
	e := newEnv(t, FlavorStack)
	put := func(body any) resp {
		return e.kibana("PUT", "/api/security/role/k", e.admin, body, true)
	}
	cases := []struct {
		name string
		body any
		msg  string
	}{
		{"query object", map[string]any{"elasticsearch": map[string]any{"indices": []any{map[string]any{"names": []string{"a"}, "privileges": []string{"read"}, "query": map[string]any{}}}}},
			"[request body.elasticsearch.indices.0.query]: expected value of type [string] but got [START_OBJECT]"},
		{"neither base nor feature", map[string]any{"kibana": []any{map[string]any{"spaces": []string{"*"}}}},
			"[request body.kibana.0]: either [base] or [feature] is expected, but none of them specified"},
		{"both", map[string]any{"kibana": []any{map[string]any{"base": []string{"all"}, "feature": map[string]any{"discover": []string{"read"}}}}},
			"[request body.kibana.0]: definition of [feature] isn't allowed when non-empty [base] is defined."},
		{"overlap", map[string]any{"kibana": []any{map[string]any{"base": []string{"read"}, "spaces": []string{"a"}}, map[string]any{"base": []string{"all"}, "spaces": []string{"a"}}}},
			"[request body.kibana]: more than one privilege is applied to the following spaces: [a]"},
		{"bad space", map[string]any{"kibana": []any{map[string]any{"base": []string{"read"}, "spaces": []string{"Bad Space"}}}},
			"[request body.kibana.0.spaces.0]: must be lower case, a-z, 0-9, '_', and '-' are allowed"},
		{"unknown base", map[string]any{"kibana": []any{map[string]any{"base": []string{"owner"}}}},
			`[request body.kibana.0.base.0]: unknown global privilege "owner", must be one of [all,read]`},
		{"unknown key", map[string]any{"bogus": 1}, "[request body.bogus]: definition for this key is missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := put(tc.body)
			expectStatus(t, r, 400)
			if r.body["message"] != tc.msg {
				t.Errorf("message = %q, want %q", r.body["message"], tc.msg)
			}
		})
	}
	// Elasticsearch validation passes through with its status.
	r := put(map[string]any{"elasticsearch": map[string]any{"cluster": []string{"bogus"}}})
	expectStatus(t, r, 400)
	if r.body["message"] != validationMessage([]string{unknownClusterPrivilegeMsg(FlavorStack, "bogus")}) {
		t.Errorf("message = %v", r.body["message"])
	}
	// Reserved role names cannot be written through Kibana either.
	expectStatus(t, e.kibana("PUT", "/api/security/role/superuser", e.admin, map[string]any{}, true), 400)

	// Kibana authenticates with the same credentials as Elasticsearch.
	expectStatus(t, e.kibana("GET", "/api/security/role", "", nil, false), 401)
	key, _ := e.createKey(e.admin, map[string]any{"name": "kb"})
	expectStatus(t, e.kibana("GET", "/api/security/role/logs-reader", key, nil, false), 200)
	reader := e.newUser("kreader", []string{"logs-reader"})
	r = e.kibana("PUT", "/api/security/role/k", reader, map[string]any{}, true)
	expectStatus(t, r, 403)
	if r.body["error"] != "Forbidden" {
		t.Errorf("403 body: %s", r.raw)
	}

	// Kibana faults answer in Kibana's error body.
	e.c.KibanaFaults().Add(fault.Fault{Path: "/api/security/role", Kind: fault.Status, Status: 503, Times: 1})
	r = e.kibana("GET", "/api/security/role", e.admin, nil, false)
	if r.status != 503 || r.body["statusCode"] != 503.0 || r.body["error"] != "Service Unavailable" {
		t.Errorf("kibana fault: %d %s", r.status, r.raw)
	}
}
