package tools_test

import (
	"context"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/cloudemu"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
)

func explainTarget(t *testing.T, out map[string]any) map[string]any {
	t.Helper()
	targets := asList(out["targets"])
	if len(targets) != 1 {
		t.Fatalf("targets = %s", dump(out))
	}
	return asMap(targets[0])
}

// "I get a 403 when searching logs-*", with the server running as the
// administrator: explain_access finds the missing privilege for the user,
// the fix is a role assignment, and explain_access then names the role.
func TestScenario_403OnLogsExplainedAsAdministrator(t *testing.T) {
	h := esHarness(t, "stack")
	ctx := context.Background()
	admin := esAdmin(t, h)
	// A native user with only viewer, whose profile exists (they logged in
	// to Kibana once), so Elasticsearch's own profile check applies.
	if err := admin.Do(ctx, "PUT", "/_security/user/pat", nil, map[string]any{"password": "pat-secret-123", "roles": []string{"dashboard-reader"}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := admin.Do(ctx, "POST", "/_security/profile/_activate", nil, map[string]any{"grant_type": "password", "username": "pat", "password": "pat-secret-123"}, nil); err != nil {
		t.Fatal(err)
	}
	ask := map[string]any{"username": "pat", "indices": []any{map[string]any{"names": []any{"logs-*"}, "privileges": []any{"read"}}}}
	before := explainTarget(t, h.CallOK(t, "explain_access", ask))
	if before["has_all_requested"] != false {
		t.Fatalf("pat can read logs-* before the fix: %s", dump(before))
	}
	mustContain(t, asJSON(before["roles"]), "dashboard-reader")
	mustContain(t, asJSON(before["method"]), "role definitions", "confirmed by Elasticsearch's user-profile privilege check")

	h.CallOK(t, "update_user", map[string]any{"username": "pat", "add_roles": []any{"logs-reader"}})
	after := explainTarget(t, h.CallOK(t, "explain_access", ask))
	if after["has_all_requested"] != true {
		t.Fatalf("pat cannot read logs-* after the fix: %s", dump(after))
	}
	ix := asMap(asList(after["indices"])[0])
	mustContain(t, asJSON(ix["granted_by"]), "logs-reader")
	if ix["documents"] != "unrestricted" || ix["fields"] != "all fields" {
		t.Fatalf("restrictions = %s", dump(ix))
	}
	// The profile still holds the roles of pat's last login: its check is
	// not used, and the explanation says why.
	mustContain(t, asJSON(after["method"]), "was not used", "next login")
}

// Document- and field-level security of the granting roles, and a broader
// role cancelling them.
func TestExplainAccessDLSAndFLS(t *testing.T) {
	h := esHarness(t, "stack")
	h.CallOK(t, "create_user", map[string]any{"username": "cara", "roles": []any{"pii-redacted-reader"}})
	ask := map[string]any{"username": "cara", "indices": []any{map[string]any{"names": []any{"customers-2024"}, "privileges": []any{"read"}}}}
	ix := asMap(asList(explainTarget(t, h.CallOK(t, "explain_access", ask))["indices"])[0])
	mustContain(t, asJSON(ix["documents"]), "region", "emea")
	mustContain(t, asJSON(ix["fields"]), "ssn", "credit_card")

	h.CallOK(t, "put_role", map[string]any{"name": "customers-reader", "description": "Customers Reader",
		"indices": []any{map[string]any{"names": []any{"customers-*"}, "privileges": []any{"read"}}}})
	h.CallOK(t, "update_user", map[string]any{"username": "cara", "add_roles": []any{"customers-reader"}})
	ix = asMap(asList(explainTarget(t, h.CallOK(t, "explain_access", ask))["indices"])[0])
	if ix["documents"] != "unrestricted" || ix["fields"] != "all fields" {
		t.Fatalf("restrictions = %s", dump(ix))
	}
	mustContain(t, asJSON(ix["warnings"]), "cancelled by customers-reader")
}

// External-realm users: roles from the role mappings, templates included.
func TestExplainAccessExternalUser(t *testing.T) {
	h := esHarness(t, "stack")
	ldap := explainTarget(t, h.CallOK(t, "explain_access", map[string]any{"username": "kim", "realm": "ldap1",
		"groups":  []any{"cn=log-readers,ou=groups,dc=example,dc=com"},
		"indices": []any{map[string]any{"names": []any{"logs-web"}, "privileges": []any{"read"}}}}))
	mustContain(t, asJSON(ldap["roles"]), "logs-reader", "viewer")
	mustContain(t, asJSON(ldap["roles_from"]), "role mapping ldap-readers")
	if ldap["has_all_requested"] != true {
		t.Fatalf("kim = %s", dump(ldap))
	}
	// The except clause keeps service accounts out.
	svc := explainTarget(t, h.CallOK(t, "explain_access", map[string]any{"username": "svc-backup", "realm": "ldap1",
		"groups": []any{"cn=log-readers,ou=groups,dc=example,dc=com"}}))
	if len(asList(svc["roles"])) != 0 {
		t.Fatalf("svc-backup got roles: %s", dump(svc))
	}
	saml := explainTarget(t, h.CallOK(t, "explain_access", map[string]any{"username": "ops1", "realm": "saml1",
		"groups": []any{"elastic-admins"}, "cluster": []any{"manage_security"}}))
	mustContain(t, asJSON(saml["cluster"]), `"allowed":true`, `"granted_by":["superuser"]`)

	h.CallOK(t, "put_role_mapping", map[string]any{"name": "oidc-groups", "enabled": true, "rules": map[string]any{"field": map[string]any{"realm.name": "oidc1"}},
		"role_templates": []any{map[string]any{"template": map[string]any{"source": "{{#tojson}}groups{{/tojson}}"}, "format": "json"}}})
	oidc := explainTarget(t, h.CallOK(t, "explain_access", map[string]any{"username": "dana", "realm": "oidc1", "groups": []any{"metrics-writer", "no-such-role"}}))
	mustContain(t, asJSON(oidc["roles"]), "metrics-writer", "no-such-role")
	mustContain(t, asJSON(oidc["warnings"]), "no-such-role is assigned but not defined")
	mustContain(t, asJSON(oidc["summary"]), "metrics-*")
}

// API keys (by name, limited by the owner), the server itself, and the
// argument rules.
func TestExplainAccessKeysAndSelf(t *testing.T) {
	h := esHarness(t, "stack")
	key := explainTarget(t, h.CallOK(t, "explain_access", map[string]any{"api_key_id": "ci-metrics",
		"indices": []any{map[string]any{"names": []any{"metrics-app"}, "privileges": []any{"create_doc", "read"}}}}))
	mustContain(t, asJSON(key["indices"]), `"allowed":true,"documents":"unrestricted","fields":"all fields","granted_by":["metrics-publisher"],"index":"metrics-app","privilege":"create_doc"`,
		`{"allowed":false,"index":"metrics-app","privilege":"read"}`)
	self := explainTarget(t, h.CallOK(t, "explain_access", map[string]any{"self": true, "cluster": []any{"manage_security"}}))
	mustContain(t, asJSON(self["cluster"]), `"allowed":true`, "superuser")
	mustContain(t, asJSON(self["method"]), "confirmed by Elasticsearch's _has_privileges")
	mustContain(t, h.CallErr(t, "explain_access", map[string]any{"username": "pat", "self": true}), "exactly one")
	mustContain(t, h.CallErr(t, "explain_access", map[string]any{"groups": []any{"x"}, "self": true}), "with username")
	mustContain(t, h.CallErr(t, "explain_access", map[string]any{"username": "nobody-here"}), "not a native user", "realm")
	mustContain(t, h.CallErr(t, "explain_access", map[string]any{"api_key_id": "no-such-key"}), "no API key")
}

// A Cloud member's stack access per project, from their role assignments.
func TestExplainAccessCloudMember(t *testing.T) {
	h := esHarness(t, "stack", func(o *servertest.Options) { o.NoElasticsearch = true; o.NoKibana = true })
	obs := h.Sandbox.CloudSeed.Projects["observability"]
	out := h.CallOK(t, "explain_access", map[string]any{"member": cloudemu.DemoBobEmail, "project": obs.Name,
		"indices": []any{map[string]any{"names": []any{"logs-web"}, "privileges": []any{"read"}}}})
	target := explainTarget(t, out)
	mustContain(t, asJSON(target["roles_from"]), "application_roles logs-reader")
	if target["has_all_requested"] != true {
		t.Fatalf("bob = %s", dump(out))
	}
	all := h.CallOK(t, "explain_access", map[string]any{"member": cloudemu.DemoAliceEmail})
	mustContain(t, asJSON(all), "search-demo", `"viewer"`)
}

// A file-realm user who has logged in is found through their profile, and
// Elasticsearch's profile check confirms the answer.
func TestExplainAccessFileRealmUser(t *testing.T) {
	h := esHarness(t, "stack")
	if err := h.Sandbox.Stack.AddFileUser("ops-oncall", "oncall-password-1", []string{"logs-reader"}); err != nil {
		t.Fatal(err)
	}
	if err := esAdmin(t, h).Do(context.Background(), "POST", "/_security/profile/_activate", nil,
		map[string]any{"grant_type": "password", "username": "ops-oncall", "password": "oncall-password-1"}, nil); err != nil {
		t.Fatal(err)
	}
	out := h.CallOK(t, "explain_access", map[string]any{"username": "ops-oncall",
		"indices": []any{map[string]any{"names": []any{"logs-app"}, "privileges": []any{"read"}}}})
	mustContain(t, asJSON(out["principal"]), "realm default_file")
	target := explainTarget(t, out)
	if target["has_all_requested"] != true {
		t.Fatalf("ops-oncall = %s", dump(out))
	}
	mustContain(t, asJSON(target["method"]), "confirmed by Elasticsearch's user-profile privilege check")
	mustContain(t, asJSON(target["roles_from"]), "profile")
}

// "Give Alice access to apm-* in addition to her current roles", checked
// as the administrator before and after.
func TestScenario_AliceApmAccessExplained(t *testing.T) {
	h := esHarness(t, "stack")
	ask := map[string]any{"username": "alice", "indices": []any{map[string]any{"names": []any{"apm-*"}, "privileges": []any{"read", "view_index_metadata"}}},
		"kibana": []any{map[string]any{"features": map[string]any{"dashboard": []any{"read"}}}}}
	before := explainTarget(t, h.CallOK(t, "explain_access", ask))
	// The stack's viewer role already reads every index and Kibana: the
	// answer names it, so the agent can say so instead of adding a role.
	mustContain(t, asJSON(before["indices"]), `"granted_by":["viewer"]`)
	mustContain(t, asJSON(before["kibana"]), `"feature":"dashboard"`, `"granted_by":["viewer"]`)
	h.CallOK(t, "put_role", map[string]any{"name": "apm-reader", "description": "APM Reader",
		"indices": []any{map[string]any{"names": []any{"apm-*"}, "privileges": []any{"read", "view_index_metadata"}}}})
	h.CallOK(t, "update_user", map[string]any{"username": "alice", "add_roles": []any{"apm-reader"}})
	after := explainTarget(t, h.CallOK(t, "explain_access", ask))
	mustContain(t, asJSON(after["roles"]), "apm-reader", "logs-reader", "viewer")
	mustContain(t, asJSON(after["indices"]), `"granted_by":["apm-reader","viewer"]`)
}

// Serverless: "Give alice read-write access to the colors index": the
// custom role is created in the project and assigned through the Cloud API;
// explain_access then shows alice's access there, from the administrator.
func TestScenario_ServerlessColorsAccessForMember(t *testing.T) {
	h := esHarness(t, "stack", func(o *servertest.Options) { o.NoElasticsearch = true; o.NoKibana = true })
	p := h.Sandbox.CloudSeed.Projects["elasticsearch"]
	ask := map[string]any{"member": cloudemu.DemoAliceEmail, "project": p.Name,
		"indices": []any{map[string]any{"names": []any{"colors"}, "privileges": []any{"read", "write"}}}}
	before := explainTarget(t, h.CallOK(t, "explain_access", ask))
	if before["has_all_requested"] == true {
		t.Fatalf("alice can already write colors: %s", dump(before))
	}
	h.CallOK(t, "put_role", map[string]any{"project": p.Name, "name": "colors-rw", "description": "Colors Read Write",
		"indices": []any{map[string]any{"names": []any{"colors"}, "privileges": []any{"read", "write", "view_index_metadata"}}}})
	h.CallOK(t, "assign_project_custom_role", map[string]any{"member": cloudemu.DemoAliceEmail, "project": p.Name, "custom_role": "colors-rw", "replace_predefined": true})
	after := explainTarget(t, h.CallOK(t, "explain_access", ask))
	if after["has_all_requested"] != true {
		t.Fatalf("alice cannot write colors after the assignment: %s", dump(after))
	}
	mustContain(t, asJSON(after["roles_from"]), "application_roles colors-rw")
	mustContain(t, asJSON(after["indices"]), `"granted_by":["colors-rw"]`)
}

// "My API key returns 401 since yesterday": explained as expired, with what
// it could do when it was valid.
func TestScenario_ExpiredAPIKeyExplained(t *testing.T) {
	h := esHarness(t, "stack")
	asAdminUser := esAs(t, h, esapi.Config{Username: h.Sandbox.StackSeed.AdminUsername, Password: h.Sandbox.StackSeed.AdminPassword})
	created, err := asAdminUser.CreateAPIKey(context.Background(), esapi.CreateAPIKeyRequest{Name: "nightly-export", Expiration: "1ms",
		RoleDescriptors: map[string]esapi.RoleDescriptor{"export": {Indices: []esapi.IndexPrivileges{{Names: esapi.StringList{"logs-*"}, Privileges: []string{"read"}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	target := explainTarget(t, h.CallOK(t, "explain_access", map[string]any{"api_key_id": created.ID,
		"indices": []any{map[string]any{"names": []any{"logs-app"}, "privileges": []any{"read"}}}}))
	mustContain(t, asJSON(target["warnings"]), "expired")
	mustContain(t, asJSON(target["indices"]), `"granted_by":["export"]`)
}
