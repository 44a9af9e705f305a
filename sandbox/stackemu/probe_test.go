package stackemu

import (
	"context"
	"testing"

	"github.com/elastic/go-elasticsearch/v9"
)

// Authentication comes first: without valid credentials every request gets
// 401 with WWW-Authenticate, whether its path exists, its method is allowed,
// its parameters are known or the API is available in this flavour.
func TestAuthenticationBeforeRouting(t *testing.T) {
	for _, f := range []Flavor{FlavorStack, FlavorServerless} {
		e := newCleanEnv(t, f)
		for _, tc := range []struct{ method, path, auth string }{
			{"GET", "/no/such/api", ""},
			{"DELETE", "/_security/_authenticate", ""},
			{"GET", "/_security/user?bogus=1", ""},
			{"PUT", "/_security/role/x", basic("admin", "wrong-password")},
			{"GET", "/_security/role_mapping", "ApiKey bm90LWEta2V5Om5vcGU="},
			{"GET", "/", "Bearer not-a-token"},
			{"GET", "/_cluster/health", ""},
		} {
			r := e.call(tc.method, tc.path, tc.auth, nil)
			if r.status != 401 || len(r.header.Values("WWW-Authenticate")) == 0 {
				t.Errorf("%s: %s %s without valid credentials: %d %v %s", f, tc.method, tc.path, r.status, r.header, r.raw)
			}
		}
		// The same requests, authenticated, reach routing.
		expectStatus(t, e.call("GET", "/no/such/api", e.admin, nil), 400)
		expectStatus(t, e.call("DELETE", "/_security/_authenticate", e.admin, nil), 405)
	}
}

// GET / and GET /_cluster/health answer an authenticated caller, through the
// official client as a login probe would.
func TestLoginProbes(t *testing.T) {
	e := newCleanEnv(t, FlavorStack)
	es := esClient(t, e, elasticsearch.WithBasicAuth(e.seed.AdminUsername, e.seed.AdminPassword))
	ctx := context.Background()
	info, err := es.Info()
	if err != nil || info.StatusCode != 200 {
		t.Fatalf("info: %v %v", err, info)
	}
	if m := readBody(t, info.Body); m["version"].(map[string]any)["number"] != Version {
		t.Errorf("info: %v", m)
	}
	info.Body.Close()
	res, err := es.Cluster.Health(es.Cluster.Health.WithContext(ctx), es.Cluster.Health.WithWaitForStatus("yellow"))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("health: %v %v", err, res)
	}
	if m := readBody(t, res.Body); m["status"] != "green" || m["cluster_name"] != "elastic-access-sandbox" || m["number_of_nodes"] != float64(1) {
		t.Errorf("health: %v", m)
	}
	res.Body.Close()
	bad := esClient(t, e, elasticsearch.WithBasicAuth("admin", "wrong-password"))
	res, err = bad.Cluster.Health()
	if err != nil || res.StatusCode != 401 {
		t.Fatalf("health with a wrong password: %v %v", err, res)
	}
	res.Body.Close()
	// Any authenticated principal with monitor may probe; one without is refused.
	noMonitor := e.newUser("plain", []string{})
	expectStatus(t, e.call("GET", "/_cluster/health", noMonitor, nil), 403)
}

// GET /_security/privilege/_builtin lists exactly the privileges of the
// version GET / reports (9.1: 63 cluster, 24 index, 2 remote_cluster).
func TestBuiltinPrivilegesMatchVersion(t *testing.T) {
	e := newCleanEnv(t, FlavorStack)
	if r := e.call("GET", "/", e.admin, nil); r.str("version.number") != "9.1.5" {
		t.Fatalf("version: %s", r.raw)
	}
	r := e.call("GET", "/_security/privilege/_builtin", e.admin, nil)
	expectStatus(t, r, 200)
	cluster, index := r.get("cluster").([]any), r.get("index").([]any)
	if len(cluster) != 63 || len(index) != 24 || len(r.get("remote_cluster").([]any)) != 2 {
		t.Errorf("%d cluster, %d index privileges: %s", len(cluster), len(index), r.raw)
	}
	has := func(l []any, s string) bool {
		for _, v := range l {
			if v == s {
				return true
			}
		}
		return false
	}
	if !has(cluster, "monitor_esql") || !has(index, "read_failure_store") || !has(index, "manage_failure_store") || has(cluster, "manage_esql") {
		t.Errorf("9.1 additions: %s", r.raw)
	}
	// The new names are usable in roles, and only "all" implies the
	// failure-store privileges.
	expectStatus(t, e.call("PUT", "/_security/role/fs", e.admin, map[string]any{"cluster": []string{"monitor_esql"},
		"indices": []any{map[string]any{"names": []string{"logs-*"}, "privileges": []string{"read", "manage"}}}}), 200)
	r = e.call("POST", "/_security/user/_has_privileges", e.newUser("fs", []string{"fs"}), map[string]any{
		"index": []any{map[string]any{"names": []string{"logs-1"}, "privileges": []string{"read_failure_store", "manage_failure_store", "read"}}}})
	if r.get("index.logs-1.read_failure_store") != false || r.get("index.logs-1.manage_failure_store") != false || r.get("index.logs-1.read") != true {
		t.Errorf("failure store privileges: %s", r.raw)
	}
	r = e.call("POST", "/_security/user/_has_privileges", e.admin, map[string]any{
		"index": []any{map[string]any{"names": []string{"logs-1"}, "privileges": []string{"read_failure_store", "manage_failure_store"}}}})
	if r.body["has_all_requested"] != true {
		t.Errorf("superuser and the failure store: %s", r.raw)
	}
}
