package stackemu

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/elastic/go-elasticsearch/v9"
)

// The application privileges API: put, get (all, by application, by name),
// delete, clear cache; definitions then decide _has_privileges for roles
// granting privilege names, action patterns and "*".
func TestApplicationPrivileges(t *testing.T) {
	e := newCleanEnv(t, FlavorStack)
	es := esClient(t, e, elasticsearch.WithBasicAuth(e.seed.AdminUsername, e.seed.AdminPassword))
	res, err := es.Security.PutPrivileges(strings.NewReader(`{"myapp":{
		"read":{"actions":["data:read/*","action:login"],"metadata":{"description":"Read access"}},
		"write":{"actions":["data:write/*","data:read/*","action:login"]},
		"admin":{"actions":["*"]}}}`))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("put privileges: %v %v", err, res)
	}
	if m := readBody(t, res.Body); m["myapp"].(map[string]any)["read"].(map[string]any)["created"] != true {
		t.Errorf("put: %v", m)
	}
	res.Body.Close()
	r := e.call("PUT", "/_security/privilege", e.admin, map[string]any{"myapp": map[string]any{"read": map[string]any{"actions": []string{"data:read/*", "action:login"}}}})
	expectStatus(t, r, 200)
	if r.get("myapp.read.created") != false {
		t.Errorf("second put: %s", r.raw)
	}
	expectError(t, e.call("PUT", "/_security/privilege", e.admin, map[string]any{"myapp": map[string]any{"bad": map[string]any{"actions": []string{"noslash"}}}}),
		400, "action_request_validation_exception", "Validation Failed: 1: action [noslash] must contain one of [/*:];")

	r = e.call("GET", "/_security/privilege/myapp/read", e.admin, nil)
	expectStatus(t, r, 200)
	if r.get("myapp.read.application") != "myapp" || len(r.get("myapp.read.actions").([]any)) != 2 || r.get("myapp.read.metadata") == nil {
		t.Errorf("get one: %s", r.raw)
	}
	r = e.call("GET", "/_security/privilege/myapp", e.admin, nil)
	if len(r.get("myapp").(map[string]any)) != 3 {
		t.Errorf("get app: %s", r.raw)
	}
	expectStatus(t, e.call("GET", "/_security/privilege/nosuchapp", e.admin, nil), 404)
	expectStatus(t, e.call("GET", "/_security/privilege/_builtin", e.admin, nil), 200)
	expectStatus(t, e.call("POST", "/_security/privilege/myapp/_clear_cache", e.admin, nil), 200)

	expectStatus(t, e.call("PUT", "/_security/role/app-reader", e.admin, map[string]any{
		"applications": []any{map[string]any{"application": "myapp", "privileges": []string{"read"}, "resources": []string{"shared/*"}}}}), 200)
	expectStatus(t, e.call("PUT", "/_security/role/app-actions", e.admin, map[string]any{
		"applications": []any{map[string]any{"application": "myapp*", "privileges": []string{"data:write/*"}, "resources": []string{"*"}}}}), 200)
	reader := e.newUser("reader", []string{"app-reader"})
	check := func(auth string, privs []string, resource string) map[string]any {
		t.Helper()
		r := e.call("POST", "/_security/user/_has_privileges", auth, map[string]any{
			"application": []any{map[string]any{"application": "myapp", "privileges": privs, "resources": []string{resource}}}})
		expectStatus(t, r, 200)
		return r.get("application.myapp." + strings.ReplaceAll(resource, ".", "\\.")).(map[string]any)
	}
	got := check(reader, []string{"read", "write", "admin", "data:read/docs", "data:write/docs", "unknown"}, "shared/a")
	want := map[string]bool{"read": true, "write": false, "admin": false, "data:read/docs": true, "data:write/docs": false, "unknown": false}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("reader on shared/a: %s = %v, want %v", p, got[p], w)
		}
	}
	if got := check(reader, []string{"read"}, "private/a"); got["read"] != false {
		t.Errorf("reader outside its resources: %v", got)
	}
	// An action-pattern grant under a wildcard application name covers the
	// privileges whose actions it includes, and no others.
	writer := e.newUser("writer", []string{"app-actions"})
	if got := check(writer, []string{"write", "data:write/x", "read"}, "any"); got["write"] != false || got["data:write/x"] != true || got["read"] != false {
		t.Errorf("writer: %v", got)
	}
	// Definitions decide the answer: once "read" is deleted, the reader's
	// role grants a name with no actions, so neither the name nor its former
	// actions are granted.
	res, err = es.Security.DeletePrivileges([]string{"read", "nosuch"}, "myapp")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("delete: %v %v", err, res)
	}
	if m := readBody(t, res.Body); m["myapp"].(map[string]any)["read"].(map[string]any)["found"] != true ||
		m["myapp"].(map[string]any)["nosuch"].(map[string]any)["found"] != false {
		t.Errorf("delete: %v", m)
	}
	res.Body.Close()
	expectStatus(t, e.call("DELETE", "/_security/privilege/myapp/read", e.admin, nil), 404)
	if got := check(reader, []string{"read", "data:read/docs"}, "shared/a"); got["read"] != false || got["data:read/docs"] != false {
		t.Errorf("reader after its privilege was deleted: %v", got)
	}
	// Reset brings back the checkpoint: no definitions.
	e.c.Reset()
	expectStatus(t, e.call("GET", "/_security/privilege/myapp", e.admin, nil), 404)
}

// GET /_security/user/_privileges merges the entries of several roles as
// Elasticsearch does and lists every section, decoded by the official
// client's own response type.
func TestGetUserPrivilegesInFull(t *testing.T) {
	e := newCleanEnv(t, FlavorStack)
	roles := map[string]any{
		"r1": map[string]any{"cluster": []string{"monitor"}, "run_as": []string{"svc-*"},
			"indices": []any{map[string]any{"names": []string{"logs-*"}, "privileges": []string{"read"},
				"field_security": map[string]any{"grant": []string{"*"}, "except": []string{"secret"}}, "query": `{"term":{"team":"a"}}`}},
			"applications":   []any{map[string]any{"application": "myapp", "privileges": []string{"read"}, "resources": []string{"a"}}},
			"global":         map[string]any{"application": map[string]any{"manage": map[string]any{"applications": []string{"myapp"}}}},
			"remote_indices": []any{map[string]any{"clusters": []string{"remote-*"}, "names": []string{"logs-*"}, "privileges": []string{"read"}}},
			"remote_cluster": []any{map[string]any{"clusters": []string{"remote-*"}, "privileges": []string{"monitor_enrich"}}}},
		"r2": map[string]any{"cluster": []string{"manage_own_api_key", "monitor"},
			"indices": []any{
				map[string]any{"names": []string{"logs-*"}, "privileges": []string{"view_index_metadata"}, "query": `{"term":{"team":"b"}}`},
				map[string]any{"names": []string{"metrics-*"}, "privileges": []string{"read"}}},
			"applications": []any{map[string]any{"application": "myapp", "privileges": []string{"read"}, "resources": []string{"b"}}}},
	}
	for name, body := range roles {
		expectStatus(t, e.call("PUT", "/_security/role/"+name, e.admin, body), 200)
	}
	pw := "pw-" + randomSecret(12)
	expectStatus(t, e.call("PUT", "/_security/user/multi", e.admin, map[string]any{"password": pw, "roles": []string{"r1", "r2"}}), 200)
	tc, err := elasticsearch.NewTyped(elasticsearch.WithAddresses(e.es.URL), elasticsearch.WithBasicAuth("multi", pw))
	if err != nil {
		t.Fatal(err)
	}
	got, err := tc.Security.GetUserPrivileges().Do(context.Background())
	if err != nil {
		t.Fatalf("get user privileges: %v", err)
	}
	raw, _ := json.Marshal(got)
	if strings.Join(got.Cluster, ",") != "manage_own_api_key,monitor" || strings.Join(got.RunAs, ",") != "svc-*" {
		t.Errorf("cluster/run_as: %s", raw)
	}
	if len(got.Indices) != 2 {
		t.Fatalf("indices not merged by names: %s", raw)
	}
	logs := got.Indices[0]
	if strings.Join(logs.Names, ",") != "logs-*" || len(logs.Privileges) != 2 || len(logs.Query) != 2 || len(logs.FieldSecurity) != 2 {
		t.Errorf("logs-* entry (privileges, both queries, the FLS group and the unrestricted one): %s", raw)
	}
	if got.Indices[1].FieldSecurity != nil || got.Indices[1].Query != nil {
		t.Errorf("metrics-* has neither FLS nor DLS: %s", raw)
	}
	if len(got.Applications) != 1 || strings.Join(got.Applications[0].Resources, ",") != "a,b" {
		t.Errorf("applications merged by privileges: %s", raw)
	}
	if len(got.Global) != 1 || len(got.RemoteIndices) != 1 || len(got.RemoteCluster) != 1 {
		t.Errorf("global/remote sections: %s", raw)
	}
	// Contract-checked through the helper too.
	expectStatus(t, e.call("GET", "/_security/user/_privileges", basic("multi", pw), nil), 200)
}
