package stackemu

import (
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable time source for expiration tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestAPIKeyLifecycle(t *testing.T) {
	e := newEnv(t, FlavorStack)
	key, id := e.createKey(e.admin, map[string]any{"name": "my-key", "expiration": "1d",
		"metadata": map[string]any{"application": "my-app"},
		"role_descriptors": map[string]any{"role-a": map[string]any{"cluster": []string{"monitor"},
			"indices": []any{map[string]any{"names": []string{"logs-*"}, "privileges": []string{"read"}}}}}})

	r := e.call("GET", "/_security/_authenticate", key, nil)
	expectStatus(t, r, 200)
	if r.str("username") != "admin" || r.str("authentication_type") != "api_key" ||
		r.str("authentication_realm.name") != "_es_api_key" || r.str("api_key.id") != id {
		t.Errorf("authenticate as key: %s", r.raw)
	}
	if roles := r.get("roles").([]any); len(roles) != 0 {
		t.Errorf("roles = %v", roles)
	}

	r = e.call("GET", "/_security/api_key?id="+id+"&with_limited_by=true", e.admin, nil)
	expectStatus(t, r, 200)
	k := r.get("api_keys").([]any)[0].(map[string]any)
	if k["name"] != "my-key" || k["invalidated"] != false || k["expiration"] == nil || k["type"] != "rest" ||
		k["realm"] != "default_file" || k["realm_type"] != "file" {
		t.Errorf("key = %v", k)
	}
	if _, ok := k["role_descriptors"].(map[string]any)["role-a"]; !ok {
		t.Errorf("role_descriptors = %v", k["role_descriptors"])
	}
	lb := k["limited_by"].([]any)[0].(map[string]any)
	if _, ok := lb["superuser"]; !ok {
		t.Errorf("limited_by = %v", lb)
	}
	r = e.call("GET", "/_security/api_key?name=my-*", e.admin, nil)
	if len(r.get("api_keys").([]any)) != 1 {
		t.Errorf("name prefix: %s", r.raw)
	}
	r = e.call("GET", "/_security/api_key?id=none", e.admin, nil)
	expectStatus(t, r, 200)
	if string(r.raw) != `{"api_keys":[]}` {
		t.Errorf("no match: %s", r.raw)
	}

	// Update replaces metadata; a no-op update reports false.
	r = e.call("PUT", "/_security/api_key/"+id, e.admin, map[string]any{"metadata": map[string]any{"v": 2}})
	expectStatus(t, r, 200)
	if r.body["updated"] != true {
		t.Errorf("update: %s", r.raw)
	}
	r = e.call("PUT", "/_security/api_key/"+id, e.admin, map[string]any{"metadata": map[string]any{"v": 2}})
	if r.body["updated"] != false {
		t.Errorf("noop update: %s", r.raw)
	}
	// The key lacks manage_own_api_key: authorization fails first.
	expectStatus(t, e.call("PUT", "/_security/api_key/"+id, key, map[string]any{}), 403)
	// With it, the update action itself refuses API-key authentication.
	ownKey, _ := e.createKey(e.admin, map[string]any{"name": "own-key", "role_descriptors": map[string]any{
		"r": map[string]any{"cluster": []string{"manage_own_api_key"}}}})
	expectError(t, e.call("PUT", "/_security/api_key/"+id, ownKey, map[string]any{}), 400, "illegal_argument_exception",
		"authentication via API key not supported: An API key cannot be used to update API keys")
	expectError(t, e.call("PUT", "/_security/api_key/nope", e.admin, map[string]any{}), 404, "resource_not_found_exception",
		"no API key owned by requesting user found for ID [nope]")

	// Query with a sort.
	r = e.call("POST", "/_security/_query/api_key", e.admin, map[string]any{
		"query": map[string]any{"term": map[string]any{"name": map[string]any{"value": "my-key"}}},
		"sort":  []any{"creation"}})
	expectStatus(t, r, 200)
	if r.body["count"] != 1.0 || r.body["total"] != 1.0 {
		t.Errorf("query: %s", r.raw)
	}
	r = e.call("POST", "/_security/_query/api_key", e.admin, map[string]any{
		"aggs": map[string]any{"by_name": map[string]any{"terms": map[string]any{"field": "name"}}}})
	if b := r.get("aggregations.by_name.buckets").([]any); len(b) != 4 {
		t.Errorf("aggregation: %s", r.raw)
	}

	// Invalidate: the key stops working at once and cannot come back.
	r = e.call("DELETE", "/_security/api_key", e.admin, map[string]any{"ids": []string{id}})
	expectStatus(t, r, 200)
	if r.get("invalidated_api_keys").([]any)[0] != id || r.body["error_count"] != 0.0 {
		t.Errorf("invalidate: %s", r.raw)
	}
	r = e.call("GET", "/_security/_authenticate", key, nil)
	expectError(t, r, 401, "security_exception", anonymousNotAllowed)
	if r.get("error.additional_unsuccessful_credentials") != "API key: api key ["+id+"] has been invalidated" {
		t.Errorf("detail: %s", r.raw)
	}
	r = e.call("DELETE", "/_security/api_key", e.admin, map[string]any{"id": id})
	if r.get("previously_invalidated_api_keys").([]any)[0] != id {
		t.Errorf("previously: %s", r.raw)
	}
	expectError(t, e.call("PUT", "/_security/api_key/"+id, e.admin, map[string]any{}), 400, "illegal_argument_exception",
		"cannot update invalidated API key ["+id+"]")
	r = e.call("GET", "/_security/api_key?active_only=true&owner=true", e.admin, nil)
	for _, x := range r.get("api_keys").([]any) {
		if x.(map[string]any)["id"] == id {
			t.Error("active_only returned an invalidated key")
		}
	}
}

func TestAPIKeyValidation(t *testing.T) {
	e := newEnv(t, FlavorStack)
	cases := []struct {
		name   string
		method string
		body   any
		typ    string
		reason string
	}{
		{"name required", "POST", map[string]any{}, "action_request_validation_exception", "Validation Failed: 1: api key name is required;"},
		{"underscore", "POST", map[string]any{"name": "_k"}, "action_request_validation_exception", "Validation Failed: 1: api key name may not begin with an underscore;"},
		{"whitespace", "POST", map[string]any{"name": " k"}, "action_request_validation_exception", "Validation Failed: 1: api key name may not begin or end with whitespace;"},
		{"too long", "POST", map[string]any{"name": strings.Repeat("k", 257)}, "action_request_validation_exception", "Validation Failed: 1: api key name may not be more than 256 characters long;"},
		{"metadata", "POST", map[string]any{"name": "k", "metadata": map[string]any{"_x": 1}}, "action_request_validation_exception", "Validation Failed: 1: API key metadata keys may not start with [_];"},
		{"description in descriptor", "POST", map[string]any{"name": "k", "role_descriptors": map[string]any{"r": map[string]any{"description": "x"}}}, "parse_exception", "failed to parse role [r]. unexpected field [description]"},
		{"bad expiration", "POST", map[string]any{"name": "k", "expiration": "1y"}, "parse_exception", "failed to parse setting [expiration] with value [1y] as a time value: unit is missing or unrecognized"},
		{"no body", "POST", nil, "parse_exception", "request body is required"},
		{"invalidate nothing", "DELETE", map[string]any{}, "action_request_validation_exception", "Validation Failed: 1: One of [api key id(s), api key name, username, realm name] must be specified if [owner] flag is false;"},
		{"invalidate ids and name", "DELETE", map[string]any{"ids": []string{"a"}, "name": "n"}, "action_request_validation_exception", "Validation Failed: 1: only one of [api key id(s), api key name] can be specified;"},
		{"invalidate owner and user", "DELETE", map[string]any{"owner": true, "username": "u"}, "action_request_validation_exception", "Validation Failed: 1: neither username nor realm-name may be specified when invalidating owned API keys;"},
		{"invalidate id and user", "DELETE", map[string]any{"ids": []string{"a"}, "username": "u"}, "action_request_validation_exception", "Validation Failed: 1: username or realm name must not be specified when the api key id(s) or api key name are specified;"},
		{"invalidate empty ids", "DELETE", map[string]any{"ids": []string{}}, "action_request_validation_exception", "Validation Failed: 1: Field [ids] cannot be an empty array;"},
		{"invalidate blank id", "DELETE", map[string]any{"ids": []string{"a", " "}}, "action_request_validation_exception", "Validation Failed: 1: Field [ids] must not contain blank id, but got blank id at index position: [1];"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectError(t, e.call(tc.method, "/_security/api_key", e.admin, tc.body), 400, tc.typ, tc.reason)
		})
	}
}

func TestAPIKeyExpiry(t *testing.T) {
	clk := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	c := New(Options{Now: clk.Now})
	seed := c.SeedDemo()
	e := &env{t: t, c: c, seed: seed, es: httptest.NewServer(c.Elasticsearch()), kb: httptest.NewServer(c.Kibana()),
		admin: basic(seed.AdminUsername, seed.AdminPassword)}
	defer e.es.Close()
	defer e.kb.Close()
	key, id := e.createKey(e.admin, map[string]any{"name": "short", "expiration": "30m"})
	expectStatus(t, e.call("GET", "/_security/_authenticate", key, nil), 200)
	clk.Add(31 * time.Minute)
	r := e.call("GET", "/_security/_authenticate", key, nil)
	expectError(t, r, 401, "security_exception", anonymousNotAllowed)
	if r.get("error.additional_unsuccessful_credentials") != "API key: api key is expired" {
		t.Errorf("detail: %s", r.raw)
	}
	if len(r.header.Values("WWW-Authenticate")) != 3 {
		t.Errorf("WWW-Authenticate = %v", r.header.Values("WWW-Authenticate"))
	}
	expectError(t, e.call("PUT", "/_security/api_key/"+id, e.admin, map[string]any{}), 400, "illegal_argument_exception",
		"cannot update expired API key ["+id+"]")
}

// A key's effective privileges are the intersection of its role descriptors
// and its owner's (limited_by), checked through _has_privileges as the key.
func TestAPIKeyPrivilegeIntersection(t *testing.T) {
	e := newEnv(t, FlavorStack)
	// alice: viewer + logs-reader; she cannot write logs nor manage security.
	alice := e.newUser("alice2", []string{"viewer", "logs-reader", "security-auditor"})
	key, _ := e.createKey(alice, map[string]any{"name": "alice-key", "role_descriptors": map[string]any{"r": map[string]any{
		"cluster": []string{"manage_security", "read_security"},
		"indices": []any{map[string]any{"names": []string{"logs-*", "metrics-*"}, "privileges": []string{"read", "write"}}}}}})
	r := e.call("POST", "/_security/user/_has_privileges", key, map[string]any{
		"cluster": []string{"manage_security", "read_security", "monitor"},
		"index": []any{map[string]any{"names": []string{"logs-app"}, "privileges": []string{"read", "write"}},
			map[string]any{"names": []string{"metrics-app"}, "privileges": []string{"read"}}}})
	expectStatus(t, r, 200)
	want := map[string]any{
		"cluster.manage_security": false, // the key asks for it, the owner lacks it
		"cluster.read_security":   true,  // both have it
		"cluster.monitor":         false, // the owner lacks it
		"index.logs-app.read":     true,
		"index.logs-app.write":    false, // the owner lacks it
		"index.metrics-app.read":  true,  // viewer reads non-dot indices
		"has_all_requested":       false,
		"username":                "alice2",
	}
	for path, v := range want {
		if got := r.get(path); got != v {
			t.Errorf("%s = %v, want %v", path, got, v)
		}
	}
	// The owner's own check differs: the key narrows nothing it lacks.
	r = e.call("POST", "/_security/user/_has_privileges", alice, map[string]any{"index": []any{
		map[string]any{"names": []string{"metrics-app"}, "privileges": []string{"read", "view_index_metadata"}}}})
	if r.body["has_all_requested"] != true {
		t.Errorf("alice: %s", r.raw)
	}
	// A key with a narrower descriptor denies what the owner has.
	narrow, _ := e.createKey(alice, map[string]any{"name": "narrow", "role_descriptors": map[string]any{"r": map[string]any{
		"indices": []any{map[string]any{"names": []string{"logs-*"}, "privileges": []string{"read"}}}}}})
	r = e.call("POST", "/_security/user/_has_privileges", narrow, map[string]any{"index": []any{
		map[string]any{"names": []string{"metrics-app"}, "privileges": []string{"read"}}}})
	if r.get("index.metrics-app.read") != false {
		t.Errorf("narrow key: %s", r.raw)
	}
	// Acting as the key: manage_security from the descriptor is not enough.
	r = e.call("PUT", "/_security/role/x", key, map[string]any{})
	expectError(t, r, 403, "security_exception", "action [cluster:admin/xpack/security/role/put] is unauthorized for API key id ["+
		strings.TrimPrefix(keyID(t, e, key), "")+"] of user [alice2], this action is granted by the cluster privileges [manage_security,all]")
}

func keyID(t *testing.T, e *env, key string) string {
	r := e.call("GET", "/_security/_authenticate", key, nil)
	return r.str("api_key.id")
}

func TestAPIKeyOwnership(t *testing.T) {
	e := newEnv(t, FlavorStack)
	// auditor has read_security + manage_own_api_key.
	auditor := e.newUser("aud2", []string{"security-auditor"})
	own, ownID := e.createKey(auditor, map[string]any{"name": "aud-key"})
	_, adminID := e.createKey(e.admin, map[string]any{"name": "admin-key"})
	// read_security sees every key.
	r := e.call("GET", "/_security/api_key", auditor, nil)
	expectStatus(t, r, 200)
	if len(r.get("api_keys").([]any)) < 3 {
		t.Errorf("read_security must list all keys: %s", r.raw)
	}
	// manage_own_api_key cannot invalidate someone else's key by id...
	r = e.call("DELETE", "/_security/api_key", auditor, map[string]any{"ids": []string{adminID}})
	expectStatus(t, r, 403)
	if !strings.Contains(r.str("error.reason"), "action [cluster:admin/xpack/security/api_key/invalidate] is unauthorized for user [aud2]") ||
		// manage_own_api_key would not grant this request, so it is not named.
		!strings.HasSuffix(r.str("error.reason"), "this action is granted by the cluster privileges [manage_api_key,manage_security,all]") {
		t.Errorf("reason = %s", r.str("error.reason"))
	}
	// ...but invalidates its own with owner=true, and only those.
	r = e.call("DELETE", "/_security/api_key", auditor, map[string]any{"owner": true})
	expectStatus(t, r, 200)
	if got := r.get("invalidated_api_keys").([]any); len(got) != 1 || got[0] != ownID {
		t.Errorf("owner invalidate: %s", r.raw)
	}
	expectStatus(t, e.call("GET", "/_security/_authenticate", own, nil), 401)

	// A user with no API-key privilege cannot create one.
	plain := e.newUser("plain", []string{"logs-reader"})
	r = e.call("POST", "/_security/api_key", plain, map[string]any{"name": "nope"})
	expectError(t, r, 403, "security_exception", "action [cluster:admin/xpack/security/api_key/create] is unauthorized for user [plain] with effective roles [logs-reader], this action is granted by the cluster privileges [manage_own_api_key,manage_api_key,manage_security,all]")

	// Keys derived from keys need an explicit empty descriptor and are
	// limited by the creator key's descriptors.
	parent, _ := e.createKey(e.admin, map[string]any{"name": "parent", "role_descriptors": map[string]any{
		"p": map[string]any{"cluster": []string{"manage_own_api_key", "monitor"}}}})
	expectError(t, e.call("POST", "/_security/api_key", parent, map[string]any{"name": "child"}), 400, "illegal_argument_exception",
		"creating derived api keys requires an explicit role descriptor that is empty (has no privileges)")
	_, childID := e.createKey(parent, map[string]any{"name": "child", "role_descriptors": map[string]any{"empty": map[string]any{}}})
	r = e.call("GET", "/_security/api_key?id="+childID+"&with_limited_by=true", e.admin, nil)
	k := r.get("api_keys").([]any)[0].(map[string]any)
	if _, ok := k["limited_by"].([]any)[0].(map[string]any)["p"]; !ok || k["username"] != "admin" {
		t.Errorf("derived key: %v", k)
	}
}

func TestGrantAPIKey(t *testing.T) {
	e := newEnv(t, FlavorStack)
	pw := "granted-pass"
	expectStatus(t, e.call("PUT", "/_security/user/granted", e.admin, map[string]any{"password": pw, "roles": []string{"logs-reader"}}), 200)
	r := e.call("POST", "/_security/api_key/grant", e.admin, map[string]any{"grant_type": "password", "username": "granted",
		"password": pw, "api_key": map[string]any{"name": "for-granted"}})
	expectStatus(t, r, 200)
	auth := e.call("GET", "/_security/_authenticate", "ApiKey "+r.str("encoded"), nil)
	if auth.str("username") != "granted" {
		t.Errorf("granted key owner: %s", auth.raw)
	}
	expectError(t, e.call("POST", "/_security/api_key/grant", e.admin, map[string]any{"grant_type": "password",
		"api_key": map[string]any{"name": "x"}}), 400, "action_request_validation_exception",
		"Validation Failed: 1: [username] is required for grant_type [password];2: [password] is required for grant_type [password];")
	expectStatus(t, e.call("POST", "/_security/api_key/grant", e.admin, map[string]any{"grant_type": "password",
		"username": "granted", "password": "wrong-pass", "api_key": map[string]any{"name": "x"}}), 401)
}
