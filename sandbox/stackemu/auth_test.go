package stackemu

import (
	"strings"
	"testing"
)

func TestAuthentication(t *testing.T) {
	e := newEnv(t, FlavorStack)
	r := e.call("GET", "/_security/user", "", nil)
	expectError(t, r, 401, "security_exception", "missing authentication credentials for REST request [/_security/user]")
	if got := r.header.Values("WWW-Authenticate"); strings.Join(got, "|") != `Basic realm="security", charset="UTF-8"|Bearer realm="security"|ApiKey` {
		t.Errorf("WWW-Authenticate = %q", got)
	}
	if h, ok := r.get("error.header").(map[string]any); !ok || h["WWW-Authenticate"] == nil {
		t.Errorf("error.header missing: %s", r.raw)
	}
	expectError(t, e.call("GET", "/_security/user?pretty", basic("admin", "wrong-password"), nil), 401, "security_exception",
		"unable to authenticate user [admin] for REST request [/_security/user?pretty]")
	// The seeded disabled user.
	expectStatus(t, e.call("GET", "/_security/_authenticate", basic("joe", "whatever"), nil), 401)
	r = e.call("GET", "/_security/_authenticate", "ApiKey bm90LWEta2V5Om5vcGU=", nil)
	expectError(t, r, 401, "security_exception", anonymousNotAllowed)

	r = e.call("GET", "/_security/_authenticate", e.admin, nil)
	expectStatus(t, r, 200)
	// The operator is a file-realm superuser, as elasticsearch-users makes.
	if r.str("username") != "admin" || r.str("authentication_realm.name") != "default_file" ||
		r.str("authentication_realm.type") != "file" || r.str("authentication_type") != "realm" ||
		r.get("full_name") != nil || r.get("email") != nil {
		t.Errorf("authenticate: %s", r.raw)
	}
	r = e.call("GET", "/_security/_authenticate", "ApiKey "+e.seed.AdminAPIKey, nil)
	if r.str("api_key.id") != e.seed.AdminAPIKeyID {
		t.Errorf("admin key: %s", r.raw)
	}
}

func TestAuthorizationMessages(t *testing.T) {
	e := newEnv(t, FlavorStack)
	reader := e.newUser("reader", []string{"logs-reader", "ghost-role"})
	r := e.call("PUT", "/_security/user/x", reader, map[string]any{"password": "secret-1", "roles": []string{}})
	expectError(t, r, 403, "security_exception", "action [cluster:admin/xpack/security/user/put] is unauthorized for user [reader] with effective roles [logs-reader] (assigned roles [ghost-role] were not found), this action is granted by the cluster privileges [manage_security,all]")
	r = e.call("GET", "/_security/role", reader, nil)
	expectError(t, r, 403, "security_exception", "action [cluster:admin/xpack/security/role/get] is unauthorized for user [reader] with effective roles [logs-reader] (assigned roles [ghost-role] were not found), this action is granted by the cluster privileges [read_security,manage_security,all]")
	// read_security reads but does not write.
	auditor := e.newUser("aud", []string{"security-auditor"})
	expectStatus(t, e.call("GET", "/_security/role_mapping", auditor, nil), 200)
	expectStatus(t, e.call("GET", "/_security/user/alice", auditor, nil), 200)
	expectStatus(t, e.call("DELETE", "/_security/role/logs-reader", auditor, nil), 403)
	// manage (not manage_security) does not reach security actions.
	expectStatus(t, e.call("PUT", "/_security/role/manager", e.admin, map[string]any{"cluster": []string{"manage"}}), 200)
	mgr := e.newUser("mgr", []string{"manager"})
	r = e.call("DELETE", "/_security/role/logs-reader", mgr, nil)
	expectError(t, r, 403, "security_exception", "action [cluster:admin/xpack/security/role/delete] is unauthorized for user [mgr] with effective roles [manager], this action is granted by the cluster privileges [manage_security,all]")
	// Anyone authenticated may ask about their own privileges.
	expectStatus(t, e.call("POST", "/_security/user/_has_privileges", reader, map[string]any{"cluster": []string{"monitor"}}), 200)
}

func TestGenericREST(t *testing.T) {
	e := newEnv(t, FlavorStack)
	expectError(t, e.call("GET", "/_security/user?foo=1", e.admin, nil), 400, "illegal_argument_exception",
		"request [/_security/user] contains unrecognized parameter: [foo]")
	r := e.call("DELETE", "/_security/user", e.admin, nil)
	expectStatus(t, r, 405)
	if string(r.raw) != `{"error":"Incorrect HTTP method for uri [/_security/user] and method [DELETE], allowed: [GET]","status":405}` {
		t.Errorf("405 body %s", r.raw)
	}
	expectError(t, e.call("PUT", "/_security/role/x?refresh=maybe", e.admin, map[string]any{}), 400, "illegal_argument_exception",
		"Unknown value for refresh: [maybe].")
	expectStatus(t, e.call("PUT", "/_security/role/x?refresh=wait_for", e.admin, map[string]any{}), 200)
	// Literal segments win over {username}.
	r = e.call("GET", "/_security/user/_has_privileges", e.admin, map[string]any{"cluster": []string{"all"}})
	if r.body["has_all_requested"] != true {
		t.Errorf("_has_privileges routed as a username: %s", r.raw)
	}
	r = e.call("GET", "/", e.admin, nil)
	expectStatus(t, r, 200)
	if r.str("version.build_flavor") != "default" || !strings.HasPrefix(r.str("version.number"), "9.") {
		t.Errorf("info: %s", r.raw)
	}
	expectError(t, e.call("PUT", "/_security/user/x", e.admin, "{not json"), 400, "x_content_parse_exception",
		r2reason(e.call("PUT", "/_security/user/x", e.admin, "{not json")))
}

// r2reason returns the reason, for error types whose text is not pinned.
func r2reason(r resp) string { return r.str("error.reason") }

func TestHasPrivileges(t *testing.T) {
	e := newEnv(t, FlavorStack)
	alice := e.newUser("alice3", []string{"viewer", "logs-reader", "dashboard-reader"})
	r := e.call("POST", "/_security/user/alice3/_has_privileges", alice, map[string]any{
		"cluster": []string{"monitor", "manage_own_api_key"},
		"index": []any{
			map[string]any{"names": []string{"logs-2026", "*"}, "privileges": []string{"read"}},
			map[string]any{"names": []string{"logs-2026"}, "privileges": []string{"view_index_metadata", "write"}},
			map[string]any{"names": []string{".security-7"}, "privileges": []string{"read"}, "allow_restricted_indices": true},
		},
		"application": []any{map[string]any{"application": "kibana-.kibana",
			"privileges": []string{"feature_dashboard.read", "feature_discover.all", "space_read", "read"}, "resources": []string{"space:default", "space:ops"}}},
	})
	expectStatus(t, r, 200)
	want := map[string]any{
		"cluster.monitor":                                     false,
		"cluster.manage_own_api_key":                          false,
		"index.logs-2026.read":                                true,
		"index.logs-2026.view_index_metadata":                 true,
		"index.logs-2026.write":                               false,
		"index.*.read":                                        false, // * is not covered (dot indices)
		"index..security-7.read":                              false,
		"application.kibana-.kibana.space:default.space_read": true, // viewer: global read
		"application.kibana-.kibana.space:default.feature_dashboard.read": true,
		"application.kibana-.kibana.space:ops.feature_discover.all":       false,
		"has_all_requested": false,
	}
	for path, v := range want {
		var got any
		if strings.HasPrefix(path, "application.") || strings.HasPrefix(path, "index..") {
			got = digApp(r, path)
		} else {
			got = r.get(path)
		}
		if got != v {
			t.Errorf("%s = %v, want %v", path, got, v)
		}
	}
	// superuser has everything, restricted indices included for reads.
	r = e.call("POST", "/_security/user/_has_privileges", e.admin, map[string]any{
		"cluster":     []string{"all", "manage_security", "cluster:admin/xpack/security/*"},
		"index":       []any{map[string]any{"names": []string{"*"}, "privileges": []string{"all"}}},
		"application": []any{map[string]any{"application": "any-app", "privileges": []string{"anything"}, "resources": []string{"*"}}}})
	if r.body["has_all_requested"] != true {
		t.Errorf("superuser: %s", r.raw)
	}
	// manage implies monitor but not manage_security.
	expectStatus(t, e.call("PUT", "/_security/role/manager", e.admin, map[string]any{"cluster": []string{"manage"}}), 200)
	mgr := e.newUser("mgr", []string{"manager"})
	r = e.call("POST", "/_security/user/_has_privileges", mgr, map[string]any{"cluster": []string{"monitor", "manage_ilm", "manage_security", "read_security"}})
	if r.get("cluster.monitor") != true || r.get("cluster.manage_ilm") != true || r.get("cluster.manage_security") != false || r.get("cluster.read_security") != false {
		t.Errorf("manage implications: %s", r.raw)
	}

	expectError(t, e.call("POST", "/_security/user/bob/_has_privileges", alice, map[string]any{"cluster": []string{"all"}}),
		400, "illegal_argument_exception", "users may only check the privileges of their own account")
	expectError(t, e.call("POST", "/_security/user/_has_privileges", alice, map[string]any{}),
		400, "parse_exception", "failed to parse privileges check [alice3]. All privilege fields [cluster,index,applications] are missing")
	expectError(t, e.call("POST", "/_security/user/_has_privileges", alice, map[string]any{"indices": []any{}}),
		400, "parse_exception", "failed to parse privileges check [alice3]. unexpected field [indices]")
	expectError(t, e.call("POST", "/_security/user/_has_privileges", alice, map[string]any{"index": []any{
		map[string]any{"names": "a", "privileges": []string{"read"}, "query": "{}"}}}),
		400, "parse_exception", "Field [query] is not supported in a has_privileges request")
	expectError(t, e.call("POST", "/_security/user/_has_privileges", alice, map[string]any{"cluster": []string{"superpowers"}}),
		400, "illegal_argument_exception", unknownClusterPrivilegeMsg(FlavorStack, "superpowers"))
}

// digApp walks paths whose keys contain dots (index and resource names).
func digApp(r resp, path string) any {
	switch {
	case strings.HasPrefix(path, "index.."):
		rest := strings.TrimPrefix(path, "index.")
		i := strings.LastIndex(rest, ".")
		m, _ := r.body["index"].(map[string]any)[rest[:i]].(map[string]any)
		return m[rest[i+1:]]
	}
	rest := strings.TrimPrefix(path, "application.kibana-.kibana.")
	res, priv, _ := strings.Cut(rest, ".")
	apps := r.body["application"].(map[string]any)["kibana-.kibana"].(map[string]any)
	m, _ := apps[res].(map[string]any)
	return m[priv]
}

func TestRoleMappings(t *testing.T) {
	e := newEnv(t, FlavorStack)
	r := e.call("PUT", "/_security/role_mapping/saml-log-readers", e.admin, map[string]any{
		"enabled": false, "roles": []string{"logs-reader"},
		"rules": map[string]any{"all": []any{
			map[string]any{"field": map[string]any{"realm.name": "saml1"}},
			map[string]any{"field": map[string]any{"groups": []string{"log-readers", "ops"}}},
			map[string]any{"except": map[string]any{"field": map[string]any{"username": "svc-*"}}}}},
		"metadata": map[string]any{"owner": "platform-team"}})
	expectStatus(t, r, 200)
	if r.get("role_mapping.created") != true {
		t.Fatal(string(r.raw))
	}
	r = e.call("PUT", "/_security/role_mapping/saml-log-readers", e.admin, map[string]any{
		"enabled": true, "roles": []string{"logs-reader"}, "rules": map[string]any{"field": map[string]any{"username": "*"}}})
	if r.get("role_mapping.created") != false {
		t.Fatal(string(r.raw))
	}
	r = e.call("PUT", "/_security/role_mapping/groups-as-roles", e.admin, map[string]any{
		"enabled": true, "role_templates": []any{map[string]any{"template": map[string]any{"source": "{{#tojson}}groups{{/tojson}}"}, "format": "json"}},
		"rules": map[string]any{"field": map[string]any{"realm.name": "ldap1"}}})
	expectStatus(t, r, 200)
	// The reference (§7.3) renders a stored template as a JSON string; the
	// contract's response schema wants a script object. Elasticsearch stores
	// and returns the string, so the emulator follows the reference.
	r = e.callOffContractResponse("GET", "/_security/role_mapping/groups-as-roles,saml-log-readers", e.admin, nil)
	expectStatus(t, r, 200)
	if got := r.get("groups-as-roles.role_templates").([]any)[0].(map[string]any)["template"]; got != `{"source":"{{#tojson}}groups{{/tojson}}"}` {
		t.Errorf("template = %v", got)
	}
	if r.get("saml-log-readers.rules.field.username") != "*" || r.get("saml-log-readers.metadata") == nil {
		t.Errorf("mapping = %s", r.raw)
	}
	r = e.callOffContractResponse("GET", "/_security/role_mapping/_all", e.admin, nil)
	if len(r.body) != 4 {
		t.Errorf("_all: %d mappings", len(r.body))
	}
	r = e.call("GET", "/_security/role_mapping/ghost", e.admin, nil)
	expectStatus(t, r, 404)
	expectStatus(t, e.call("DELETE", "/_security/role_mapping/groups-as-roles", e.admin, nil), 200)
	r = e.call("DELETE", "/_security/role_mapping/groups-as-roles", e.admin, nil)
	if r.status != 404 || string(r.raw) != `{"found":false}` {
		t.Errorf("delete missing: %d %s", r.status, r.raw)
	}

	rules := map[string]any{"field": map[string]any{"username": "*"}}
	cases := []struct {
		name   string
		body   any
		typ    string
		reason string
	}{
		{"both", map[string]any{"enabled": true, "roles": []string{"a"}, "role_templates": []any{map[string]any{"template": "x"}}, "rules": rules},
			"action_request_validation_exception", "Validation Failed: 1: role-mapping cannot have both roles and role-templates;"},
		{"neither", map[string]any{"enabled": true, "rules": rules}, "parsing_exception", "failed to parse role-mapping [m]. missing field [roles]"},
		{"empty roles", map[string]any{"enabled": true, "roles": []string{}, "rules": rules},
			"action_request_validation_exception", "Validation Failed: 1: role-mapping roles or role-templates are missing;"},
		{"no rules", map[string]any{"enabled": true, "roles": []string{"a"}}, "parsing_exception", "failed to parse role-mapping [m]. missing field [rules]"},
		// The contract marks enabled optional; the reference (§7.1, 8.x
		// source) requires it, and the emulator follows the reference.
		{"no enabled", map[string]any{"roles": []string{"a"}, "rules": rules}, "parsing_exception", "failed to parse role-mapping [m]. missing field [enabled]"},
		{"read only", map[string]any{"enabled": true, "roles": []string{"a"}, "rules": rules, "metadata": map[string]any{"_read_only": true}},
			"action_request_validation_exception", "Validation Failed: 1: metadata contains [_read_only] flag. You cannot create or update role-mappings with a read-only flag;"},
		{"underscore", map[string]any{"enabled": true, "roles": []string{"a"}, "rules": rules, "metadata": map[string]any{"_x": 1}},
			"action_request_validation_exception", "Validation Failed: 1: metadata keys may not start with [_];"},
		{"except at top", map[string]any{"enabled": true, "roles": []string{"a"}, "rules": map[string]any{"except": rules}},
			"parse_exception", "failed to parse rules expression. field [except] is not allowed within [rules]"},
		{"except in any", map[string]any{"enabled": true, "roles": []string{"a"}, "rules": map[string]any{"any": []any{map[string]any{"except": rules}}}},
			"parse_exception", "failed to parse rules expression. field [except] is not allowed within [any]"},
		{"two keys", map[string]any{"enabled": true, "roles": []string{"a"}, "rules": map[string]any{"any": []any{}, "all": []any{}}},
			"parse_exception", "failed to parse rules expression. object [rules] contains multiple fields"},
		{"empty rule", map[string]any{"enabled": true, "roles": []string{"a"}, "rules": map[string]any{}},
			"parse_exception", "failed to parse rules expression. object [rules] does not contain any fields"},
		{"unknown", map[string]any{"enabled": true, "roles": []string{"a"}, "rules": map[string]any{"not": rules}},
			"parse_exception", "failed to parse rules expression. field [not] is not recognised in object [rules]"},
		{"any not array", map[string]any{"enabled": true, "roles": []string{"a"}, "rules": map[string]any{"any": rules}},
			"parse_exception", "failed to parse rules expression. field [any] requires an array"},
		{"bad value", map[string]any{"enabled": true, "roles": []string{"a"}, "rules": map[string]any{"field": map[string]any{"groups": map[string]any{}}}},
			"parse_exception", "failed to parse rules expression. expected a field value but found [START_OBJECT] instead"},
		{"bad format", map[string]any{"enabled": true, "role_templates": []any{map[string]any{"template": "x", "format": "yaml"}}, "rules": rules},
			"illegal_argument_exception", "Invalid format [yaml] expected one of [json,string]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.callOffContract("PUT", "/_security/role_mapping/m", e.admin, tc.body)
			expectError(t, r, 400, tc.typ, tc.reason)
		})
	}
}
