package tools_test

import (
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/cloudemu"
)

// Internal action names are refused in roles and keys, with the named
// privilege that covers them, and nothing is written.
func TestRuleInternalActionNamesRefused(t *testing.T) {
	h := esHarness(t, "stack")
	mustContain(t, h.CallErr(t, "put_role", map[string]any{"name": "search-only", "indices": []any{map[string]any{
		"names": []any{"logs-*"}, "privileges": []any{"indices:data/read/search"}}}}),
		`"indices:data/read/search" is an internal action name`, "use the named privilege read", "Never use internal action names")
	mustContain(t, h.CallErr(t, "put_role", map[string]any{"name": "main-only", "cluster": []any{"cluster:monitor/main"}}),
		`"cluster:monitor/main" is an internal action name`, "use the named privilege monitor")
	for _, name := range []string{"search-only", "main-only"} {
		if _, found := esReadRole(t, h, name); found {
			t.Fatalf("role %s was written", name)
		}
	}
	mustContain(t, h.CallErr(t, "create_es_api_key", map[string]any{"name": "search-key", "expiration": "1d",
		"role_descriptors": map[string]any{"search": map[string]any{"indices": []any{map[string]any{
			"names": []any{"logs-*"}, "privileges": []any{"indices:data/read/search"}}}}}}), "internal action name", "read")
	keys := h.CallOK(t, "list_es_api_keys", map[string]any{"name": "search-key"})
	if n := len(asList(keys["keys"])); n != 0 {
		t.Fatalf("a key was created: %s", dump(keys))
	}
}

// Role names follow the naming rule on every flavour; generic names and
// sentence descriptions are warned about.
func TestRuleRoleNames(t *testing.T) {
	h := esHarness(t, "stack")
	mustContain(t, h.CallErr(t, "put_role", map[string]any{"name": "-logs", "cluster": []any{"monitor"}}), "role naming rule")
	if _, found := esReadRole(t, h, "-logs"); found {
		t.Fatal("the role was written")
	}
	out := h.CallOK(t, "put_role", map[string]any{"name": "role1", "description": "This role lets people read the logs.",
		"indices": []any{map[string]any{"names": []any{"logs-*"}, "privileges": []any{"read"}}}})
	mustContain(t, asJSON(out["warnings"]), `role name \"role1\" is generic`, "reads like a sentence")
	out = h.CallOK(t, "put_role", map[string]any{"name": "logs-reader-x", "description": "Logs Reader",
		"indices": []any{map[string]any{"names": []any{"logs-*"}, "privileges": []any{"read"}}}})
	mustNotContain(t, asJSON(out["warnings"]), "generic", "sentence")
}

// Role-mapping rules match only username, dn, groups, realm.name and
// metadata.*; anything else is refused with the nearest valid field.
func TestRuleRoleMappingFields(t *testing.T) {
	h := esHarness(t, "stack")
	mustContain(t, h.CallErr(t, "put_role_mapping", map[string]any{"name": "sso-readers", "roles": []any{"viewer"},
		"rules": map[string]any{"all": []any{map[string]any{"field": map[string]any{"realm.name": "saml1"}},
			map[string]any{"field": map[string]any{"group": "readers"}}}}}), `"group" (did you mean groups?)`)
	mustContain(t, h.CallErr(t, "put_role_mapping", map[string]any{"name": "sso-readers", "roles": []any{"viewer"},
		"rules": map[string]any{"field": map[string]any{"realm": "saml1"}}}), "realm.name")
	got := h.CallOK(t, "get_role_mappings", map[string]any{})
	mustNotContain(t, asJSON(got), "sso-readers")
	h.CallOK(t, "put_role_mapping", map[string]any{"name": "sso-readers", "roles": []any{"viewer"},
		"rules": map[string]any{"all": []any{map[string]any{"field": map[string]any{"realm.name": "saml1"}},
			map[string]any{"field": map[string]any{"metadata.department": "ops"}}}}})
}

// Kibana feature and space ids are checked against Kibana.
func TestRuleKibanaIDs(t *testing.T) {
	h := esHarness(t, "stack")
	mustContain(t, h.CallErr(t, "put_role", map[string]any{"name": "dash-viewer", "kibana": []any{map[string]any{
		"features": map[string]any{"dashboards": []any{"read"}}, "spaces": []any{"*"}}}}), `"dashboards" is not a Kibana feature`, "dashboard")
	mustContain(t, h.CallErr(t, "put_role", map[string]any{"name": "dash-viewer", "kibana": []any{map[string]any{
		"features": map[string]any{"dashboard": []any{"read"}}, "spaces": []any{"finance"}}}}), `"finance" is not a space`, "default", "marketing")
	if _, found := esReadRole(t, h, "dash-viewer"); found {
		t.Fatal("the role was written")
	}
	h.CallOK(t, "put_role", map[string]any{"name": "dash-viewer", "kibana": []any{map[string]any{
		"features": map[string]any{"dashboard": []any{"read"}}, "spaces": []any{"marketing"}}}})
}

// A Cloud key is reused only when it has the requested lifetime left.
func TestRuleCloudKeyReuseNeedsLifetime(t *testing.T) {
	h := cloudHarness(t, nil)
	args := map[string]any{"description": "ci-index", "expiration": "7d",
		"roles": []any{map[string]any{"scope": "project", "role": "developer", "project_ids": []any{"search-demo"}}}}
	first := h.CallOK(t, "create_cloud_api_key", args)
	again := h.CallOK(t, "create_cloud_api_key", args)
	if again["reused"] != true {
		t.Fatalf("the same request did not reuse the key: %s", dump(again))
	}
	args["expiration"] = "30d"
	longer := h.CallOK(t, "create_cloud_api_key", args)
	if longer["reused"] == true {
		t.Fatalf("a 7-day key was reused for 30 days: %s", dump(longer))
	}
	firstID := asMap(first["cloud_key"])["id"].(string)
	mustContain(t, asJSON(longer["warnings"]), firstID, "not reused")
}

// The last Organization owner, and the member whose key the server runs
// with, cannot be removed.
func TestRuleMemberRemovalKeepsOwnersAndServerKey(t *testing.T) {
	h := cloudHarness(t, nil)
	mustContain(t, h.CallErr(t, "remove_org_members", map[string]any{"members": []any{cloudemu.DemoOwnerEmail}}), "without an Organization owner")
	h.CallOK(t, "assign_cloud_roles", map[string]any{"members": []any{cloudemu.DemoAliceEmail},
		"roles": []any{map[string]any{"scope": "organization", "role": "organization-admin"}}})
	mustContain(t, h.CallErr(t, "remove_org_members", map[string]any{"members": []any{cloudemu.DemoOwnerEmail}}), "server runs with Cloud API key", "revoke the server's own access")
	mustContain(t, h.CallErr(t, "remove_org_members", map[string]any{"members": []any{cloudemu.DemoOwnerEmail, cloudemu.DemoAliceEmail}}), "without an Organization owner")
	if !isMember(h, cloudemu.DemoOwnerEmail) || !isMember(h, cloudemu.DemoAliceEmail) {
		t.Fatal("a refused removal removed someone")
	}
	h.CallOK(t, "remove_org_members", map[string]any{"members": []any{cloudemu.DemoAliceEmail}})
}
