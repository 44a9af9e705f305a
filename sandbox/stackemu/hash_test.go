package stackemu

import "testing"

func TestHashVerifiesOnlyItsPassword(t *testing.T) {
	h := mustHash("right-password")
	if !knownHash(h) {
		t.Fatalf("mustHash gave %q, not a PBKDF2 hash Elasticsearch would accept", h)
	}
	if !verifyPassword(h, "right-password") {
		t.Error("the password does not verify against its own hash")
	}
	if verifyPassword(h, "wrong-password") {
		t.Error("another password verifies against the hash")
	}
	// The same check without the remembered success: the hash itself is real.
	verifyCache.Delete(verifyCacheKey(h, "right-password"))
	if !verifyPassword(h, "right-password") {
		t.Error("the password does not verify against its hash once the cache is cleared")
	}
}

// The demo's users other than the operator get passwords nobody is told:
// their stored hashes are well-formed, differ, and nothing logs in with them
// until someone sets a password.
func TestSeededUsersWithoutToldPasswords(t *testing.T) {
	e := newEnv(t, FlavorStack)
	seen := map[string]bool{}
	e.c.mu.RLock()
	for _, name := range []string{"admin", "alice", "auditor", "hr-analyst", "joe"} {
		u := e.c.users[name]
		if u == nil || !knownHash(u.Hash) || seen[u.Hash] {
			t.Errorf("native user %s: stored hash %+v is missing, malformed or shared", name, u)
			continue
		}
		seen[u.Hash] = true
	}
	e.c.mu.RUnlock()
	for _, pw := range []string{"", "alice", "changeme", e.seed.AdminPassword} {
		expectStatus(t, e.call("GET", "/_security/_authenticate", basic("alice", pw), nil), 401)
	}
	expectStatus(t, e.call("POST", "/_security/user/alice/_password", e.admin, map[string]any{"password": "alice-new-pw"}), 200)
	r := e.call("GET", "/_security/_authenticate", basic("alice", "alice-new-pw"), nil)
	if expectStatus(t, r, 200); r.str("username") != "alice" || r.str("authentication_realm.type") != "native" {
		t.Errorf("alice after a password change: %s", r.raw)
	}
}
