package tools_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/tools"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/fault"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
)

func TestESGetRoles(t *testing.T) {
	h := esHarness(t, "stack")
	out := h.CallOK(t, "get_roles", map[string]any{})
	var names []string
	for _, r := range asList(out["roles"]) {
		names = append(names, asMap(r)["name"].(string))
		if asMap(r)["definition"] != nil {
			t.Fatalf("compact output carries a definition: %v", r)
		}
	}
	if slices.Contains(names, "superuser") || !slices.Contains(names, "logs-reader") || !slices.Contains(names, "pii-redacted-reader") {
		t.Fatalf("roles = %v; built-in roles must be hidden by default", names)
	}
	// Named built-in roles are returned, marked; missing names are listed.
	out = h.CallOK(t, "get_roles", map[string]any{"names": []any{"superuser", "pii-redacted-reader", "nope"}, "full": true})
	roles := asList(out["roles"])
	if len(roles) != 2 || asStrings(out["missing"])[0] != "nope" {
		t.Fatalf("named = %s", dump(out))
	}
	pii := asMap(roles[0])
	if pii["name"] != "pii-redacted-reader" {
		pii = asMap(roles[1])
	}
	idx := asMap(asList(pii["indices"])[0])
	if idx["dls"] != "static" || !strings.Contains(idx["fls"].(string), "except ssn,credit_card") {
		t.Fatalf("DLS/FLS markers = %v", idx)
	}
	if def := asMap(pii["definition"]); def == nil || !strings.Contains(dump(def), `region`) {
		t.Fatalf("full definition = %v", pii["definition"])
	}
	// Built-in on request, and pages.
	h.Sandbox.Stack.AddRoles(30)
	page := servertest.CallAs[tools.GetRolesOutput](t, h, "get_roles", map[string]any{"include_built_in": true, "limit": 20})
	total, seen := page.Total, len(page.Roles)
	for page.NextCursor != "" {
		page = servertest.CallAs[tools.GetRolesOutput](t, h, "get_roles", map[string]any{"include_built_in": true, "limit": 20, "cursor": page.NextCursor})
		seen += len(page.Roles)
	}
	if seen != total || total < 36+10 {
		t.Fatalf("paged %d of %d roles", seen, total)
	}
	mustContain(t, h.CallErr(t, "get_roles", map[string]any{"cursor": "garbage"}), "cursor")
}

func TestESPutRoleCreateAndValidate(t *testing.T) {
	h := esHarness(t, "stack")
	// Validation failures: nothing is sent.
	for _, tc := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"name": "bad", "cluster": []any{"manage_everything"}}, `unknown cluster privilege "manage_everything"`},
		{map[string]any{"name": "bad", "indices": []any{map[string]any{"names": []any{"logs-*"}, "privileges": []any{"reed"}}}}, `unknown index privilege "reed" (did you mean read`},
		{map[string]any{"name": "bad", "indices": []any{map[string]any{"names": []any{"logs-*"}, "privileges": []any{"read"}, "query": "{not json"}}}, "not a JSON object"},
		{map[string]any{"name": "bad", "metadata": map[string]any{"_secret": 1}}, "may not start with _"},
		{map[string]any{"name": " bad"}, "Leading or trailing whitespace"},
		{map[string]any{"name": "bad", "kibana": []any{map[string]any{"base": []any{"all"}, "features": map[string]any{"dashboard": []any{"read"}}}}}, "either base or features"},
		{map[string]any{"name": "bad", "kibana": []any{map[string]any{"features": map[string]any{"dashboard": []any{"read"}}, "spaces": []any{"Marketing"}}}}, "is not a space id"},
		{map[string]any{"name": "bad", "indices": []any{map[string]any{"names": []any{"x"}, "privileges": []any{"read"}, "field_security": map[string]any{"except": []any{"*"}}}}}, "except cannot be [*]"},
	} {
		mustContain(t, h.CallErr(t, "put_role", tc.args), tc.want, "Nothing was changed")
	}
	if _, ok := esReadRole(t, h, "bad"); ok {
		t.Fatal("an invalid role was created")
	}

	// Success: DLS as an object, FLS except-only (grant defaults to *).
	out := h.CallOK(t, "put_role", map[string]any{
		"name": "emea-sales-reader", "description": "EMEA Sales Reader",
		"indices": []any{map[string]any{"names": []any{"sales-*"}, "privileges": []any{"read", "view_index_metadata"},
			"query": map[string]any{"term": map[string]any{"region": "emea"}}, "field_security": map[string]any{"except": []any{"ssn"}}}},
	})
	if out["created"] != true || out["via"] != "elasticsearch" {
		t.Fatalf("put_role = %s", dump(out))
	}
	r, ok := esReadRole(t, h, "emea-sales-reader")
	if !ok || r.Indices[0].Query != `{"term":{"region":"emea"}}` || r.Indices[0].FieldSecurity.Grant[0] != "*" || r.Indices[0].FieldSecurity.Except[0] != "ssn" {
		t.Fatalf("stored role = %+v", r)
	}

	// Built-in roles are never modified.
	mustContain(t, h.CallErr(t, "put_role", map[string]any{"name": "superuser", "cluster": []any{"monitor"}}), "built-in role")
}

func TestESPutRoleTemplatedQueryIsWrapped(t *testing.T) {
	h := esHarness(t, "stack")
	out := h.CallOK(t, "put_role", map[string]any{"name": "dept-reader", "indices": []any{map[string]any{
		"names": []any{"hr-*"}, "privileges": []any{"read"},
		"query": `{"term":{"department":"{{_user.metadata.department}}"}}`}}})
	mustContain(t, dump(out["warnings"]), "wrapped into a template")
	r, _ := esReadRole(t, h, "dept-reader")
	var q map[string]any
	if err := json.Unmarshal([]byte(r.Indices[0].Query), &q); err != nil || asMap(q["template"])["source"] == nil {
		t.Fatalf("stored query = %s", r.Indices[0].Query)
	}
}

func TestESPutRoleOverwriteShowsDiffAndNeedsApproval(t *testing.T) {
	h := esHarness(t, "stack", func(o *servertest.Options) { o.Elicit = servertest.Decline })
	args := map[string]any{"name": "logs-reader", "description": "Logs Reader",
		"indices": []any{map[string]any{"names": []any{"logs-*", "apm-*"}, "privileges": []any{"read", "view_index_metadata"}}}}
	// The dry run shows the difference without asking and without sending.
	out := h.CallOK(t, "put_role", map[string]any{"name": args["name"], "description": args["description"], "indices": args["indices"], "dry_run": true})
	mustContain(t, dump(out["changes"]), "indices:", "apm-*")
	if out["dry_run"] != true || len(asList(out["would_send"])) != 1 || out["created"] != false {
		t.Fatalf("dry run = %s", dump(out))
	}
	r, _ := esReadRole(t, h, "logs-reader")
	if len(r.Indices[0].Names) != 1 {
		t.Fatal("the dry run changed the role")
	}
	// A declined approval changes nothing.
	mustContain(t, h.CallErr(t, "put_role", args), "declined")
	r, _ = esReadRole(t, h, "logs-reader")
	if len(r.Indices[0].Names) != 1 {
		t.Fatal("the declined overwrite changed the role")
	}
	// The same definition again is a no-op without a prompt.
	same := h.CallOK(t, "put_role", map[string]any{"name": "logs-reader", "description": "Logs Reader",
		"indices": []any{map[string]any{"names": []any{"logs-*"}, "privileges": []any{"read", "view_index_metadata"}}}})
	mustContain(t, dump(same["warnings"]), "nothing was changed")
}

func TestESPutRoleSuperuserLikeNeedsApproval(t *testing.T) {
	for _, args := range []map[string]any{
		{"name": "ops-all", "cluster": []any{"all"}},
		{"name": "ops-all", "indices": []any{map[string]any{"names": []any{"*"}, "privileges": []any{"all"}}}},
		{"name": "ops-all", "run_as": []any{"*"}},
		{"name": "ops-all", "cluster": []any{"manage_security"}},
	} {
		declining := esHarness(t, "stack", func(o *servertest.Options) { o.Elicit = servertest.Decline })
		mustContain(t, declining.CallErr(t, "put_role", args), "declined")
		if _, ok := esReadRole(t, declining, "ops-all"); ok {
			t.Fatalf("%v was created without approval", args)
		}
	}
	h := esHarness(t, "stack")
	out := h.CallOK(t, "put_role", map[string]any{"name": "ops-all", "cluster": []any{"all"}})
	mustContain(t, dump(out["warnings"]), "superuser-like")
	// A client that cannot elicit is refused.
	noElicit := esHarness(t, "stack", func(o *servertest.Options) { o.Elicit = nil })
	mustContain(t, noElicit.CallErr(t, "put_role", map[string]any{"name": "ops-all", "cluster": []any{"all"}}), "cannot show a confirmation prompt")
}

func TestESPutRoleKibanaPrivileges(t *testing.T) {
	h := esHarness(t, "stack")
	out := h.CallOK(t, "put_role", map[string]any{"name": "logs-dashboard-viewer", "description": "Logs Dashboard Viewer",
		"indices": []any{map[string]any{"names": []any{"logs-*"}, "privileges": []any{"read", "view_index_metadata"}}},
		"kibana":  []any{map[string]any{"features": map[string]any{"dashboard": []any{"read"}, "discover": []any{"read"}}}}})
	if out["via"] != "kibana" {
		t.Fatalf("with Kibana configured the role goes through Kibana: %s", dump(out))
	}
	r, _ := esReadRole(t, h, "logs-dashboard-viewer")
	if dump(r.Applications) != `[{"application":"kibana-.kibana","privileges":["feature_dashboard.read","feature_discover.read"],"resources":["*"]}]` {
		t.Fatalf("applications = %s", dump(r.Applications))
	}

	// Without Kibana: the Elasticsearch form, with a warning.
	nk := esHarness(t, "stack", func(o *servertest.Options) { o.NoKibana = true })
	out = nk.CallOK(t, "put_role", map[string]any{"name": "dashboard-viewer-marketing",
		"kibana": []any{map[string]any{"features": map[string]any{"dashboard": []any{"read"}}, "spaces": []any{"marketing"}}}})
	if out["via"] != "elasticsearch" {
		t.Fatalf("via = %v", out["via"])
	}
	mustContain(t, dump(out["warnings"]), "Kibana is not configured")
	r, _ = esReadRole(t, nk, "dashboard-viewer-marketing")
	if dump(r.Applications) != `[{"application":"kibana-.kibana","privileges":["feature_dashboard.read"],"resources":["space:marketing"]}]` {
		t.Fatalf("applications = %s", dump(r.Applications))
	}
}

func TestESPutRoleUpstreamFailure(t *testing.T) {
	h := esHarness(t, "stack")
	h.Sandbox.Stack.ElasticsearchFaults().Add(fault.Fault{Method: "PUT", Path: "/_security/role/*", Kind: fault.Status, Status: 500, Times: 5})
	text := h.CallErr(t, "put_role", map[string]any{"name": "metrics-reader", "indices": []any{map[string]any{"names": []any{"metrics-*"}, "privileges": []any{"read"}}}})
	mustContain(t, text, "500", "retry later")
	if _, ok := esReadRole(t, h, "metrics-reader"); ok {
		t.Fatal("role exists after a failed call")
	}
	// The cluster's own validation error is reported as it is.
	h.Sandbox.Stack.ElasticsearchFaults().Clear()
	text = h.CallErr(t, "put_role", map[string]any{"name": "dls-bad", "indices": []any{map[string]any{"names": []any{"x"}, "privileges": []any{"read"}, "query": map[string]any{"has_child": map[string]any{}}}}})
	mustContain(t, text, "400", "has_child")
}

func TestESDeleteRoles(t *testing.T) {
	h := esHarness(t, "stack", func(o *servertest.Options) { o.Legacy = true })
	mustContain(t, h.CallErr(t, "delete_roles", map[string]any{"names": []any{"superuser"}}), "built-in role")
	out := h.CallOK(t, "delete_roles", map[string]any{"names": []any{"logs-reader"}, "dry_run": true})
	if out["dry_run"] != true || !strings.Contains(dump(out["would_send"]), "DELETE") {
		t.Fatalf("dry run = %s", dump(out))
	}
	if _, ok := esReadRole(t, h, "logs-reader"); !ok {
		t.Fatal("the dry run deleted the role")
	}
	out = h.CallOK(t, "delete_roles", map[string]any{"names": []any{"logs-reader", "never-existed"}})
	if dump(out["deleted"]) != `["logs-reader"]` || dump(out["not_found"]) != `["never-existed"]` {
		t.Fatalf("delete = %s", dump(out))
	}
	// alice still names the role: reported.
	mustContain(t, dump(out["users_still_naming_them"]), "alice (logs-reader)")
	if _, ok := esReadRole(t, h, "logs-reader"); ok {
		t.Fatal("role still exists")
	}
	declining := esHarness(t, "stack", func(o *servertest.Options) { o.Elicit = servertest.Decline })
	declining.CallErr(t, "delete_roles", map[string]any{"names": []any{"metrics-writer"}})
	if _, ok := esReadRole(t, declining, "metrics-writer"); !ok {
		t.Fatal("declined delete removed the role")
	}
}

func TestESRolesServerless(t *testing.T) {
	h := esHarness(t, "serverless")
	out := h.CallOK(t, "put_role", map[string]any{"name": "marketing-reader", "description": "Marketing Reader",
		"indices": []any{map[string]any{"names": []any{"marketing-*"}, "privileges": []any{"read", "view_index_metadata"}}}})
	if out["created"] != true {
		t.Fatalf("put_role on serverless = %s", dump(out))
	}
	mustContain(t, h.CallErr(t, "put_role", map[string]any{"name": "ops", "run_as": []any{"bob"}}), "not available on Serverless")
	mustContain(t, h.CallErr(t, "put_role", map[string]any{"name": "-bad-name"}), "role naming rule")
	got := h.CallOK(t, "get_roles", map[string]any{"names": []any{"marketing-reader"}})
	if len(asList(got["roles"])) != 1 {
		t.Fatalf("get_roles = %s", dump(got))
	}
	del := h.CallOK(t, "delete_roles", map[string]any{"names": []any{"marketing-reader"}})
	if fmt.Sprint(del["deleted"]) != "[marketing-reader]" {
		t.Fatalf("delete = %s", dump(del))
	}
}
