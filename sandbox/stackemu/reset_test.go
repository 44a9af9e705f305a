package stackemu

import (
	"testing"
)

// --seed none: only the operator, who is a file-realm user and so appears in
// no user listing or count.
func TestSeedOperatorIsClean(t *testing.T) {
	e := newCleanEnv(t, FlavorStack)
	r := e.call("GET", "/_security/_authenticate", e.admin, nil)
	expectStatus(t, r, 200)
	if r.str("username") != "admin" || r.str("authentication_realm.type") != "file" || r.get("roles").([]any)[0] != "superuser" {
		t.Fatalf("operator: %s", r.raw)
	}
	r = e.call("GET", "/_security/user", e.admin, nil)
	expectStatus(t, r, 200)
	for name, u := range r.body {
		if u.(map[string]any)["metadata"].(map[string]any)["_reserved"] != true {
			t.Errorf("GET /_security/user lists %s, which is not a reserved user", name)
		}
	}
	r = e.call("POST", "/_security/_query/user", e.admin, map[string]any{})
	expectStatus(t, r, 200)
	if r.body["total"].(float64) != 0 || r.body["count"].(float64) != 0 {
		t.Errorf("_query/user: %s", r.raw)
	}
	r = e.call("GET", "/_security/user/admin", e.admin, nil)
	expectStatus(t, r, 404)
	r = e.call("GET", "/_security/role", e.admin, nil)
	expectStatus(t, r, 200)
	for name := range r.body {
		if r.get(name+".metadata._reserved") != true {
			t.Errorf("role %s is not reserved", name)
		}
	}
	r = e.call("GET", "/_security/role_mapping", e.admin, nil)
	expectStatus(t, r, 200)
	if len(r.body) != 0 {
		t.Errorf("role mappings: %s", r.raw)
	}
	r = e.call("GET", "/_security/api_key", e.admin, nil)
	expectStatus(t, r, 200)
	if keys := r.body["api_keys"].([]any); len(keys) != 0 {
		t.Errorf("api keys: %s", r.raw)
	}
	// The operator is not a native user, so a native user of that name can
	// exist beside it; the file realm still answers first for the operator.
	e.newUser("admin", []string{"viewer"})
	r = e.call("GET", "/_security/_authenticate", e.admin, nil)
	if r.str("authentication_realm.type") != "file" {
		t.Errorf("after a native admin exists: %s", r.raw)
	}
}

// Reset returns users, roles, mappings and keys to the checkpoint with the
// same credentials, twice in a row (the checkpoint is not aliased).
func TestResetReturnsToCheckpoint(t *testing.T) {
	e := newEnv(t, FlavorStack)
	e.c.Checkpoint()
	for round := 0; round < 2; round++ {
		bob := e.newUser("bob", []string{"security-auditor"})
		expectStatus(t, e.call("PUT", "/_security/user/alice/_disable", e.admin, nil), 200)
		expectStatus(t, e.call("PUT", "/_security/role/extra", e.admin, map[string]any{"cluster": []string{"monitor"}}), 200)
		expectStatus(t, e.call("DELETE", "/_security/role/logs-reader", e.admin, nil), 200)
		expectStatus(t, e.call("DELETE", "/_security/role_mapping/saml-admins", e.admin, nil), 200)
		expectStatus(t, e.call("DELETE", "/_security/api_key", e.admin, map[string]any{"ids": []string{e.seed.AdminAPIKeyID}}), 200)
		key, _ := e.createKey(bob, map[string]any{"name": "bobs"})

		e.c.Reset()

		expectStatus(t, e.call("GET", "/_security/_authenticate", bob, nil), 401)
		expectStatus(t, e.call("GET", "/_security/_authenticate", key, nil), 401)
		expectStatus(t, e.call("GET", "/_security/user/bob", e.admin, nil), 404)
		if r := e.call("GET", "/_security/user/alice", e.admin, nil); r.get("alice.enabled") != true {
			t.Errorf("round %d: alice: %s", round, r.raw)
		}
		expectStatus(t, e.call("GET", "/_security/role/extra", e.admin, nil), 404)
		expectStatus(t, e.call("GET", "/_security/role/logs-reader", e.admin, nil), 200)
		expectStatus(t, e.call("GET", "/_security/role_mapping/saml-admins", e.admin, nil), 200)
		r := e.call("GET", "/_security/_authenticate", "ApiKey "+e.seed.AdminAPIKey, nil)
		expectStatus(t, r, 200)
		if r.str("api_key.id") != e.seed.AdminAPIKeyID {
			t.Errorf("round %d: admin key: %s", round, r.raw)
		}
	}
}

// Without a checkpoint, Reset leaves what New leaves: reserved users and
// roles only; the file realm (configuration) stays.
func TestResetWithoutCheckpoint(t *testing.T) {
	e := newEnv(t, FlavorStack)
	e.c.Reset()
	r := e.call("POST", "/_security/_query/user", e.admin, map[string]any{})
	expectStatus(t, r, 200)
	if r.body["total"].(float64) != 0 {
		t.Errorf("users after reset: %s", r.raw)
	}
	expectStatus(t, e.call("GET", "/_security/role/logs-reader", e.admin, nil), 404)
	expectStatus(t, e.call("GET", "/_security/role/superuser", e.admin, nil), 200)
}

// On Serverless there is no file realm: the operator is an API key.
func TestSeedOperatorServerless(t *testing.T) {
	e := newCleanEnv(t, FlavorServerless)
	r := e.call("GET", "/_security/_authenticate", e.admin, nil)
	expectStatus(t, r, 200)
	if r.str("authentication_type") != "api_key" || e.seed.AdminPassword != "" {
		t.Fatalf("operator: %s", r.raw)
	}
	r = e.call("GET", "/_security/role", e.admin, nil)
	expectStatus(t, r, 200)
	for name := range r.body {
		if r.get(name+".metadata._reserved") != true {
			t.Errorf("role %s is not predefined", name)
		}
	}
}

// Serverless lists its own predefined roles for the project type, none of
// the stack's reserved ones, and refuses to overwrite them.
func TestServerlessPredefinedRoles(t *testing.T) {
	for typ, want := range map[string][]string{
		"elasticsearch": {"admin", "developer", "viewer"},
		"observability": {"admin", "editor", "viewer"},
		"security":      {"admin", "editor", "viewer", "t1_analyst", "soc_manager"},
	} {
		c := New(Options{Flavor: FlavorServerless, ProjectType: typ})
		e := serveEnv(t, c, c.SeedOperator())
		r := e.call("GET", "/_security/role", e.admin, nil)
		expectStatus(t, r, 200)
		for _, n := range want {
			if r.get(n+".metadata._reserved") != true {
				t.Errorf("%s: predefined role %s missing: %s", typ, n, r.raw)
			}
		}
		for _, n := range []string{"superuser", "kibana_system", "editor", "developer"} {
			if _, ok := r.body[n]; ok && !contains(want, n) {
				t.Errorf("%s: role list shows %s", typ, n)
			}
		}
		expectStatus(t, e.call("PUT", "/_security/role/viewer", e.admin, map[string]any{}), 400)
		r = e.call("POST", "/_security/user/_has_privileges", e.admin, map[string]any{"cluster": []string{"manage_security"}})
		if r.body["has_all_requested"] != true {
			t.Errorf("%s: the operator (admin) lacks manage_security: %s", typ, r.raw)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
