package stackemu

import (
	"strings"
	"testing"
)

func TestServerlessFlavour(t *testing.T) {
	e := newEnv(t, FlavorServerless)
	if e.seed.AdminPassword != "" || len(e.seed.Users) != 0 || len(e.seed.RoleMappings) != 0 || e.seed.AdminAPIKey == "" {
		t.Fatalf("serverless seed = %+v", e.seed)
	}
	r := e.call("GET", "/", e.admin, nil)
	if r.str("version.build_flavor") != "serverless" {
		t.Errorf("info: %s", r.raw)
	}
	unavailable := []struct{ method, path string }{
		{"GET", "/_security/user"},
		{"PUT", "/_security/user/alice"},
		{"GET", "/_security/role_mapping"},
		{"PUT", "/_security/role_mapping/m"},
		{"POST", "/_security/role"},
		{"DELETE", "/_security/role"},
		{"POST", "/_security/_query/user"},
		{"POST", "/_security/api_key/grant"},
		{"PUT", "/_security/user/_password"},
	}
	for _, u := range unavailable {
		r := e.call(u.method, u.path, e.admin, map[string]any{})
		expectError(t, r, 410, "api_not_available_exception",
			"Request for uri ["+u.path+"] with method ["+u.method+"] exists but is not available when running in serverless mode")
	}
	// Basic authentication has no realm to go to.
	expectStatus(t, e.call("GET", "/_security/_authenticate", basic("elastic", "anything"), nil), 401)

	r = e.call("GET", "/_security/_authenticate", e.admin, nil)
	expectStatus(t, r, 200)
	if r.str("authentication_type") != "api_key" || r.str("username") != "admin" {
		t.Errorf("operator: %s", r.raw)
	}
	// Roles work, minus the stack-only parts.
	expectStatus(t, e.call("PUT", "/_security/role/colors-rw", e.admin, map[string]any{
		"indices": []any{map[string]any{"names": []string{"colors"}, "privileges": []string{"read", "write", "view_index_metadata"}}}}), 200)
	expectError(t, e.call("PUT", "/_security/role/runner", e.admin, map[string]any{"run_as": []string{"x"}}), 400,
		"parse_exception", "failed to parse role [runner]. unexpected field [run_as]")
	expectError(t, e.call("PUT", "/_security/role/remote", e.admin, map[string]any{"remote_indices": []any{}}), 400,
		"parse_exception", "failed to parse role [remote]. unexpected field [remote_indices]")
	r = e.call("PUT", "/_security/role/snap", e.admin, map[string]any{"cluster": []string{"create_snapshot"}})
	expectStatus(t, r, 400)
	if !strings.Contains(r.str("error.reason"), "unknown cluster privilege [create_snapshot]") {
		t.Errorf("serverless privileges: %s", r.raw)
	}
	// The contract is the stack flavour of the specification, which requires
	// remote_cluster; its serverless flavour leaves the property out
	// (contracts/README), and so does the emulator on Serverless.
	r = e.callOffContractResponse("GET", "/_security/privilege/_builtin", e.admin, nil)
	if _, ok := r.body["remote_cluster"]; ok {
		t.Error("serverless builtin privileges have no remote_cluster")
	}
	for _, p := range r.get("cluster").([]any) {
		if p == "manage_ilm" || p == "grant_api_key" {
			t.Errorf("%s is not available on Serverless", p)
		}
	}
	// The operator authenticates with an API key, so keys it creates are
	// derived keys: they must carry an empty role descriptor and hold
	// nothing (Elastic's workaround is a Cloud API key or grant).
	expectError(t, e.call("POST", "/_security/api_key", e.admin, map[string]any{"name": "svc", "role_descriptors": map[string]any{
		"r": map[string]any{"indices": []any{map[string]any{"names": []string{"colors"}, "privileges": []string{"read"}}}}}}),
		400, "illegal_argument_exception", "creating derived api keys requires an explicit role descriptor that is empty (has no privileges)")
	key, _ := e.createKey(e.admin, map[string]any{"name": "svc", "role_descriptors": map[string]any{"none": map[string]any{}}})
	r = e.call("POST", "/_security/user/_has_privileges", key, map[string]any{"index": []any{
		map[string]any{"names": []string{"colors"}, "privileges": []string{"read"}}}})
	if r.get("index.colors.read") != false {
		t.Errorf("derived key privileges: %s", r.raw)
	}
	r = e.call("POST", "/_security/user/_has_privileges", e.admin, map[string]any{"index": []any{
		map[string]any{"names": []string{"colors"}, "privileges": []string{"read", "write"}}}})
	if r.body["has_all_requested"] != true {
		t.Errorf("operator privileges: %s", r.raw)
	}
	// Kibana on Serverless hides the reserved roles.
	kr := e.kibana("GET", "/api/security/role", e.admin, nil, false)
	expectStatus(t, kr, 200)
	for _, x := range kr.list {
		if x.(map[string]any)["name"] == "superuser" {
			t.Error("serverless Kibana must filter reserved roles")
		}
	}
}

func TestExternalAuth(t *testing.T) {
	c := New(Options{Flavor: FlavorServerless, ExternalAuth: func(h string) (Principal, bool) {
		if h != "ApiKey essu_cloud-key" {
			return Principal{}, false
		}
		return Principal{Username: "cloud-user@example.com", Roles: []string{"logs-reader"}, RealmName: "_cloud_api_key",
			RealmType: "_cloud_api_key", AuthType: "api_key"}, true
	}})
	c.SeedDemo()
	e := &env{t: t, c: c}
	e.es = newTestServer(t, c.Elasticsearch())
	e.kb = newTestServer(t, c.Kibana())
	r := e.call("GET", "/_security/_authenticate", "ApiKey essu_cloud-key", nil)
	expectStatus(t, r, 200)
	if r.str("username") != "cloud-user@example.com" || r.get("roles").([]any)[0] != "logs-reader" {
		t.Errorf("external principal: %s", r.raw)
	}
	r = e.call("POST", "/_security/user/_has_privileges", "ApiKey essu_cloud-key", map[string]any{"index": []any{
		map[string]any{"names": []string{"logs-x"}, "privileges": []string{"read"}}}})
	if r.body["has_all_requested"] != true {
		t.Errorf("external privileges: %s", r.raw)
	}
	expectStatus(t, e.call("GET", "/_security/_authenticate", "ApiKey essu_other", nil), 401)
}
