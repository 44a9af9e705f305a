package tools_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/server"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
)

// Acceptance scenarios of workflows.md §17.2–§17.4, driven through the MCP
// tools and checked in the cluster, with _has_privileges as the created
// user or key where the emulator can evaluate it.

func esCheck(t *testing.T, c *esapi.Client, req esapi.HasPrivilegesRequest) *esapi.HasPrivilegesResult {
	t.Helper()
	res, err := c.HasPrivileges(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func esRead(names ...string) esapi.HasPrivilegesRequest {
	var r esapi.HasPrivilegesRequest
	for _, n := range names {
		r.Index = append(r.Index, esapi.IndexPrivilegeCheck{Names: []string{n}, Privileges: []string{"read"}})
	}
	return r
}

func esUserClient(t *testing.T, h *servertest.Harness, username string, out map[string]any) *esapi.Client {
	t.Helper()
	return esAs(t, h, esapi.Config{Username: username, Password: esPasswordOf(t, out)})
}

// "Create a user joe with read-only access to logs-*."
func TestScenarioJoeReadOnlyOnLogs(t *testing.T) {
	h := esHarness(t, "stack")
	if _, err := esAdmin(t, h).DeleteUser(context.Background(), "joe"); err != nil { // the demo's joe is someone else
		t.Fatal(err)
	}
	// Decompose: check existing roles first and reuse a match.
	roles := h.CallOK(t, "get_roles", map[string]any{"names": []any{"logs-reader"}})
	r := asMap(asList(roles["roles"])[0])
	idx := asMap(asList(r["indices"])[0])
	if dump(idx["names"]) != `["logs-*"]` || dump(idx["privileges"]) != `["read","view_index_metadata"]` || r["cluster"] != nil {
		t.Fatalf("logs-reader is not the read-only role: %s", dump(r))
	}
	out := h.CallOK(t, "create_user", map[string]any{"username": "joe", "roles": []any{"logs-reader"}})
	joe := esUserClient(t, h, "joe", out)
	res := esCheck(t, joe, esapi.HasPrivilegesRequest{Index: []esapi.IndexPrivilegeCheck{
		{Names: []string{"logs-app"}, Privileges: []string{"read", "view_index_metadata", "write"}},
		{Names: []string{"metrics-app"}, Privileges: []string{"read"}},
	}})
	if !res.Index["logs-app"]["read"] || !res.Index["logs-app"]["view_index_metadata"] || res.Index["logs-app"]["write"] || res.Index["metrics-app"]["read"] {
		t.Fatalf("joe's privileges = %+v", res.Index)
	}
}

// "Create a user analyst with read-only access to logs-* and metrics-* and
// view dashboards in Kibana."
func TestScenarioAnalystLogsMetricsDashboards(t *testing.T) {
	h := esHarness(t, "stack")
	out := h.CallOK(t, "put_role", map[string]any{"name": "logs-metrics-dashboard-viewer", "description": "Logs Metrics Dashboard Viewer",
		"indices": []any{map[string]any{"names": []any{"logs-*", "metrics-*"}, "privileges": []any{"read", "view_index_metadata"}}},
		"kibana":  []any{map[string]any{"features": map[string]any{"dashboard": []any{"read"}}, "spaces": []any{"*"}}}})
	if out["via"] != "kibana" {
		t.Fatalf("Kibana privileges must go through the Kibana role API: %s", dump(out))
	}
	out = h.CallOK(t, "create_user", map[string]any{"username": "analyst", "roles": []any{"logs-metrics-dashboard-viewer"}})
	analyst := esUserClient(t, h, "analyst", out)
	req := esRead("logs-web", "metrics-host")
	req.Index = append(req.Index, esapi.IndexPrivilegeCheck{Names: []string{"logs-web"}, Privileges: []string{"write"}})
	req.Application = []esapi.ApplicationPrivileges{{Application: "kibana-.kibana", Privileges: []string{"feature_dashboard.read", "feature_dashboard.all"}, Resources: []string{"space:default"}}}
	res := esCheck(t, analyst, req)
	if !res.Index["logs-web"]["read"] || !res.Index["metrics-host"]["read"] || res.Index["logs-web"]["write"] {
		t.Fatalf("index privileges = %+v", res.Index)
	}
	app := res.Application["kibana-.kibana"]["space:default"]
	if !app["feature_dashboard.read"] || app["feature_dashboard.all"] {
		t.Fatalf("Kibana privileges = %+v", res.Application)
	}
}

// "Give Alice access to apm-* in addition to her current roles."
func TestScenarioAliceGetsAPMWithoutLosingRoles(t *testing.T) {
	h := esHarness(t, "stack")
	before := asStrings(asMap(asList(h.CallOK(t, "get_users", map[string]any{"usernames": []any{"alice"}})["users"])[0])["roles"])
	if !slices.Contains(before, "viewer") {
		t.Fatalf("alice's roles = %v", before)
	}
	h.CallOK(t, "put_role", map[string]any{"name": "apm-reader", "description": "APM Reader",
		"indices": []any{map[string]any{"names": []any{"apm-*"}, "privileges": []any{"read", "view_index_metadata"}}}})
	out := h.CallOK(t, "update_user", map[string]any{"username": "alice", "add_roles": []any{"apm-reader"}})
	if dump(out["roles_added"]) != `["apm-reader"]` || out["roles_removed"] != nil {
		t.Fatalf("update = %s", dump(out))
	}
	u, _ := esReadUser(t, h, "alice")
	for _, r := range append(before, "apm-reader") {
		if !slices.Contains(u.Roles, r) {
			t.Fatalf("alice lost %s: %v", r, u.Roles)
		}
	}
	if u.Email == nil || *u.Email != "alice@example.com" {
		t.Fatalf("alice lost her email: %+v", u)
	}
	pw := h.CallOK(t, "reset_user_password", map[string]any{"username": "alice"})
	res := esCheck(t, esUserClient(t, h, "alice", pw), esRead("apm-7.0", "logs-app"))
	if !res.Index["apm-7.0"]["read"] || !res.Index["logs-app"]["read"] {
		t.Fatalf("alice's access = %+v", res.Index)
	}
}

// FLS: customers readable without PII fields.
func TestScenarioPIIRedactedReader(t *testing.T) {
	h := esHarness(t, "stack")
	h.CallOK(t, "put_role", map[string]any{"name": "customers-reader-no-pii", "description": "Customers Reader",
		"indices": []any{map[string]any{"names": []any{"customers-*"}, "privileges": []any{"read", "view_index_metadata"},
			"field_security": map[string]any{"grant": []any{"*"}, "except": []any{"ssn", "credit_card"}}}}})
	r, _ := esReadRole(t, h, "customers-reader-no-pii")
	if fs := r.Indices[0].FieldSecurity; fs == nil || dump(fs.Except) != `["ssn","credit_card"]` || dump(fs.Grant) != `["*"]` {
		t.Fatalf("FLS = %+v", r.Indices[0])
	}
	out := h.CallOK(t, "create_user", map[string]any{"username": "support", "roles": []any{"customers-reader-no-pii"}})
	res := esCheck(t, esUserClient(t, h, "support", out), esRead("customers-eu", "logs-app"))
	if !res.Index["customers-eu"]["read"] || res.Index["logs-app"]["read"] {
		t.Fatalf("support's access = %+v", res.Index)
	}
	view := h.CallOK(t, "get_roles", map[string]any{"names": []any{"customers-reader-no-pii"}})
	mustContain(t, dump(view), `"fls":"grant * except ssn,credit_card"`)
}

// DLS: an EMEA-only reader.
func TestScenarioEMEALogsReaderWithDLS(t *testing.T) {
	h := esHarness(t, "stack")
	h.CallOK(t, "put_role", map[string]any{"name": "emea-logs-reader", "description": "EMEA Logs Reader",
		"indices": []any{map[string]any{"names": []any{"logs-*"}, "privileges": []any{"read", "view_index_metadata"},
			"query": `{"term":{"region":"emea"}}`}}})
	r, _ := esReadRole(t, h, "emea-logs-reader")
	if r.Indices[0].Query != `{"term":{"region":"emea"}}` {
		t.Fatalf("DLS query = %q", r.Indices[0].Query)
	}
	out := h.CallOK(t, "create_user", map[string]any{"username": "emea-analyst", "roles": []any{"emea-logs-reader"}})
	if res := esCheck(t, esUserClient(t, h, "emea-analyst", out), esRead("logs-app")); !res.Index["logs-app"]["read"] {
		t.Fatalf("emea-analyst cannot read logs: %+v", res.Index)
	}
	mustContain(t, dump(h.CallOK(t, "get_roles", map[string]any{"names": []any{"emea-logs-reader"}})), `"dls":"static"`)
}

// "Each manager should only see HR records from their own department, and
// PII fields should be hidden."
func TestScenarioHRDepartmentViewer(t *testing.T) {
	h := esHarness(t, "stack")
	if _, err := esAdmin(t, h).DeleteRole(context.Background(), "hr-department-viewer"); err != nil { // start from scratch
		t.Fatal(err)
	}
	h.CallOK(t, "put_role", map[string]any{"name": "hr-department-viewer", "description": "HR Department Viewer",
		"indices": []any{map[string]any{"names": []any{"hr-records*"}, "privileges": []any{"read", "view_index_metadata"},
			"query":          map[string]any{"template": map[string]any{"source": `{"term":{"department":"{{_user.metadata.department}}"}}`}},
			"field_security": map[string]any{"grant": []any{"*"}, "except": []any{"ssn", "salary", "date_of_birth"}}}}})
	r, _ := esReadRole(t, h, "hr-department-viewer")
	var q map[string]any
	if err := json.Unmarshal([]byte(r.Indices[0].Query), &q); err != nil || !strings.Contains(dump(q), "{{_user.metadata.department}}") {
		t.Fatalf("templated query = %s", r.Indices[0].Query)
	}
	out := h.CallOK(t, "create_user", map[string]any{"username": "finance-manager", "roles": []any{"hr-department-viewer"}, "metadata": map[string]any{"department": "finance"}})
	u, _ := esReadUser(t, h, "finance-manager")
	if u.Metadata["department"] != "finance" {
		t.Fatalf("metadata = %v", u.Metadata)
	}
	if res := esCheck(t, esUserClient(t, h, "finance-manager", out), esRead("hr-records-2026")); !res.Index["hr-records-2026"]["read"] {
		t.Fatalf("manager cannot read HR records: %+v", res.Index)
	}
	view := asMap(asList(h.CallOK(t, "get_roles", map[string]any{"names": []any{"hr-department-viewer"}})["roles"])[0])
	mustContain(t, dump(view), `"dls":"templated"`, "except ssn,salary,date_of_birth")
}

// SAML and LDAP role mappings: static roles with a compound rule (created
// disabled, then enabled), and groups as roles through a template.
func TestScenarioSAMLAndLDAPRoleMappings(t *testing.T) {
	h := esHarness(t, "stack")
	saml := map[string]any{"name": "saml-log-readers", "roles": []any{"logs-reader"},
		"rules": map[string]any{"all": []any{
			map[string]any{"field": map[string]any{"realm.name": "saml1"}},
			map[string]any{"field": map[string]any{"groups": "log-readers"}},
			map[string]any{"except": map[string]any{"field": map[string]any{"username": "svc-*"}}},
		}},
		"metadata": map[string]any{"owner": "platform-team"}}
	out := h.CallOK(t, "put_role_mapping", saml)
	if out["created"] != true {
		t.Fatalf("create = %s", dump(out))
	}
	if m, _ := esReadMapping(t, h, "saml-log-readers"); m.Enabled {
		t.Fatal("a first mapping must be stored disabled")
	}
	saml["enabled"] = true
	out = h.CallOK(t, "put_role_mapping", saml)
	mustContain(t, dump(out["changes"]), "enabled: false -> true")
	if asList(out["changes"]) == nil || len(asList(out["changes"])) != 1 {
		t.Fatalf("only enabled should change: %s", dump(out["changes"]))
	}
	m, _ := esReadMapping(t, h, "saml-log-readers")
	if !m.Enabled || m.Roles[0] != "logs-reader" || !strings.Contains(dump(m.Rules), `"except"`) {
		t.Fatalf("stored = %+v", m)
	}
	h.CallOK(t, "put_role_mapping", map[string]any{"name": "ldap-groups-as-roles", "enabled": true,
		"role_templates": []any{map[string]any{"template": map[string]any{"source": "{{#tojson}}groups{{/tojson}}"}, "format": "json"}},
		"rules":          map[string]any{"field": map[string]any{"realm.name": "ldap1"}}})
	got := h.CallOK(t, "get_role_mappings", map[string]any{"names": []any{"ldap-groups-as-roles"}})
	mustContain(t, dump(got), `json:{{#tojson}}groups{{/tojson}}`)
}

// "Create an API key that can only read from metrics-*."
func TestScenarioMetricsReaderAPIKey(t *testing.T) {
	h := esHarness(t, "stack", func(o *servertest.Options) { o.ESBasicAuth = true })
	out := h.CallOK(t, "create_es_api_key", map[string]any{"name": "metrics-reader-key", "expiration": "90d",
		"role_descriptors": map[string]any{"metrics-reader": map[string]any{"indices": []any{map[string]any{"names": []any{"metrics-*"}, "privileges": []any{"read", "view_index_metadata"}}}}}})
	loc := servertest.SecretLocation(t, out, "api_key_location")
	doc := servertest.ReadSecret(t, loc)
	if strings.Contains(dump(out), doc.Secret) || doc.Fields["id"] != out["id"] {
		t.Fatalf("key output = %s", dump(out))
	}
	key := esAs(t, h, esapi.Config{APIKey: doc.Secret})
	me, err := key.Authenticate(context.Background())
	if err != nil || me.APIKey == nil || me.APIKey.Name != "metrics-reader-key" {
		t.Fatalf("authenticate as the key: %+v %v", me, err)
	}
	res := esCheck(t, key, esRead("metrics-host", "logs-app"))
	if !res.Index["metrics-host"]["read"] || res.Index["logs-app"]["read"] {
		t.Fatalf("key's access = %+v", res.Index)
	}
	listed := h.CallOK(t, "list_es_api_keys", map[string]any{"name": "metrics-*", "status": "active"})
	if int(listed["total"].(float64)) != 1 || dump(asMap(asList(listed["keys"])[0])["role_descriptors"]) != `["metrics-reader"]` {
		t.Fatalf("listed = %s", dump(listed))
	}
}

// "I get a 403 when searching logs-*": whoami, check_privileges (false),
// grant logs-reader, check again.
func TestScenario403Troubleshooting(t *testing.T) {
	admin := esHarness(t, "stack")
	created := admin.CallOK(t, "create_user", map[string]any{"username": "carol", "roles": []any{"dashboard-reader"}})
	pw := esPasswordOf(t, created)

	// The server as carol.
	opts := servertest.Options{Elicit: servertest.Accept}
	cfg := admin.Config(opts)
	cfg.Elasticsearch.APIKey, cfg.Elasticsearch.Username, cfg.Elasticsearch.Password = "", "carol", pw
	cfg.Kibana.APIKey, cfg.Kibana.Username, cfg.Kibana.Password = "", "carol", pw
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	carol := servertest.Connect(t, srv, opts)
	call := func(name string, args map[string]any) map[string]any {
		res := servertest.CallTool(t, carol, name, args)
		if res.IsError {
			t.Fatalf("%s: %s", name, servertest.Text(res))
		}
		var m map[string]any
		b, _ := json.Marshal(res.StructuredContent)
		_ = json.Unmarshal(b, &m)
		return m
	}
	who := asMap(call("whoami", nil)["elasticsearch"])
	if who["username"] != "carol" || dump(who["roles"]) != `["dashboard-reader"]` || who["realm_type"] != "native" {
		t.Fatalf("whoami = %s", dump(who))
	}
	check := map[string]any{"indices": []any{map[string]any{"names": []any{"logs-*"}, "privileges": []any{"read"}}}}
	out := call("check_privileges", check)
	if out["has_all_requested"] != false || dump(out["missing"]) != `["index logs-*: read"]` {
		t.Fatalf("check = %s", dump(out))
	}
	mustContain(t, dump(out["explanation"]), "put_role", "update_user add_roles")
	// Carol cannot change her own roles: a 403 with the next step.
	res := servertest.CallTool(t, carol, "get_users", map[string]any{})
	if !res.IsError || !strings.Contains(servertest.Text(res), "403") {
		t.Fatalf("get_users as carol = %s", servertest.Text(res))
	}

	// The administrator reuses logs-reader and adds it.
	admin.CallOK(t, "update_user", map[string]any{"username": "carol", "add_roles": []any{"logs-reader"}})
	out = call("check_privileges", check)
	if out["has_all_requested"] != true {
		t.Fatalf("after the fix = %s", dump(out))
	}
}
