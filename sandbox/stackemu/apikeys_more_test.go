package stackemu

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/elastic/go-elasticsearch/v9"
	"github.com/elastic/go-elasticsearch/v9/typedapi/security/bulkupdateapikeys"
)

// POST /_security/api_key/_bulk_update reaches its own handler (it used to
// be taken for PUT /_security/api_key/{id} and answered 405), updates the
// caller's keys, reports no-ops, and errors per key for keys it cannot touch.
func TestBulkUpdateAPIKeys(t *testing.T) {
	e := newCleanEnv(t, FlavorStack)
	owner := e.newUser("owner", []string{})
	expectStatus(t, e.call("PUT", "/_security/role/own-keys", e.admin, map[string]any{"cluster": []string{"manage_own_api_key"}}), 200)
	expectStatus(t, e.call("PUT", "/_security/user/owner", e.admin, map[string]any{"roles": []string{"own-keys"}}), 200)
	_, a := e.createKey(owner, map[string]any{"name": "a"})
	_, b := e.createKey(owner, map[string]any{"name": "b", "metadata": map[string]any{"env": "prod"}})
	_, other := e.createKey(e.admin, map[string]any{"name": "not-owners"})

	pw := "pw-" + randomSecret(12)
	expectStatus(t, e.call("PUT", "/_security/user/owner/_password", e.admin, map[string]any{"password": pw}), 200)
	owner = basic("owner", pw)
	es := esClient(t, e, elasticsearch.WithBasicAuth("owner", pw))
	res, err := es.Security.BulkUpdateAPIKeys(strings.NewReader(
		`{"ids":["` + a + `","` + b + `","` + other + `"],"metadata":{"env":"prod"}}`))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("bulk update: %v %v", err, res)
	}
	var out bulkupdateapikeys.Response
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if len(out.Updated) != 1 || out.Updated[0] != a || len(out.Noops) != 1 || out.Noops[0] != b {
		t.Errorf("updated %v, noops %v", out.Updated, out.Noops)
	}
	if out.Errors == nil || out.Errors.Count != 1 || out.Errors.Details[other].Type != "resource_not_found_exception" {
		t.Errorf("errors %+v", out.Errors)
	}
	r := e.call("GET", "/_security/api_key?id="+a, e.admin, nil)
	if r.get("api_keys").([]any)[0].(map[string]any)["metadata"].(map[string]any)["env"] != "prod" {
		t.Errorf("key a after bulk update: %s", r.raw)
	}
	// The same request through the contract-checked helper.
	r = e.call("POST", "/_security/api_key/_bulk_update", owner, map[string]any{"ids": []string{a, b}, "metadata": map[string]any{"env": "prod"}})
	expectStatus(t, r, 200)
	if len(r.get("noops").([]any)) != 2 || r.get("errors") != nil {
		t.Errorf("repeated bulk update: %s", r.raw)
	}
	expectError(t, e.call("POST", "/_security/api_key/_bulk_update", owner, map[string]any{"ids": []string{}}), 400,
		"action_request_validation_exception", "Validation Failed: 1: Field [ids] cannot be empty;")
	// Without manage_own_api_key: 403.
	nobody := e.newUser("nobody", []string{})
	r = e.call("POST", "/_security/api_key/_bulk_update", nobody, map[string]any{"ids": []string{a}})
	expectStatus(t, r, 403)
}

func TestClearAPIKeyCache(t *testing.T) {
	e := newCleanEnv(t, FlavorStack)
	es := esClient(t, e, elasticsearch.WithBasicAuth(e.seed.AdminUsername, e.seed.AdminPassword))
	res, err := es.Security.ClearAPIKeyCache([]string{"*"})
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("clear cache: %v %v", err, res)
	}
	if m := readBody(t, res.Body); m["_nodes"].(map[string]any)["successful"] != float64(1) {
		t.Errorf("clear cache: %v", m)
	}
	res.Body.Close()
	expectStatus(t, e.call("POST", "/_security/api_key/a,b/_clear_cache", e.admin, nil), 200) // contract-checked
	// manage_api_key is not enough: the cache action needs manage_security.
	expectStatus(t, e.call("PUT", "/_security/role/key-admin", e.admin, map[string]any{"cluster": []string{"manage_api_key"}}), 200)
	r := e.call("POST", "/_security/api_key/a,b/_clear_cache", e.newUser("keyadmin", []string{"key-admin"}), nil)
	expectStatus(t, r, 403)
}

// with_limited_by needs manage_api_key; the 403 names exactly the
// privileges that would grant the request.
func TestWithLimitedByNeedsManageAPIKey(t *testing.T) {
	e := newCleanEnv(t, FlavorStack)
	expectStatus(t, e.call("PUT", "/_security/role/own-keys", e.admin, map[string]any{"cluster": []string{"manage_own_api_key"}}), 200)
	owner := e.newUser("owner", []string{"own-keys"})
	_, id := e.createKey(owner, map[string]any{"name": "mine"})
	expectStatus(t, e.call("GET", "/_security/api_key?owner=true", owner, nil), 200)
	r := e.call("GET", "/_security/api_key?owner=true&with_limited_by=true", owner, nil)
	expectError(t, r, 403, "security_exception", "action [cluster:admin/xpack/security/api_key/get] is unauthorized for user [owner] "+
		"with effective roles [own-keys], this action is granted by the cluster privileges [read_security,manage_api_key,manage_security,all]")
	r = e.call("POST", "/_security/_query/api_key?with_limited_by=true", owner, map[string]any{})
	expectStatus(t, r, 403)
	r = e.call("GET", "/_security/api_key?id="+id+"&with_limited_by=true", e.admin, nil)
	expectStatus(t, r, 200)
	if r.get("api_keys").([]any)[0].(map[string]any)["limited_by"] == nil {
		t.Errorf("admin with_limited_by: %s", r.raw)
	}
}

// Invalidation: an own request names manage_own_api_key among the granting
// privileges; a request for other users' keys does not.
func TestInvalidateForbiddenMessages(t *testing.T) {
	e := newCleanEnv(t, FlavorStack)
	nobody := e.newUser("nobody", []string{})
	expectError(t, e.call("DELETE", "/_security/api_key", nobody, map[string]any{"owner": true}), 403, "security_exception",
		"action [cluster:admin/xpack/security/api_key/invalidate] is unauthorized for user [nobody] with effective roles [], "+
			"this action is granted by the cluster privileges [manage_own_api_key,manage_api_key,manage_security,all]")
	expectError(t, e.call("DELETE", "/_security/api_key", nobody, map[string]any{"ids": []string{"x"}}), 403, "security_exception",
		"action [cluster:admin/xpack/security/api_key/invalidate] is unauthorized for user [nobody] with effective roles [], "+
			"this action is granted by the cluster privileges [manage_api_key,manage_security,all]")
}

// _query/api_key: query, sort, from/size and search_after as the docs show.
func TestQueryAPIKeysPaging(t *testing.T) {
	e := newCleanEnv(t, FlavorStack)
	for _, n := range []string{"k1", "k2", "k3", "k4", "k5"} {
		e.createKey(e.admin, map[string]any{"name": n, "metadata": map[string]any{"team": "a"}})
	}
	e.createKey(e.admin, map[string]any{"name": "other", "metadata": map[string]any{"team": "b"}})
	query := map[string]any{"bool": map[string]any{"must": []any{
		map[string]any{"prefix": map[string]any{"name": map[string]any{"value": "k"}}},
		map[string]any{"term": map[string]any{"metadata.team": map[string]any{"value": "a"}}},
	}}}
	r := e.call("POST", "/_security/_query/api_key", e.admin, map[string]any{
		"query": query, "sort": []any{map[string]any{"name": map[string]any{"order": "desc"}}}, "from": 1, "size": 2})
	expectStatus(t, r, 200)
	names := func(r resp) []string {
		var out []string
		for _, k := range r.get("api_keys").([]any) {
			out = append(out, k.(map[string]any)["name"].(string))
		}
		return out
	}
	if got := strings.Join(names(r), ","); got != "k4,k3" || r.body["total"] != float64(5) || r.body["count"] != float64(2) {
		t.Fatalf("page: %s (%s)", got, r.raw)
	}
	last := r.get("api_keys").([]any)[1].(map[string]any)["_sort"]
	r = e.call("POST", "/_security/_query/api_key", e.admin, map[string]any{
		"query": query, "sort": []any{map[string]any{"name": map[string]any{"order": "desc"}}}, "size": 10, "search_after": last})
	expectStatus(t, r, 200)
	if got := strings.Join(names(r), ","); got != "k2,k1" {
		t.Fatalf("search_after: %s (%s)", got, r.raw)
	}
}

// The request of the query API keys docs example: shorthand term, prefix
// and wildcard queries, from/size, and a sort on creation (date_time format)
// then name; the returned _sort values feed search_after.
func TestQueryAPIKeysDocsExample(t *testing.T) {
	e := newCleanEnv(t, FlavorStack)
	for i := 1; i <= 4; i++ {
		e.createKey(e.admin, map[string]any{"name": "app1-key-0" + string(rune('0'+i)), "metadata": map[string]any{"environment": "production"}})
	}
	e.createKey(e.admin, map[string]any{"name": "app1-key-05", "metadata": map[string]any{"environment": "staging"}})
	body := map[string]any{
		"query": map[string]any{"bool": map[string]any{
			"must":     []any{map[string]any{"prefix": map[string]any{"name": "app1-key-"}}, map[string]any{"term": map[string]any{"invalidated": "false"}}},
			"must_not": []any{map[string]any{"term": map[string]any{"name": "app1-key-01"}}},
			"filter":   []any{map[string]any{"wildcard": map[string]any{"username": "ad*"}}, map[string]any{"term": map[string]any{"metadata.environment": "production"}}},
		}},
		"from": 0, "size": 2,
		"sort": []any{map[string]any{"creation": map[string]any{"order": "desc", "format": "date_time"}}, "name"},
	}
	// The contract describes only the long query forms (contracts/README).
	r := e.callOffContract("POST", "/_security/_query/api_key", e.admin, body)
	expectStatus(t, r, 200)
	if r.body["total"] != float64(3) || r.body["count"] != float64(2) {
		t.Fatalf("docs example: %s", r.raw)
	}
	keys := r.get("api_keys").([]any)
	sortVals := keys[1].(map[string]any)["_sort"].([]any)
	if len(sortVals) != 2 {
		t.Fatalf("_sort: %v", sortVals)
	}
	if _, isString := sortVals[0].(string); !isString {
		t.Errorf("creation sorted with format date_time must give a formatted date: %v", sortVals)
	}
	delete(body, "from")
	body["search_after"] = sortVals
	r = e.callOffContract("POST", "/_security/_query/api_key", e.admin, body)
	expectStatus(t, r, 200)
	if n := len(r.get("api_keys").([]any)); n != 1 {
		t.Errorf("search_after page: %s", r.raw)
	}
}
