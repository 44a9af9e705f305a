package stackemu

import (
	"strings"
	"testing"
)

func TestRolePutGetDelete(t *testing.T) {
	e := newEnv(t, FlavorStack)
	body := map[string]any{
		"description": "EMEA Sales Reader",
		"cluster":     []string{"MONITOR"},
		"indices": []any{map[string]any{"names": "sales-*", "privileges": []string{"read"},
			"query": map[string]any{"term": map[string]any{"region": "emea"}}}},
		"metadata": map[string]any{"version": 1},
	}
	// names as a string: the reference (§4.2) accepts it; the contract's
	// schema allows it too (IndexName | IndexName[]).
	r := e.call("PUT", "/_security/role/emea-sales-reader", e.admin, body)
	expectStatus(t, r, 200)
	if r.get("role.created") != true {
		t.Fatalf("created: %s", r.raw)
	}
	r = e.call("POST", "/_security/role/emea-sales-reader", e.admin, body)
	if r.get("role.created") != false {
		t.Fatalf("second put: %s", r.raw)
	}
	r = e.call("GET", "/_security/role/emea-sales-reader", e.admin, nil)
	expectStatus(t, r, 200)
	role := r.body["emea-sales-reader"].(map[string]any)
	idx := role["indices"].([]any)[0].(map[string]any)
	if q, ok := idx["query"].(string); !ok || q != `{"term":{"region":"emea"}}` {
		t.Errorf("query must round-trip as a string: %#v", idx["query"])
	}
	if names := idx["names"].([]any); len(names) != 1 || names[0] != "sales-*" {
		t.Errorf("names = %v", idx["names"])
	}
	if idx["allow_restricted_indices"] != false {
		t.Errorf("allow_restricted_indices must always be written: %v", idx)
	}
	if c := role["cluster"].([]any); c[0] != "monitor" {
		t.Errorf("cluster privileges are lowercased: %v", c)
	}
	for _, k := range []string{"applications", "run_as", "transient_metadata"} {
		if _, ok := role[k]; !ok {
			t.Errorf("%s must always be present", k)
		}
	}
	if role["description"] != "EMEA Sales Reader" {
		t.Errorf("description = %v", role["description"])
	}

	// Reserved roles are visible, and all-roles GET includes both kinds.
	r = e.call("GET", "/_security/role/superuser,nope", e.admin, nil)
	expectStatus(t, r, 200)
	if r.get("superuser.metadata._reserved") != true || len(r.body) != 1 {
		t.Errorf("superuser: %s", r.raw)
	}
	r = e.call("GET", "/_security/role", e.admin, nil)
	for _, n := range []string{"superuser", "viewer", "editor", "kibana_admin", "logs-reader", "emea-sales-reader"} {
		if _, ok := r.body[n]; !ok {
			t.Errorf("GET /_security/role lacks %s", n)
		}
	}
	r = e.call("GET", "/_security/role/nope,nada", e.admin, nil)
	expectStatus(t, r, 404)
	if string(r.raw) != "{}" {
		t.Errorf("404 body %s", r.raw)
	}

	expectStatus(t, e.call("DELETE", "/_security/role/emea-sales-reader", e.admin, nil), 200)
	r = e.call("DELETE", "/_security/role/emea-sales-reader", e.admin, nil)
	expectStatus(t, r, 404)
	if string(r.raw) != `{"found":false}` {
		t.Errorf("body %s", r.raw)
	}
	expectError(t, e.call("DELETE", "/_security/role/superuser", e.admin, nil), 400, "illegal_argument_exception",
		"role [superuser] is reserved and cannot be deleted")
	// An empty body creates a role with no privileges.
	expectStatus(t, e.call("PUT", "/_security/role/empty", e.admin, map[string]any{}), 200)
}

func TestRoleValidation(t *testing.T) {
	e := newEnv(t, FlavorStack)
	long := strings.Repeat("d", 2049)
	cases := []struct {
		name, role string
		body       any
		typ        string
		reason     string
	}{
		{"reserved", "superuser", map[string]any{}, "action_request_validation_exception",
			"Validation Failed: 1: Role [superuser] is reserved and may not be used.;"},
		{"unknown cluster privilege", "r1", map[string]any{"cluster": []string{"bad_cluster_privilege"}},
			"action_request_validation_exception",
			"Validation Failed: 1: " + unknownClusterPrivilegeMsg(FlavorStack, "bad_cluster_privilege") + ";"},
		{"unknown index privilege", "r1", map[string]any{"indices": []any{map[string]any{"names": []string{"a"}, "privileges": []string{"reed"}}}},
			"action_request_validation_exception",
			"Validation Failed: 1: " + unknownIndexPrivilegeMsg("reed") + ";"},
		{"two errors", "r1", map[string]any{"cluster": []string{"nope"}, "metadata": map[string]any{"_k": 1}},
			"action_request_validation_exception",
			"Validation Failed: 1: " + unknownClusterPrivilegeMsg(FlavorStack, "nope") + ";2: role descriptor metadata keys may not start with [_];"},
		{"600 chars", strings.Repeat("r", 600), map[string]any{}, "action_request_validation_exception",
			"Validation Failed: 1: " + roleNameMsg(507) + ";"},
		{"non-ascii", "r%C3%A9le", map[string]any{}, "validation_exception", "Validation Failed: 1: " + roleNameMsg(1024) + ";"},
		{"unexpected field", "r1", map[string]any{"clusters": []string{}}, "parse_exception",
			"failed to parse role [r1]. unexpected field [clusters]"},
		{"names empty", "r1", map[string]any{"indices": []any{map[string]any{"names": []string{}, "privileges": []string{"read"}}}},
			"parse_exception", "failed to parse indices privileges for role [r1]. [names] cannot be an empty array"},
		{"privileges missing", "r1", map[string]any{"indices": []any{map[string]any{"names": []string{"a"}}}},
			"parse_exception", "failed to parse indices privileges for role [r1]. missing required [privileges] field"},
		{"privileges empty", "r1", map[string]any{"indices": []any{map[string]any{"names": []string{"a"}, "privileges": []string{}}}},
			"illegal_argument_exception", "indices privileges must define at least one privilege"},
		{"fls empty", "r1", map[string]any{"indices": []any{map[string]any{"names": []string{"a"}, "privileges": []string{"read"}, "field_security": map[string]any{}}}},
			"parse_exception", `"field_security" must not be empty.`},
		{"fls except without grant", "r1", map[string]any{"indices": []any{map[string]any{"names": []string{"a"}, "privileges": []string{"read"}, "field_security": map[string]any{"except": []string{"x"}}}}},
			"parse_exception", "field_security requires grant if except is given"},
		{"fls other key", "r1", map[string]any{"indices": []any{map[string]any{"names": []string{"a"}, "privileges": []string{"read"}, "field_security": map[string]any{"deny": []string{"x"}}}}},
			"parse_exception", `"field_security" only accepts options grant and except, but got: deny`},
		{"query wrong type", "r1", map[string]any{"indices": []any{map[string]any{"names": []string{"a"}, "privileges": []string{"read"}, "query": 5}}},
			"parse_exception", "failed to parse indices privileges for role [r1]. expected field [query] value to be null, a string, an array, or an object, but found [VALUE_NUMBER] instead"},
		{"bad dls", "r1", map[string]any{"indices": []any{map[string]any{"names": []string{"a", "b"}, "privileges": []string{"read"}, "query": `{"has_child":{"type":"x"}}`}}},
			"parse_exception", "failed to parse field 'query' for indices [a,b] at index privilege [0] of role descriptor"},
		{"metadata not object", "r1", map[string]any{"metadata": []string{}}, "parse_exception",
			"expected field [metadata] to be of type object, but found [START_ARRAY] instead"},
		{"description too long", "r1", map[string]any{"description": long}, "action_request_validation_exception",
			"Validation Failed: 1: Role description must be less than 2048 characters.;"},
		{"not an object", "r1", []string{}, "parse_exception", "failed to parse role [r1]. expected an object but found [START_ARRAY] instead"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectError(t, e.call("PUT", "/_security/role/"+tc.role, e.admin, tc.body), 400, tc.typ, tc.reason)
		})
	}
	r := e.call("PUT", "/_security/role/r1", e.admin, map[string]any{"indices": []any{map[string]any{"names": []string{"a"},
		"privileges": []string{"read"}, "query": `{"has_child":{"type":"x"}}`}}})
	if r.get("error.caused_by.reason") != "has_child query isn't supported as part of a role query" {
		t.Errorf("caused_by = %v", r.get("error.caused_by"))
	}
	// Templated queries are not validated at write time; objects too.
	expectStatus(t, e.call("PUT", "/_security/role/abac", e.admin, map[string]any{"indices": []any{map[string]any{
		"names": []string{"hr-*"}, "privileges": []string{"read"},
		"query": map[string]any{"template": map[string]any{"source": `{"term":{"dept":"{{_user.metadata.department}}"}}`}}}}}), 200)
	// Exactly 2048 characters are accepted.
	expectStatus(t, e.call("PUT", "/_security/role/r2048", e.admin, map[string]any{"description": strings.Repeat("d", 2048)}), 200)
	// Raw action patterns are valid cluster privileges.
	expectStatus(t, e.call("PUT", "/_security/role/raw", e.admin, map[string]any{"cluster": []string{"cluster:monitor/*"}}), 200)
	// DLS and FLS seeded roles read back with their restrictions.
	r = e.call("GET", "/_security/role/pii-redacted-reader", e.admin, nil)
	fs := r.get("pii-redacted-reader").(map[string]any)["indices"].([]any)[0].(map[string]any)["field_security"].(map[string]any)
	if fs["except"].([]any)[0] != "ssn" {
		t.Errorf("field_security = %v", fs)
	}
}

func TestBulkRoles(t *testing.T) {
	e := newEnv(t, FlavorStack)
	expectStatus(t, e.call("PUT", "/_security/role/b", e.admin, map[string]any{"cluster": []string{"monitor"}}), 200)
	r := e.call("POST", "/_security/role", e.admin, map[string]any{"roles": map[string]any{
		"my_user_role":  map[string]any{"cluster": []string{"monitor"}},
		"b":             map[string]any{"cluster": []string{"monitor"}},
		"logs-reader":   map[string]any{"cluster": []string{"manage"}},
		"my_admin_role": map[string]any{"cluster": []string{"bad_cluster_privilege"}},
		"superuser":     map[string]any{},
	}})
	expectStatus(t, r, 200)
	if got := r.get("created").([]any); len(got) != 1 || got[0] != "my_user_role" {
		t.Errorf("created = %v", got)
	}
	if got := r.get("noop").([]any); len(got) != 1 || got[0] != "b" {
		t.Errorf("noop = %v", got)
	}
	if got := r.get("updated").([]any); len(got) != 1 || got[0] != "logs-reader" {
		t.Errorf("updated = %v", got)
	}
	if r.get("errors.count") != 2.0 {
		t.Errorf("errors = %v", r.get("errors"))
	}
	if got := r.str("errors.details.superuser.reason"); got != "Validation Failed: 1: Role [superuser] is reserved and may not be used.;" {
		t.Errorf("superuser error = %q", got)
	}
	if got := r.str("errors.details.my_admin_role.type"); got != "action_request_validation_exception" {
		t.Errorf("type = %q", got)
	}
	r = e.call("DELETE", "/_security/role", e.admin, map[string]any{"names": []string{"my_user_role", "ghost", "superuser"}})
	expectStatus(t, r, 200)
	if r.get("deleted").([]any)[0] != "my_user_role" || r.get("not_found").([]any)[0] != "ghost" {
		t.Errorf("bulk delete: %s", r.raw)
	}
	if got := r.str("errors.details.superuser.reason"); got != "role [superuser] is reserved and cannot be deleted" {
		t.Errorf("reason = %q", got)
	}
}

func TestQueryRoles(t *testing.T) {
	e := newEnv(t, FlavorStack)
	r := e.call("POST", "/_security/_query/role", e.admin, map[string]any{
		"query": map[string]any{"match": map[string]any{"description": map[string]any{"query": "reader"}}},
		"sort":  []any{map[string]any{"name": map[string]any{"order": "asc"}}}})
	expectStatus(t, r, 200)
	roles := r.body["roles"].([]any)
	if len(roles) < 3 {
		t.Fatalf("roles = %s", r.raw)
	}
	if roles[0].(map[string]any)["name"] != "dashboard-reader" {
		t.Errorf("first = %v", roles[0].(map[string]any)["name"])
	}
	for _, x := range roles {
		if x.(map[string]any)["metadata"].(map[string]any)["_reserved"] == true {
			t.Error("_query/role must not return reserved roles")
		}
	}
	r = e.call("POST", "/_security/_query/role", e.admin, map[string]any{
		"query": map[string]any{"term": map[string]any{"applications.application": map[string]any{"value": "kibana-.kibana"}}}})
	if r.body["count"] != 1.0 {
		t.Errorf("application query: %s", r.raw)
	}
	r = e.call("POST", "/_security/_query/role", e.admin, map[string]any{
		"query": map[string]any{"term": map[string]any{"name": map[string]any{"value": "none-such"}}}})
	if string(r.raw) != `{"count":0,"roles":[],"total":0}` {
		t.Errorf("no match: %s", r.raw)
	}
}

func TestBuiltinPrivileges(t *testing.T) {
	e := newEnv(t, FlavorStack)
	r := e.call("GET", "/_security/privilege/_builtin", e.admin, nil)
	expectStatus(t, r, 200)
	cl := r.get("cluster").([]any)
	if cl[0] != "all" || len(cl) < 50 {
		t.Errorf("cluster = %v", cl)
	}
	want := strings.Join([]string{"all", "auto_configure", "create", "create_doc", "create_index", "cross_cluster_replication",
		"cross_cluster_replication_internal", "delete", "delete_index", "index", "maintenance", "manage",
		"manage_data_stream_lifecycle", "manage_failure_store", "manage_follow_index", "manage_ilm", "manage_leader_index", "monitor",
		"none", "read", "read_cross_cluster", "read_failure_store", "view_index_metadata", "write"}, ",")
	var got []string
	for _, x := range r.get("index").([]any) {
		got = append(got, x.(string))
	}
	if strings.Join(got, ",") != want {
		t.Errorf("index = %v", got)
	}
	// The unknown-privilege list runs from least to most privileged.
	msg := unknownClusterPrivilegeMsg(FlavorStack, "x")
	if strings.Index(msg, "manage_security") > strings.Index(msg, ",all]") || strings.Index(msg, "monitor,") > strings.Index(msg, "manage,") {
		t.Errorf("ordering: %s", msg)
	}
}
