package tools_test

import (
	"context"
	"maps"
	"strings"
	"sync"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/cloudemu"
	"github.com/elastic-access-mcp/elastic-access-mcp/server"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
	"github.com/mark3labs/mcp-go/mcp"
)

// Every route to superuser-level or organization-wide access goes through the
// access policy and needs the person's approval, whatever the tool and
// whatever the spelling. Each case is run three ways: a client that declines
// (asked once, nothing changes upstream), --confirm=param (refused without
// confirm: true, applied with it), and a client that approves (applied).

// escalationCase is one write that escalates. state reads the part of the
// upstream state the write would change; want is in it once applied.
type escalationCase struct {
	name  string
	setup func(t *testing.T, h *servertest.Harness)
	tool  string
	args  func(h *servertest.Harness) map[string]any
	state func(t *testing.T, h *servertest.Harness) string
	want  string
}

// prompts answers confirmation prompts with one action and records them.
type prompts struct {
	mu       sync.Mutex
	messages []string
	action   mcp.ElicitationResponseAction
}

func (p *prompts) answer(_ context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.messages = append(p.messages, req.Params.Message)
	res := &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: p.action}}
	if p.action == mcp.ElicitationResponseActionAccept {
		res.Content = map[string]any{"confirm": true}
	}
	return res, nil
}

func (p *prompts) seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.messages...)
}

func policyOpts(elicit func(context.Context, mcp.ElicitationRequest) (*mcp.ElicitationResult, error)) servertest.Options {
	// User credentials: an API key may only create keys without privileges.
	return servertest.Options{Flavor: "stack", AllowWrites: true, AllowDestructive: true, Elicit: elicit, ESBasicAuth: true}
}

// ---- upstream state readers ----

func userState(name string) func(*testing.T, *servertest.Harness) string {
	return func(t *testing.T, h *servertest.Harness) string {
		u, ok := esReadUser(t, h, name)
		if !ok {
			return "absent"
		}
		return asJSON(map[string]any{"roles": u.Roles, "enabled": u.Enabled})
	}
}

func roleState(name string) func(*testing.T, *servertest.Harness) string {
	return func(t *testing.T, h *servertest.Harness) string {
		r, ok := esReadRole(t, h, name)
		if !ok {
			return "absent"
		}
		r.Metadata = nil
		return asJSON(r)
	}
}

func mappingState(name string) func(*testing.T, *servertest.Harness) string {
	return func(t *testing.T, h *servertest.Harness) string {
		m, err := esAdmin(t, h).GetRoleMappings(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := m[name]; !ok {
			return "absent"
		}
		return asJSON(m[name])
	}
}

func keyState(name string) func(*testing.T, *servertest.Harness) string {
	return func(t *testing.T, h *servertest.Harness) string {
		res, err := esAdmin(t, h).QueryAPIKeys(context.Background(), map[string]any{"query": map[string]any{"term": map[string]any{"name": name}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.APIKeys) == 0 {
			return "absent"
		}
		return asJSON(res.APIKeys[0].RoleDescriptors)
	}
}

func memberState(email string) func(*testing.T, *servertest.Harness) string {
	return func(t *testing.T, h *servertest.Harness) string { return asJSON(rolesOf(t, h, email)) }
}

func invitationState(email string) func(*testing.T, *servertest.Harness) string {
	return func(t *testing.T, h *servertest.Harness) string {
		return asJSON(h.CallOK(t, "list_org_invitations", map[string]any{"email": email})["invitations"])
	}
}

func cloudKeyState(desc string) func(*testing.T, *servertest.Harness) string {
	return func(t *testing.T, h *servertest.Harness) string {
		keys := asList(h.CallOK(t, "list_cloud_api_keys", map[string]any{"description": desc})["keys"])
		if len(keys) == 0 {
			return "absent"
		}
		return asJSON(keys)
	}
}

// ---- setups ----

func putRole(name string, d esapi.RoleDescriptor) func(*testing.T, *servertest.Harness) {
	return func(t *testing.T, h *servertest.Harness) {
		if _, err := esAdmin(t, h).PutRole(context.Background(), name, d); err != nil {
			t.Fatal(err)
		}
	}
}

func putUser(name string, roles []string, enabled bool) func(*testing.T, *servertest.Harness) {
	return func(t *testing.T, h *servertest.Harness) {
		if _, err := esAdmin(t, h).PutUser(context.Background(), name, esapi.PutUserBody{Password: "a-long-test-password", Roles: roles, Enabled: enabled}); err != nil {
			t.Fatal(err)
		}
	}
}

// ---- argument shorthands ----

// fixed gives the same arguments to every call, as a fresh copy (the
// param-mode call adds confirm).
func fixed(args map[string]any) func(*servertest.Harness) map[string]any {
	return func(*servertest.Harness) map[string]any { return maps.Clone(args) }
}

func list(s ...string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func idx(names []any, privs ...string) map[string]any {
	return map[string]any{"names": names, "privileges": list(privs...)}
}

func roleArgs(name string, fields map[string]any) map[string]any {
	fields["name"] = name
	return fields
}

func keyArgs(name string, desc map[string]any) map[string]any {
	return map[string]any{"name": name, "expiration": "1d", "role_descriptors": map[string]any{"d": desc}}
}

var samlRule = map[string]any{"field": map[string]any{"realm.name": "saml1"}}

func mappingArgs(name string, fields map[string]any) map[string]any {
	fields["name"] = name
	fields["enabled"] = true
	fields["rules"] = samlRule
	return fields
}

func cloudRole(scope, role string, extra map[string]any) map[string]any {
	out := map[string]any{"scope": scope, "role": role}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

func assignArgs(email string, roles ...any) map[string]any {
	return map[string]any{"members": list(email), "roles": roles}
}

func escalationCases() []escalationCase {
	clusterAllRole := esapi.RoleDescriptor{Cluster: []string{"cluster:*"}}
	securityRole := esapi.RoleDescriptor{Cluster: []string{"cluster:admin/xpack/security/*"}}
	regexAllRole := esapi.RoleDescriptor{Indices: []esapi.IndexPrivileges{{Names: esapi.StringList{"/.*/"}, Privileges: []string{"all"}}}}
	runAsRole := esapi.RoleDescriptor{RunAs: []string{"elastic"}}
	var cs []escalationCase
	add := func(c escalationCase) { cs = append(cs, c) }

	// create_user
	add(escalationCase{name: "create_user superuser", tool: "create_user",
		args: fixed(map[string]any{"username": "mallory", "roles": list("superuser")}), state: userState("mallory"), want: "superuser"})
	add(escalationCase{name: "create_user superuser among harmless roles", tool: "create_user",
		args: fixed(map[string]any{"username": "mallory", "roles": list("viewer", "superuser", "logs-reader")}), state: userState("mallory"), want: "superuser"})
	add(escalationCase{name: "create_user custom cluster:* role", setup: putRole("ops-all", clusterAllRole), tool: "create_user",
		args: fixed(map[string]any{"username": "mallory", "roles": list("ops-all")}), state: userState("mallory"), want: "ops-all"})
	add(escalationCase{name: "create_user custom security action pattern role", setup: putRole("sec-ops", securityRole), tool: "create_user",
		args: fixed(map[string]any{"username": "mallory", "roles": list("sec-ops")}), state: userState("mallory"), want: "sec-ops"})
	// update_user
	add(escalationCase{name: "update_user add superuser", tool: "update_user",
		args: fixed(map[string]any{"username": "alice", "add_roles": list("superuser")}), state: userState("alice"), want: "superuser"})
	add(escalationCase{name: "update_user set_roles with superuser", tool: "update_user",
		args: fixed(map[string]any{"username": "alice", "set_roles": list("viewer", "logs-reader", "superuser")}), state: userState("alice"), want: "superuser"})
	add(escalationCase{name: "update_user add regex-everything role", setup: putRole("everything", regexAllRole), tool: "update_user",
		args: fixed(map[string]any{"username": "alice", "add_roles": list("everything")}), state: userState("alice"), want: "everything"})
	add(escalationCase{name: "update_user add run_as elastic role", setup: putRole("impersonator", runAsRole), tool: "update_user",
		args: fixed(map[string]any{"username": "alice", "add_roles": list("impersonator")}), state: userState("alice"), want: "impersonator"})
	add(escalationCase{name: "update_user add manage_token role", setup: putRole("tokens", esapi.RoleDescriptor{Cluster: []string{"manage_token"}}), tool: "update_user",
		args: fixed(map[string]any{"username": "alice", "add_roles": list("tokens")}), state: userState("alice"), want: "tokens"})
	add(escalationCase{name: "update_user add an unrestricted role over the user's document-level security", setup: putRole("hr-reader-all",
		esapi.RoleDescriptor{Indices: []esapi.IndexPrivileges{{Names: esapi.StringList{"hr-*"}, Privileges: []string{"read"}}}}), tool: "update_user",
		args: fixed(map[string]any{"username": "hr-analyst", "add_roles": list("hr-reader-all")}), state: userState("hr-analyst"), want: "hr-reader-all"})
	// set_user_enabled
	add(escalationCase{name: "set_user_enabled a disabled superuser", setup: putUser("dormant", []string{"superuser"}, false), tool: "set_user_enabled",
		args: fixed(map[string]any{"username": "dormant", "enabled": true}), state: userState("dormant"), want: `"enabled":true`})
	add(escalationCase{name: "set_user_enabled a disabled holder of a cluster:* role", setup: func(t *testing.T, h *servertest.Harness) {
		putRole("ops-all", clusterAllRole)(t, h)
		putUser("dormant", []string{"ops-all"}, false)(t, h)
	}, tool: "set_user_enabled", args: fixed(map[string]any{"username": "dormant", "enabled": true}), state: userState("dormant"), want: `"enabled":true`})
	// put_role: privileges by name and by action pattern
	// Action patterns in new roles and keys are refused before anything is
	// asked (TestInternalActionNamesAreRefused); roles that already hold them
	// are judged by what they cover when they are assigned.
	for _, pattern := range []string{"cluster:admin/xpack/security/*", "cluster:admin/xpack/security/user/put", "cluster:admin/*"} {
		add(escalationCase{name: "create_user holding a role of " + pattern, setup: putRole("ops-actions", esapi.RoleDescriptor{Cluster: []string{pattern}}), tool: "create_user",
			args: fixed(map[string]any{"username": "carol", "roles": list("ops-actions")}), state: userState("carol"), want: "ops-actions"})
	}
	for _, cl := range [][]string{{"all"}, {"manage_security"},
		{"manage_saml"}, {"manage_oidc"}, {"grant_api_key"}, {"monitor", "manage_token"}} {
		add(escalationCase{name: "put_role cluster " + strings.Join(cl, ","), tool: "put_role",
			args: fixed(roleArgs("r1", map[string]any{"cluster": list(cl...)})), state: roleState("r1"), want: cl[len(cl)-1]})
	}
	for _, names := range [][]string{{"*"}, {"/.*/"}, {"**"}, {"logs-*", "*"}, {"/.+/"}} {
		add(escalationCase{name: "put_role all on " + strings.Join(names, ","), tool: "put_role",
			args: fixed(roleArgs("r1", map[string]any{"indices": list2(idx(list(names...), "all"))})), state: roleState("r1"), want: `"all"`})
	}
	add(escalationCase{name: "put_role write on every index", tool: "put_role",
		args: fixed(roleArgs("r1", map[string]any{"indices": list2(idx(list("*"), "write"))})), state: roleState("r1"), want: `"write"`})
	add(escalationCase{name: "put_role read on the security index", tool: "put_role",
		args:  fixed(roleArgs("r1", map[string]any{"indices": list2(map[string]any{"names": list(".security*"), "privileges": list("read"), "allow_restricted_indices": true})})),
		state: roleState("r1"), want: ".security"})
	for _, ra := range [][]string{{"elastic"}, {"?*"}, {"*"}, {"adm*"}} {
		add(escalationCase{name: "put_role run_as " + strings.Join(ra, ","), tool: "put_role",
			args: fixed(roleArgs("r1", map[string]any{"run_as": list(ra...)})), state: roleState("r1"), want: ra[0]})
	}
	add(escalationCase{name: "put_role every application privilege", tool: "put_role",
		args:  fixed(roleArgs("r1", map[string]any{"applications": list2(map[string]any{"application": "*", "privileges": list("*"), "resources": list("*")})})),
		state: roleState("r1"), want: `"application":"*"`})
	add(escalationCase{name: "put_role Kibana all in every space", tool: "put_role",
		args:  fixed(roleArgs("r1", map[string]any{"kibana": list2(map[string]any{"base": list("all"), "spaces": list("*")})})),
		state: roleState("r1"), want: "kibana"})
	add(escalationCase{name: "put_role redefines a held role with manage_security", tool: "put_role",
		args:  fixed(roleArgs("logs-reader", map[string]any{"cluster": list("manage_security"), "indices": list2(idx(list("logs-*"), "read", "view_index_metadata"))})),
		state: roleState("logs-reader"), want: "manage_security"})
	add(escalationCase{name: "put_role cancels document-level security of its holders", tool: "put_role",
		args:  fixed(roleArgs("hr-department-viewer", map[string]any{"indices": list2(idx(list("hr-*"), "read"))})),
		state: roleState("hr-department-viewer"), want: `"names":["hr-*"],"privileges":["read"]}`})
	// put_role_mapping: roles, static and dynamic templates
	add(escalationCase{name: "put_role_mapping to superuser", tool: "put_role_mapping",
		args: fixed(mappingArgs("m1", map[string]any{"roles": list("superuser")})), state: mappingState("m1"), want: "superuser"})
	add(escalationCase{name: "put_role_mapping to a cluster:* custom role", setup: putRole("ops-all", clusterAllRole), tool: "put_role_mapping",
		args: fixed(mappingArgs("m1", map[string]any{"roles": list("ops-all")})), state: mappingState("m1"), want: "ops-all"})
	add(escalationCase{name: "put_role_mapping static template superuser", tool: "put_role_mapping",
		args: fixed(mappingArgs("m1", map[string]any{"role_templates": list2(map[string]any{"template": map[string]any{"source": "superuser"}})})), state: mappingState("m1"), want: "superuser"})
	add(escalationCase{name: "put_role_mapping JSON template listing superuser", tool: "put_role_mapping",
		args: fixed(mappingArgs("m1", map[string]any{"role_templates": list2(map[string]any{"template": `{"source":"[\"viewer\",\"superuser\"]"}`, "format": "json"})})), state: mappingState("m1"), want: "superuser"})
	add(escalationCase{name: "put_role_mapping template from the user's groups", tool: "put_role_mapping",
		args: fixed(mappingArgs("m1", map[string]any{"role_templates": list2(map[string]any{"template": map[string]any{"source": "{{#tojson}}groups{{/tojson}}"}, "format": "json"})})), state: mappingState("m1"), want: "groups"})
	add(escalationCase{name: "put_role_mapping template from the username", tool: "put_role_mapping",
		args: fixed(mappingArgs("m1", map[string]any{"role_templates": list2(map[string]any{"template": map[string]any{"source": "{{username}}"}})})), state: mappingState("m1"), want: "username"})
	add(escalationCase{name: "put_role_mapping replaces a reader mapping with superuser", tool: "put_role_mapping",
		args:  fixed(map[string]any{"name": "ldap-readers", "enabled": true, "roles": list("logs-reader", "superuser"), "rules": map[string]any{"field": map[string]any{"realm.name": "ldap1"}}}),
		state: mappingState("ldap-readers"), want: "superuser"})
	// create_es_api_key
	add(escalationCase{name: "create_es_api_key cluster all", tool: "create_es_api_key",
		args: fixed(keyArgs("k1", map[string]any{"cluster": list("all")})), state: keyState("k1"), want: `"all"`})
	add(escalationCase{name: "create_es_api_key manage_security", tool: "create_es_api_key",
		args: fixed(keyArgs("k1", map[string]any{"cluster": list("manage_security")})), state: keyState("k1"), want: "manage_security"})
	add(escalationCase{name: "create_es_api_key manage_saml", tool: "create_es_api_key",
		args: fixed(keyArgs("k1", map[string]any{"cluster": list("manage_saml")})), state: keyState("k1"), want: "manage_saml"})
	add(escalationCase{name: "create_es_api_key all on /.*/", tool: "create_es_api_key",
		args: fixed(keyArgs("k1", map[string]any{"indices": list2(idx(list("/.*/"), "all"))})), state: keyState("k1"), want: "/.*/"})
	add(escalationCase{name: "create_es_api_key grant_api_key", tool: "create_es_api_key",
		args: fixed(keyArgs("k1", map[string]any{"cluster": list("grant_api_key")})), state: keyState("k1"), want: "grant_api_key"})

	// Spellings: privilege names are case-insensitive, and patterns that
	// cover everything need not look like "*".
	for _, cl := range []string{"ALL", "Manage_Security"} {
		add(escalationCase{name: "put_role cluster " + cl, tool: "put_role",
			args: fixed(roleArgs("r1", map[string]any{"cluster": list(cl)})), state: roleState("r1"), want: strings.ToLower(cl)})
	}
	for _, names := range [][]string{{"/@/"}, {"?*"}, {"/.{0,}/"}} {
		add(escalationCase{name: "put_role all on " + strings.Join(names, ","), tool: "put_role",
			args: fixed(roleArgs("r1", map[string]any{"indices": list2(idx(list(names...), "all"))})), state: roleState("r1"), want: `"all"`})
	}
	add(escalationCase{name: "put_role run_as regex", tool: "put_role",
		args: fixed(roleArgs("r1", map[string]any{"run_as": list("/el.*/")})), state: roleState("r1"), want: "/el.*/"})
	add(escalationCase{name: "create_es_api_key MANAGE_SECURITY", tool: "create_es_api_key",
		args: fixed(keyArgs("k1", map[string]any{"cluster": list("MANAGE_SECURITY")})), state: keyState("k1"), want: "manage_security"})
	add(escalationCase{name: "update_user add a role granting write on every index", setup: putRole("writer-everywhere",
		esapi.RoleDescriptor{Indices: []esapi.IndexPrivileges{{Names: esapi.StringList{"*"}, Privileges: []string{"write"}}}}), tool: "update_user",
		args: fixed(map[string]any{"username": "auditor", "add_roles": list("writer-everywhere")}), state: userState("auditor"), want: "writer-everywhere"})

	// Cloud: members
	search := func(h *servertest.Harness) string { return seed(h).Projects["elasticsearch"].ID }
	alice := cloudemu.DemoAliceEmail
	add(escalationCase{name: "assign_cloud_roles organization-admin", tool: "assign_cloud_roles",
		args: fixed(assignArgs(alice, cloudRole("organization", "organization-admin", nil))), state: memberState(alice), want: "organization-admin"})
	add(escalationCase{name: "assign_cloud_roles organization application_roles", tool: "assign_cloud_roles",
		args: fixed(assignArgs(alice, cloudRole("organization", "billing-admin", map[string]any{"application_roles": list("viewer")}))), state: memberState(alice), want: "billing-admin"})
	add(escalationCase{name: "assign_cloud_roles project admin on every project", tool: "assign_cloud_roles",
		args: fixed(assignArgs(alice, cloudRole("project", "admin", map[string]any{"project_type": "elasticsearch", "all": true}))), state: memberState(alice), want: "elasticsearch-admin"})
	add(escalationCase{name: "assign_cloud_roles admin all plus application_roles superuser", tool: "assign_cloud_roles",
		args:  fixed(assignArgs(cloudemu.DemoBobEmail, cloudRole("project", "admin", map[string]any{"project_type": "elasticsearch", "all": true, "application_roles": list("superuser")}))),
		state: memberState(cloudemu.DemoBobEmail), want: "superuser"})
	add(escalationCase{name: "assign_cloud_roles viewer with application_roles superuser on one project", tool: "assign_cloud_roles",
		args: func(h *servertest.Harness) map[string]any {
			return assignArgs(cloudemu.DemoBobEmail, cloudRole("project", "viewer", map[string]any{"project_ids": list(search(h)), "application_roles": list("superuser")}))
		}, state: memberState(cloudemu.DemoBobEmail), want: "superuser"})
	add(escalationCase{name: "assign_cloud_roles project admin on one project", tool: "assign_cloud_roles",
		args: fixed(assignArgs(alice, cloudRole("project", "admin", map[string]any{"project_ids": list("search-demo")}))), state: memberState(alice), want: "elasticsearch-admin"})
	add(escalationCase{name: "assign_cloud_roles deployment admin on every deployment", tool: "assign_cloud_roles",
		args: fixed(assignArgs(alice, cloudRole("deployment", "admin", map[string]any{"all": true}))), state: memberState(alice), want: "deployment-admin"})
	add(escalationCase{name: "assign_cloud_roles canonical deployment-admin spelling", tool: "assign_cloud_roles",
		args: fixed(assignArgs(alice, cloudRole("deployment", "deployment-admin", map[string]any{"all": true}))), state: memberState(alice), want: "deployment-admin"})
	add(escalationCase{name: "assign_cloud_roles Organization-Admin in capitals with spaces", tool: "assign_cloud_roles",
		args: fixed(assignArgs(alice, cloudRole("organization", " Organization-Admin ", nil))), state: memberState(alice), want: "organization-admin"})
	add(escalationCase{name: "assign_cloud_roles application_roles admin on one project", tool: "assign_cloud_roles",
		args:  fixed(assignArgs(cloudemu.DemoBobEmail, cloudRole("project", "viewer", map[string]any{"project_ids": list("search-demo"), "application_roles": list("admin")}))),
		state: memberState(cloudemu.DemoBobEmail), want: `"admin"`})
	// Cloud: invitations
	add(escalationCase{name: "invite_org_members organization-admin", tool: "invite_org_members",
		args:  fixed(map[string]any{"emails": list("eve@example.com"), "roles": list2(cloudRole("organization", "organization-admin", nil))}),
		state: invitationState("eve@example.com"), want: "organization-admin"})
	add(escalationCase{name: "invite_org_members admin on every project", tool: "invite_org_members",
		args:  fixed(map[string]any{"emails": list("eve@example.com"), "roles": list2(cloudRole("project", "admin", map[string]any{"project_type": "observability", "all": true}))}),
		state: invitationState("eve@example.com"), want: "observability-admin"})
	add(escalationCase{name: "invite_org_members viewer with application_roles superuser", tool: "invite_org_members",
		args:  fixed(map[string]any{"emails": list("eve@example.com"), "roles": list2(cloudRole("project", "viewer", map[string]any{"project_ids": list("search-demo"), "application_roles": list("superuser")}))}),
		state: invitationState("eve@example.com"), want: "superuser"})
	// Cloud: API keys
	add(escalationCase{name: "create_cloud_api_key organization-admin", tool: "create_cloud_api_key",
		args:  fixed(map[string]any{"description": "k-owner", "expiration": "1d", "roles": list2(cloudRole("organization", "organization-admin", nil))}),
		state: cloudKeyState("k-owner"), want: "k-owner"})
	add(escalationCase{name: "create_cloud_api_key stack_access superuser on one project", tool: "create_cloud_api_key",
		args: fixed(map[string]any{"description": "k-stack", "expiration": "1d", "stack_access": list("superuser"),
			"roles": list2(cloudRole("project", "viewer", map[string]any{"project_ids": list("search-demo")}))}),
		state: cloudKeyState("k-stack"), want: "k-stack"})
	add(escalationCase{name: "create_cloud_api_key stack_access admin on every project", tool: "create_cloud_api_key",
		args: fixed(map[string]any{"description": "k-every", "expiration": "1d", "stack_access": list("admin"),
			"roles": list2(cloudRole("project", "developer", map[string]any{"project_type": "elasticsearch", "all": true}))}),
		state: cloudKeyState("k-every"), want: "k-every"})
	// Cloud: custom project roles naming a superuser-like role
	for _, role := range []string{"superuser", "admin"} {
		add(escalationCase{name: "assign_project_custom_role " + role, tool: "assign_project_custom_role",
			args:  fixed(map[string]any{"member": cloudemu.DemoCarolEmail, "project": "obs-demo", "custom_role": role}),
			state: memberState(cloudemu.DemoCarolEmail), want: `"` + role + `"`})
	}
	return cs
}

func list2(m ...map[string]any) []any {
	out := make([]any, len(m))
	for i, v := range m {
		out[i] = v
	}
	return out
}

func TestEveryEscalationNeedsApproval(t *testing.T) {
	cases := escalationCases()
	if len(cases) < 40 {
		t.Fatalf("only %d escalation paths", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Run("declined", func(t *testing.T) {
				p := &prompts{action: mcp.ElicitationResponseActionDecline}
				h := servertest.New(t, policyOpts(p.answer))
				if tc.setup != nil {
					tc.setup(t, h)
				}
				before := tc.state(t, h)
				res := h.Call(t, tc.tool, tc.args(h))
				if !res.IsError {
					t.Fatalf("applied without approval: %s", servertest.Text(res))
				}
				mustContain(t, servertest.Text(res), "declined")
				asked := p.seen()
				if len(asked) != 1 || !strings.Contains(asked[0], "Escalations:") {
					t.Fatalf("the prompt should state the escalation: %q", asked)
				}
				if after := tc.state(t, h); after != before {
					t.Fatalf("declined change was applied:\nbefore %s\nafter  %s", before, after)
				}

				// The same sandbox through a server in --confirm=param mode.
				opts := policyOpts(nil)
				opts.Confirm = toolkit.ConfirmParam
				srv, err := server.New(h.Config(opts))
				if err != nil {
					t.Fatal(err)
				}
				c := servertest.Connect(t, srv, opts)
				res = servertest.CallTool(t, c, tc.tool, tc.args(h))
				if !res.IsError {
					t.Fatalf("param mode applied without confirm: %s", servertest.Text(res))
				}
				mustContain(t, servertest.Text(res), "explicit approval", "Escalations:")
				if after := tc.state(t, h); after != before {
					t.Fatalf("param mode without confirm changed %s", after)
				}
				args := tc.args(h)
				args["confirm"] = true
				res = servertest.CallTool(t, c, tc.tool, args)
				if res.IsError {
					t.Fatalf("param mode with confirm: true refused: %s", servertest.Text(res))
				}
				if after := tc.state(t, h); after == before || !strings.Contains(after, tc.want) {
					t.Fatalf("confirmed change not applied: %s", after)
				}
			})
			t.Run("approved", func(t *testing.T) {
				p := &prompts{action: mcp.ElicitationResponseActionAccept}
				h := servertest.New(t, policyOpts(p.answer))
				if tc.setup != nil {
					tc.setup(t, h)
				}
				before := tc.state(t, h)
				res := h.Call(t, tc.tool, tc.args(h))
				if res.IsError {
					t.Fatalf("approved change refused: %s", servertest.Text(res))
				}
				if len(p.seen()) == 0 {
					t.Fatal("applied without asking")
				}
				if after := tc.state(t, h); after == before || !strings.Contains(after, tc.want) {
					t.Fatalf("approved change not applied: %s", after)
				}
			})
		})
	}
}

// New roles and keys never name internal actions (the skills' rule): the
// spellings that once went through as superuser are refused before any
// prompt, and nothing changes.
func TestInternalActionNamesAreRefused(t *testing.T) {
	p := &prompts{action: mcp.ElicitationResponseActionAccept}
	h := servertest.New(t, policyOpts(p.answer))
	for _, pattern := range []string{"cluster:*", "cluster:admin/xpack/security/*", "cluster:admin/xpack/security/user/put"} {
		for _, call := range []struct {
			tool  string
			args  map[string]any
			state func(*testing.T, *servertest.Harness) string
		}{
			{"put_role", roleArgs("r1", map[string]any{"cluster": list(pattern)}), roleState("r1")},
			{"create_es_api_key", keyArgs("k1", map[string]any{"cluster": list(pattern)}), keyState("k1")},
		} {
			before := call.state(t, h)
			res := h.Call(t, call.tool, call.args)
			if !res.IsError {
				t.Fatalf("%s with %s was applied: %s", call.tool, pattern, servertest.Text(res))
			}
			mustContain(t, servertest.Text(res), "internal action name")
			if after := call.state(t, h); after != before {
				t.Errorf("%s with %s changed %s", call.tool, pattern, after)
			}
		}
	}
	if asked := p.seen(); len(asked) != 0 {
		t.Errorf("a refused change asked the person: %q", asked)
	}
}
