package stackemu

import (
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestUserCreateUpdateGetDelete(t *testing.T) {
	e := newEnv(t, FlavorStack)
	r := e.call("PUT", "/_security/user/jacknich", e.admin, map[string]any{
		"password": "j@rV1s-long", "roles": []string{"admin", "other_role1"}, "full_name": "Jack Nicholson",
		"email": "jacknich@example.com", "metadata": map[string]any{"intelligence": 7}})
	expectStatus(t, r, 200)
	if r.body["created"] != true {
		t.Fatalf("created = %v", r.body["created"])
	}
	// Same PUT with a password replaces the document: created false.
	r = e.call("POST", "/_security/user/jacknich", e.admin, map[string]any{"password": "j@rV1s-long", "roles": []string{"admin"}})
	expectStatus(t, r, 200)
	if r.body["created"] != false {
		t.Fatalf("created = %v, want false", r.body["created"])
	}
	r = e.call("GET", "/_security/user/jacknich", e.admin, nil)
	expectStatus(t, r, 200)
	u := r.body["jacknich"].(map[string]any)
	if u["full_name"] != nil || u["email"] != nil {
		t.Errorf("replace must clear full_name/email: %v", u)
	}
	if roles := u["roles"].([]any); len(roles) != 1 || roles[0] != "admin" {
		t.Errorf("roles = %v", roles)
	}

	// Comma-separated roles string: the reference (§5.1, §11.6) accepts it,
	// the contract's schema allows only an array.
	r = e.callOffContract("PUT", "/_security/user/jacknich", e.admin, map[string]any{"roles": "a,b"})
	expectStatus(t, r, 200)
	if r.body["created"] != false {
		t.Fatal("update without password must report created=false")
	}
	r = e.call("GET", "/_security/user/jacknich,nobody", e.admin, nil)
	expectStatus(t, r, 200)
	if got := r.get("jacknich.roles").([]any); len(got) != 2 || got[1] != "b" {
		t.Errorf("roles from comma string = %v", got)
	}
	if _, ok := r.body["nobody"]; ok {
		t.Error("missing user must be omitted from a partial match")
	}

	r = e.call("GET", "/_security/user/nobody", e.admin, nil)
	expectStatus(t, r, 404)
	if string(r.raw) != "{}" {
		t.Errorf("404 body = %s, want {}", r.raw)
	}

	r = e.call("GET", "/_security/user", e.admin, nil)
	expectStatus(t, r, 200)
	for _, n := range []string{"elastic", "kibana_system", "admin", "alice", "jacknich"} {
		if _, ok := r.body[n]; !ok {
			t.Errorf("GET all users lacks %s", n)
		}
	}
	if r.get("elastic.metadata._reserved") != true {
		t.Errorf("elastic metadata = %v", r.get("elastic.metadata"))
	}
	if r.get("kibana.metadata._deprecated") != true {
		t.Errorf("kibana metadata = %v", r.get("kibana.metadata"))
	}

	r = e.call("DELETE", "/_security/user/jacknich", e.admin, nil)
	expectStatus(t, r, 200)
	if r.body["found"] != true {
		t.Fatal(string(r.raw))
	}
	r = e.call("DELETE", "/_security/user/jacknich", e.admin, nil)
	expectStatus(t, r, 404)
	if string(r.raw) != `{"found":false}` {
		t.Errorf("body = %s", r.raw)
	}
}

func TestUserValidation(t *testing.T) {
	e := newEnv(t, FlavorStack)
	cases := []struct {
		name, path string
		body       any
		status     int
		typ        string
		reason     string
	}{
		{"short password", "/_security/user/u1", map[string]any{"password": "12345", "roles": []string{}},
			400, "validation_exception", "Validation Failed: 1: passwords must be at least [6] characters long;"},
		{"password and hash", "/_security/user/u1", `{"password":"secret-1","password_hash":"$2a$10$x","roles":[]}`,
			400, "validation_exception", "Validation Failed: 1: password_hash has already been set;"},
		{"roles missing", "/_security/user/u1", map[string]any{"password": "secret-1"},
			400, "action_request_validation_exception", "Validation Failed: 1: roles are missing;"},
		{"metadata underscore", "/_security/user/u1", map[string]any{"password": "secret-1", "roles": []string{}, "metadata": map[string]any{"_x": 1}},
			400, "action_request_validation_exception", "Validation Failed: 1: metadata keys may not start with [_];"},
		{"roles missing and metadata", "/_security/user/u1", map[string]any{"password": "secret-1", "metadata": map[string]any{"_x": 1}},
			400, "action_request_validation_exception", "Validation Failed: 1: roles are missing;2: metadata keys may not start with [_];"},
		{"reserved user", "/_security/user/elastic", map[string]any{"password": "secret-1", "roles": []string{}},
			400, "action_request_validation_exception", "Validation Failed: 1: user [elastic] is reserved and only the password can be changed;"},
		{"bad name", "/_security/user/%20lead", map[string]any{"password": "secret-1", "roles": []string{}},
			400, "action_request_validation_exception", "Validation Failed: 1: " + userNameMsg() + ";"},
		{"too long", "/_security/user/" + strings.Repeat("a", 508), map[string]any{"password": "secret-1", "roles": []string{}},
			400, "action_request_validation_exception", "Validation Failed: 1: " + userNameMsg() + ";"},
		{"unknown field", "/_security/user/u1", map[string]any{"password": "secret-1", "roles": []string{}, "nick": "x"},
			400, "parse_exception", "failed to parse add user request. unexpected field [nick]"},
		{"wrong type", "/_security/user/u1", map[string]any{"password": "secret-1", "roles": []string{}, "enabled": "yes"},
			400, "parse_exception", "expected field [enabled] to be of type boolean, but found [VALUE_STRING] instead"},
		{"username mismatch", "/_security/user/u1", map[string]any{"username": "u2", "password": "secret-1", "roles": []string{}},
			400, "illegal_argument_exception", "[username] in source does not match the username provided [u1]"},
		{"new user without password", "/_security/user/u1", map[string]any{"roles": []string{}},
			400, "validation_exception", "Validation Failed: 1: password must be specified unless you are updating an existing user;"},
		{"no body", "/_security/user/u1", nil, 400, "parse_exception", "request body is required"},
		{"bogus hash", "/_security/user/u1", map[string]any{"password_hash": "not-a-hash", "roles": []string{}},
			400, "illegal_argument_exception", unknownHashMsg()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectError(t, e.call("PUT", tc.path, e.admin, tc.body), tc.status, tc.typ, tc.reason)
		})
	}
	// 507 characters is the longest valid native name.
	expectStatus(t, e.call("PUT", "/_security/user/"+strings.Repeat("a", 507), e.admin,
		map[string]any{"password": "secret-1", "roles": []string{}}), 200)

	expectError(t, e.call("DELETE", "/_security/user/elastic", e.admin, nil), 400, "illegal_argument_exception",
		"user [elastic] is reserved and cannot be deleted")
	expectError(t, e.call("DELETE", "/_security/user/_system", e.admin, nil), 400, "illegal_argument_exception",
		"user [_system] is internal")
}

func TestPasswordHashVerifiesAtLogin(t *testing.T) {
	e := newEnv(t, FlavorStack)
	h, err := bcrypt.GenerateFromPassword([]byte("from-a-hash"), 4)
	if err != nil {
		t.Fatal(err)
	}
	expectStatus(t, e.call("PUT", "/_security/user/hashed", e.admin, map[string]any{"password_hash": string(h), "roles": []string{}}), 200)
	expectStatus(t, e.call("GET", "/_security/_authenticate", basic("hashed", "from-a-hash"), nil), 200)
	expectStatus(t, e.call("GET", "/_security/_authenticate", basic("hashed", "wrong-one"), nil), 401)
}

func TestChangePasswordEnableDisable(t *testing.T) {
	e := newEnv(t, FlavorStack)
	bob := e.newUser("bob", []string{"logs-reader"})
	// Own password: no privilege needed.
	r := e.call("POST", "/_security/user/_password", bob, map[string]any{"password": "bobs-new-pass"})
	expectStatus(t, r, 200)
	if string(r.raw) != "{}" {
		t.Errorf("body = %s", r.raw)
	}
	expectStatus(t, e.call("GET", "/_security/_authenticate", bob, nil), 401)
	bob = basic("bob", "bobs-new-pass")
	expectStatus(t, e.call("GET", "/_security/_authenticate", bob, nil), 200)

	// Someone else's password needs manage_security.
	r = e.call("PUT", "/_security/user/alice/_password", bob, map[string]any{"password": "hijacked!"})
	expectError(t, r, 403, "security_exception", "action [cluster:admin/xpack/security/user/change_password] is unauthorized for user [bob] with effective roles [logs-reader], this action is granted by the cluster privileges [manage_security,all]")

	expectError(t, e.call("PUT", "/_security/user/ghost/_password", e.admin, map[string]any{"password": "whatever1"}),
		400, "validation_exception", "Validation Failed: 1: user must exist in order to change password;")
	expectError(t, e.call("PUT", "/_security/user/bob/_password", e.admin, map[string]any{}),
		400, "action_request_validation_exception", "Validation Failed: 1: password is missing;")
	expectError(t, e.call("PUT", "/_security/user/bob/_password", e.admin, map[string]any{"pass": "x"}),
		400, "parse_exception", "failed to parse change password request. unexpected field [pass]")
	expectError(t, e.call("PUT", "/_security/user/bob/_password", e.admin, map[string]any{"password": "x"}),
		400, "validation_exception", "Validation Failed: 1: passwords must be at least [6] characters long;")

	// Reserved users can change their password, then log in with it.
	expectStatus(t, e.call("PUT", "/_security/user/elastic/_password", e.admin, map[string]any{"password": "elastic-pass"}), 200)
	r = e.call("GET", "/_security/_authenticate", basic("elastic", "elastic-pass"), nil)
	expectStatus(t, r, 200)
	if r.str("authentication_realm.type") != "reserved" {
		t.Errorf("realm = %v", r.get("authentication_realm"))
	}

	// Disable takes effect at once; enable restores access.
	r = e.call("PUT", "/_security/user/bob/_disable", e.admin, nil)
	expectStatus(t, r, 200)
	r = e.call("GET", "/_security/_authenticate", bob, nil)
	expectError(t, r, 401, "security_exception", "unable to authenticate user [bob] for REST request [/_security/_authenticate]")
	expectStatus(t, e.call("POST", "/_security/user/bob/_disable", e.admin, nil), 200) // idempotent
	expectStatus(t, e.call("POST", "/_security/user/bob/_enable", e.admin, nil), 200)
	expectStatus(t, e.call("GET", "/_security/_authenticate", bob, nil), 200)

	// A PUT without "enabled" re-enables a disabled user (full replace).
	expectStatus(t, e.call("PUT", "/_security/user/bob/_disable", e.admin, nil), 200)
	expectStatus(t, e.call("PUT", "/_security/user/bob", e.admin, map[string]any{"roles": []string{"logs-reader"}}), 200)
	expectStatus(t, e.call("GET", "/_security/_authenticate", bob, nil), 200)

	expectError(t, e.call("PUT", "/_security/user/admin/_disable", e.admin, nil), 400, "illegal_argument_exception",
		"users may not update the enabled status of their own account")
	expectError(t, e.call("PUT", "/_security/user/ghost/_enable", e.admin, nil), 400, "validation_exception",
		"Validation Failed: 1: only existing users can be enabled;")
	expectError(t, e.call("PUT", "/_security/user/ghost/_disable", e.admin, nil), 400, "validation_exception",
		"Validation Failed: 1: only existing users can be disabled;")
}

func TestQueryUsers(t *testing.T) {
	e := newEnv(t, FlavorStack)
	r := e.call("POST", "/_security/_query/user", e.admin, map[string]any{
		"query": map[string]any{"bool": map[string]any{"must": []any{
			map[string]any{"term": map[string]any{"enabled": map[string]any{"value": true}}},
		}}},
		"sort": []any{"username"}, "size": 2})
	expectStatus(t, r, 200)
	users := r.body["users"].([]any)
	if r.body["count"].(float64) != 2 || r.body["total"].(float64) != 4 {
		t.Fatalf("count/total = %v/%v: %s", r.body["count"], r.body["total"], r.raw)
	}
	first := users[0].(map[string]any)
	if first["username"] != "admin" || first["_sort"] == nil {
		t.Errorf("first = %v", first)
	}
	// Reserved users are never returned.
	r = e.call("GET", "/_security/_query/user", e.admin, nil)
	expectStatus(t, r, 200)
	for _, u := range r.body["users"].([]any) {
		if u.(map[string]any)["username"] == "elastic" {
			t.Error("_query/user must return native users only")
		}
	}
	r = e.call("POST", "/_security/_query/user", e.admin, map[string]any{
		"query": map[string]any{"prefix": map[string]any{"username": map[string]any{"value": "hr"}}}})
	expectStatus(t, r, 200)
	if r.body["count"].(float64) != 1 {
		t.Errorf("prefix query: %s", r.raw)
	}
}
