package tools_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/fault"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

func esReadMapping(t *testing.T, h *servertest.Harness, name string) (esapi.RoleMapping, bool) {
	t.Helper()
	m, err := esAdmin(t, h).GetRoleMappings(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := m[name]
	return r, ok
}

func TestESRoleMappings(t *testing.T) {
	h := esHarness(t, "stack")
	out := h.CallOK(t, "get_role_mappings", map[string]any{})
	if len(asList(out["role_mappings"])) != 2 {
		t.Fatalf("seed mappings = %s", dump(out))
	}
	out = h.CallOK(t, "get_role_mappings", map[string]any{"role": "superuser"})
	if len(asList(out["role_mappings"])) != 1 || asMap(asList(out["role_mappings"])[0])["name"] != "saml-admins" {
		t.Fatalf("by role = %s", dump(out))
	}
	// Rule DSL is validated before any call.
	for _, tc := range []struct {
		rules any
		want  string
	}{
		{map[string]any{"except": map[string]any{"field": map[string]any{"username": "x"}}}, "only directly inside an all"},
		{map[string]any{"field": map[string]any{"groups": "a"}, "any": []any{}}, "several keys"},
		{map[string]any{"all": map[string]any{"field": map[string]any{"groups": "a"}}}, "must be an array"},
		{map[string]any{"field": map[string]any{"groups": map[string]any{"x": 1}}}, "field value"},
		{map[string]any{"match": map[string]any{"groups": "a"}}, `"match" is not a rule`},
	} {
		mustContain(t, h.CallErr(t, "put_role_mapping", map[string]any{"name": "m", "roles": []any{"viewer"}, "rules": tc.rules}), tc.want, "Nothing was changed")
	}
	mustContain(t, h.CallErr(t, "put_role_mapping", map[string]any{"name": "m", "rules": map[string]any{"field": map[string]any{"groups": "a"}}}), "exactly one of roles and role_templates")
	if _, ok := esReadMapping(t, h, "m"); ok {
		t.Fatal("an invalid mapping was stored")
	}
	// A new mapping is stored disabled by default.
	out = h.CallOK(t, "put_role_mapping", map[string]any{"name": "groups-as-roles",
		"role_templates": []any{map[string]any{"template": map[string]any{"source": "{{#tojson}}groups{{/tojson}}"}, "format": "json"}},
		"rules":          map[string]any{"field": map[string]any{"realm.name": "ldap1"}}})
	mustContain(t, dump(out["warnings"]), "stored disabled")
	m, ok := esReadMapping(t, h, "groups-as-roles")
	if !ok || m.Enabled || len(m.RoleTemplates) != 1 {
		t.Fatalf("stored = %+v", m)
	}
	// Dry run of the overwrite (enable) shows the change and sends nothing.
	out = h.CallOK(t, "put_role_mapping", map[string]any{"name": "groups-as-roles", "enabled": true, "dry_run": true,
		"role_templates": []any{map[string]any{"template": map[string]any{"source": "{{#tojson}}groups{{/tojson}}"}, "format": "json"}},
		"rules":          map[string]any{"field": map[string]any{"realm.name": "ldap1"}}})
	mustContain(t, dump(out["changes"]), "enabled: false -> true")
	if m, _ := esReadMapping(t, h, "groups-as-roles"); m.Enabled {
		t.Fatal("dry run enabled the mapping")
	}
	// Upstream failure.
	h.Sandbox.Stack.ElasticsearchFaults().Add(fault.Fault{Method: "DELETE", Path: "/_security/role_mapping/*", Kind: fault.Status, Status: 503, Times: 10})
	mustContain(t, h.CallErr(t, "delete_role_mappings", map[string]any{"names": []any{"groups-as-roles"}}), "503")
	h.Sandbox.Stack.ElasticsearchFaults().Clear()
	out = h.CallOK(t, "delete_role_mappings", map[string]any{"names": []any{"groups-as-roles", "nope"}})
	if dump(out["deleted"]) != `["groups-as-roles"]` || dump(out["not_found"]) != `["nope"]` {
		t.Fatalf("delete = %s", dump(out))
	}
	// Serverless has none.
	sl := esHarness(t, "serverless")
	mustContain(t, sl.CallErr(t, "get_role_mappings", map[string]any{}), "Role mappings do not exist on Elasticsearch Serverless")
	mustContain(t, sl.CallErr(t, "put_role_mapping", map[string]any{"name": "m", "roles": []any{"viewer"}, "rules": map[string]any{"field": map[string]any{"groups": "a"}}}), "Serverless")
}

func TestESMappingToSuperuserNeedsApproval(t *testing.T) {
	h := esHarness(t, "stack", func(o *servertest.Options) { o.Elicit = servertest.Decline })
	mustContain(t, h.CallErr(t, "put_role_mapping", map[string]any{"name": "everyone-admin", "enabled": true, "roles": []any{"superuser"},
		"rules": map[string]any{"field": map[string]any{"realm.name": "saml1"}}}), "declined")
	if _, ok := esReadMapping(t, h, "everyone-admin"); ok {
		t.Fatal("declined mapping stored")
	}
}

func TestESAPIKeys(t *testing.T) {
	// Keys with privileges must be created by a user: an API key may only
	// derive keys without privileges.
	h := esHarness(t, "stack", func(o *servertest.Options) { o.ESBasicAuth = true })
	ctx := context.Background()
	out := h.CallOK(t, "list_es_api_keys", map[string]any{})
	if int(out["total"].(float64)) != 2 {
		t.Fatalf("seed keys = %s", dump(out))
	}
	// Validation: expiration required and capped, names, privileges.
	mustContain(t, h.CallErr(t, "create_es_api_key", map[string]any{"name": "k", "role_descriptors": map[string]any{"r": map[string]any{"cluster": []any{"monitor"}}}}), "expiration is required")
	mustContain(t, h.CallErr(t, "create_es_api_key", map[string]any{"name": "k", "expiration": "365d", "role_descriptors": map[string]any{"r": map[string]any{"cluster": []any{"monitor"}}}}), "longer than this server allows (90d)")
	mustContain(t, h.CallErr(t, "create_es_api_key", map[string]any{"name": "_k", "expiration": "1d", "role_descriptors": map[string]any{"r": map[string]any{"cluster": []any{"monitor"}}}}), "underscore")
	mustContain(t, h.CallErr(t, "create_es_api_key", map[string]any{"name": "k", "expiration": "1d", "role_descriptors": map[string]any{"r": map[string]any{"cluster": []any{"monitr"}}}}), "unknown cluster privilege")
	mustContain(t, h.CallErr(t, "create_es_api_key", map[string]any{"name": "k", "expiration": "1d", "role_descriptors": map[string]any{}}), "role_descriptors")
	mustContain(t, h.CallErr(t, "create_es_api_key", map[string]any{"name": "k", "expiration": "1d", "role_descriptors": map[string]any{"r": map[string]any{}}}), "grants nothing")
	// Dry run: nothing created, no secret.
	out = h.CallOK(t, "create_es_api_key", map[string]any{"name": "dry", "expiration": "1d", "dry_run": true,
		"role_descriptors": map[string]any{"r": map[string]any{"cluster": []any{"monitor"}}}})
	if out["dry_run"] != true || out["api_key_location"] != nil || len(h.SecretFiles(t)) != 0 {
		t.Fatalf("dry run = %s", dump(out))
	}
	if n := h.CallOK(t, "list_es_api_keys", map[string]any{"name": "dry"}); int(n["total"].(float64)) != 0 {
		t.Fatal("dry run created a key")
	}
	// Invalidation: by name, never the server's own key.
	h2 := esHarness(t, "stack")
	mustContain(t, h2.CallErr(t, "invalidate_es_api_keys", map[string]any{"name": "sandbox-admin"}), "credential this server runs with")
	mustContain(t, h2.CallErr(t, "invalidate_es_api_keys", map[string]any{"name": "ci-*"}), "exact")
	mustContain(t, h2.CallErr(t, "invalidate_es_api_keys", map[string]any{}), "exactly one of ids and name")
	out = h2.CallOK(t, "invalidate_es_api_keys", map[string]any{"name": "ci-metrics"})
	if len(asList(out["invalidated"])) != 1 {
		t.Fatalf("invalidate = %s", dump(out))
	}
	listed := h2.CallOK(t, "list_es_api_keys", map[string]any{"status": "invalidated"})
	if int(listed["total"].(float64)) != 1 || asMap(asList(listed["keys"])[0])["name"] != "ci-metrics" {
		t.Fatalf("invalidated list = %s", dump(listed))
	}
	listed = h2.CallOK(t, "list_es_api_keys", map[string]any{"status": "active"})
	keys := asList(listed["keys"])
	if len(keys) != 1 || asMap(keys[0])["is_server_credential"] != true {
		t.Fatalf("active list = %s", dump(listed))
	}
	// With the server's API key, a key with privileges is refused by
	// Elasticsearch, and the tool says why.
	mustContain(t, h2.CallErr(t, "create_es_api_key", map[string]any{"name": "k", "expiration": "1d", "role_descriptors": map[string]any{"r": map[string]any{"cluster": []any{"monitor"}}}}),
		"may only create keys without privileges", "ELASTICSEARCH_USERNAME")
	_ = ctx
}

func TestESAPIKeyExpirationLimitIsTheOperators(t *testing.T) {
	h := esHarness(t, "stack", func(o *servertest.Options) {
		o.ESBasicAuth = true
		o.Limits = toolkit.Limits{MaxCloudKeyExpiration: time.Hour, MaxESKeyExpiration: 7 * 24 * time.Hour}
	})
	mustContain(t, h.CallErr(t, "create_es_api_key", map[string]any{"name": "k", "expiration": "8d", "role_descriptors": map[string]any{"r": map[string]any{"cluster": []any{"monitor"}}}}), "(7d)")
	out := h.CallOK(t, "create_es_api_key", map[string]any{"name": "k", "expiration": "7d", "role_descriptors": map[string]any{"r": map[string]any{"cluster": []any{"monitor"}}}})
	exp, err := time.Parse(time.RFC3339, out["expires"].(string))
	if err != nil || time.Until(exp) > 7*24*time.Hour+time.Minute || time.Until(exp) < 7*24*time.Hour-time.Hour {
		t.Fatalf("expires = %v (%v)", out["expires"], err)
	}
}

func TestESCheckPrivilegesAndAccessReview(t *testing.T) {
	h := esHarness(t, "stack")
	out := h.CallOK(t, "check_privileges", map[string]any{})
	if out["has_all_requested"] != true || out["username"] != "admin" {
		t.Fatalf("admin default check = %s", dump(out))
	}
	mustContain(t, h.CallErr(t, "check_privileges", map[string]any{"cluster": []any{"manage_evrything"}}), "unknown cluster privilege")
	out = h.CallOK(t, "check_privileges", map[string]any{"indices": []any{map[string]any{"names": []any{"logs-*"}, "privileges": []any{"read"}}},
		"kibana": []any{map[string]any{"features": map[string]any{"dashboard": []any{"read"}}}}})
	if out["has_all_requested"] != true {
		t.Fatalf("superuser lacks something: %s", dump(out))
	}

	rev := h.CallOK(t, "access_review", map[string]any{})
	text := dump(rev["findings"])
	mustContain(t, text, "role_mapping:saml-admins", "user:admin", "api_key:sandbox-admin")
	var mappingSev string
	for _, f := range asList(rev["findings"]) {
		if asMap(f)["principal"] == "role_mapping:saml-admins" {
			mappingSev = asMap(f)["severity"].(string)
		}
	}
	if mappingSev != "medium" && mappingSev != "high" {
		t.Fatalf("saml-admins mapping severity = %q", mappingSev)
	}
	// A disabled user with a privileged role, and a broad superuser mapping.
	if err := h.Sandbox.Stack.PutUser("old-admin", "old-admin-pw", []string{"superuser"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := esAdmin(t, h).SetUserEnabled(context.Background(), "old-admin", false); err != nil {
		t.Fatal(err)
	}
	if _, err := esAdmin(t, h).PutRoleMapping(context.Background(), "all-saml-admins", esapi.RoleMapping{Enabled: true, Roles: []string{"superuser"},
		Rules: map[string]any{"field": map[string]any{"realm.name": "saml1"}}}); err != nil {
		t.Fatal(err)
	}
	rev = h.CallOK(t, "access_review", map[string]any{"min_severity": "low"})
	found := map[string]string{}
	for _, f := range asList(rev["findings"]) {
		found[asMap(f)["principal"].(string)] = asMap(f)["severity"].(string) + " " + asMap(f)["issue"].(string)
	}
	if !strings.HasPrefix(found["user:old-admin"], "medium disabled") || !strings.HasPrefix(found["role_mapping:all-saml-admins"], "high") {
		t.Fatalf("findings = %v", found)
	}
	high := h.CallOK(t, "access_review", map[string]any{"min_severity": "high"})
	for _, f := range asList(high["findings"]) {
		if asMap(f)["severity"] != "high" {
			t.Fatalf("min_severity high returned %v", f)
		}
	}
	// Serverless: no users or mappings, but roles and keys are reviewed.
	sl := esHarness(t, "serverless")
	rev = sl.CallOK(t, "access_review", map[string]any{})
	mustContain(t, dump(rev["reviewed"]), "not on Serverless", "roles")
}
