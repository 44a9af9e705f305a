package policy

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// builtinRoles are the definitions a 9.1 cluster reports for some built-in
// roles (GET /_security/role), plus custom roles used by the cases below.
const builtinRolesJSON = `{
 "superuser": {"cluster":["all"],"indices":[{"names":["*"],"privileges":["all"]},
   {"names":["*"],"privileges":["monitor","read","view_index_metadata","read_cross_cluster"],"allow_restricted_indices":true}],
   "applications":[{"application":"*","privileges":["*"],"resources":["*"]}],"run_as":["*"]},
 "viewer": {"indices":[{"names":["/~(([.]|ilm-history-).*)/"],"privileges":["read","view_index_metadata"]},
   {"names":[".siem-signals*",".lists-*",".items-*"],"privileges":["read","view_index_metadata"]}],
   "applications":[{"application":"kibana-.kibana","privileges":["read"],"resources":["*"]}]},
 "editor": {"indices":[{"names":["observability-annotations"],"privileges":["read","view_index_metadata","write"]},
   {"names":["/~(([.]|ilm-history-).*)/"],"privileges":["read","view_index_metadata"]}],
   "applications":[{"application":"kibana-.kibana","privileges":["all"],"resources":["*"]}]},
 "kibana_admin": {"applications":[{"application":"kibana-.kibana","privileges":["all"],"resources":["*"]}]},
 "kibana_system": {"cluster":["monitor","manage_index_templates","manage_saml","manage_token","manage_oidc","manage_own_api_key","grant_api_key","manage_api_key"],
   "indices":[{"names":[".kibana*",".reporting-*"],"privileges":["all"]}]},
 "monitoring_user": {"cluster":["cluster:monitor/main","cluster:monitor/xpack/info"],"indices":[{"names":[".monitoring-*"],"privileges":["read","read_cross_cluster"]}]},
 "snapshot_user": {"cluster":["create_snapshot","monitor_snapshot"],"indices":[{"names":["*"],"privileges":["view_index_metadata"],"allow_restricted_indices":true}]},
 "logs_reader": {"indices":[{"names":["logs-*"],"privileges":["read","view_index_metadata"]}]},
 "logs_dls": {"indices":[{"names":["logs-*"],"privileges":["read"],"query":"{\"term\":{\"team\":\"a\"}}"}]},
 "logs_fls": {"indices":[{"names":["logs-*"],"privileges":["read"],"field_security":{"grant":["message"]}}]},
 "metrics_writer": {"indices":[{"names":["metrics-*"],"privileges":["write","create_index"]}]},
 "cluster_star": {"cluster":["cluster:*"]},
 "sec_writer": {"cluster":["cluster:admin/xpack/security/role/put"]},
 "half_a": {"indices":[{"names":["/[a-m].*/"],"privileges":["write"]}]},
 "half_b": {"indices":[{"names":["/[^a-m.].*/"],"privileges":["write"]}]},
 "admin": {"cluster":["all"],"indices":[{"names":["*"],"privileges":["all"]}],
   "applications":[{"application":"*","privileges":["*"],"resources":["*"]}]},
 "developer": {"cluster":["monitor"],"indices":[{"names":["*"],"privileges":["read","view_index_metadata"]}]}
}`

type mapReader struct {
	roles map[string]Role
	calls int
	err   error
}

func newReader(t *testing.T) *mapReader {
	t.Helper()
	var roles map[string]Role
	if err := json.Unmarshal([]byte(builtinRolesJSON), &roles); err != nil {
		t.Fatal(err)
	}
	return &mapReader{roles: roles}
}

func (r *mapReader) Roles(_ context.Context, _ string, names []string) (map[string]Role, error) {
	r.calls++
	if r.err != nil {
		return nil, r.err
	}
	out := map[string]Role{}
	for _, n := range names {
		if d, ok := r.roles[n]; ok {
			out[n] = d
		}
	}
	return out, nil
}

func role(t *testing.T, js string) Role {
	t.Helper()
	var r Role
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return r
}

func newRole(t *testing.T, name, js string) Change {
	return Change{Roles: []RoleChange{{Name: name, New: role(t, js)}}}
}

func newUser(name string, roles ...string) Change {
	return Change{Users: []UserChange{{Username: name, NewRoles: roles, NewEnabled: true}}}
}

func newKey(t *testing.T, js string) Change {
	return Change{APIKeys: []APIKeyChange{{Name: "k", NewDescriptors: map[string]Role{"r": role(t, js)}}}}
}

func newMapping(m RoleMapping) Change {
	m.Enabled = true
	if m.Rules == nil {
		m.Rules = map[string]any{"field": map[string]any{"realm.name": "saml1"}}
	}
	return Change{Mappings: []MappingChange{{Name: "m", New: m}}}
}

func cloud(js string) Change {
	var ra RoleAssignments
	if err := json.Unmarshal([]byte(js), &ra); err != nil {
		panic(err)
	}
	return Change{Cloud: []CloudChange{{Kind: "cloud_member", Name: "bob@example.com", New: ra}}}
}

func TestEscalationTable(t *testing.T) {
	cases := []struct {
		name   string
		change Change
		kind   string // an escalation of this kind must be reported
	}{
		// Users and their roles.
		{"create user with superuser", newUser("alice", "superuser"), KindSuperuser},
		{"update user adding superuser", Change{Users: []UserChange{{Username: "alice", Exists: true, OldRoles: []string{"viewer"},
			OldEnabled: true, NewRoles: []string{"viewer", "superuser"}, NewEnabled: true}}}, KindSuperuser},
		{"user given a custom superuser-like role", newUser("alice", "admin"), KindSuperuser},
		{"user given a role with cluster:*", newUser("alice", "cluster_star"), KindSecurityAdmin},
		{"user given a role that can put roles", newUser("alice", "sec_writer"), KindSecurityAdmin},
		{"user given kibana_system", newUser("alice", "kibana_system"), KindActAsOthers},
		{"user given kibana_admin", newUser("alice", "kibana_admin"), KindKibanaAll},
		{"user given editor (Kibana all everywhere)", newUser("alice", "editor"), KindKibanaAll},
		{"two roles whose write patterns together cover every index", newUser("alice", "half_a", "half_b"), KindIndexEverywhere},
		{"enabling a disabled superuser", Change{Users: []UserChange{{Username: "root", Exists: true, OldRoles: []string{"superuser"},
			OldEnabled: false, NewRoles: []string{"superuser"}, NewEnabled: true}}}, KindSuperuser},
		{"unrestricted role cancels DLS", Change{Users: []UserChange{{Username: "alice", Exists: true, OldRoles: []string{"logs_dls"},
			OldEnabled: true, NewRoles: []string{"logs_dls", "logs_reader"}, NewEnabled: true}}}, KindRestrictionCancelled},
		{"unrestricted role cancels FLS", Change{Users: []UserChange{{Username: "alice", Exists: true, OldRoles: []string{"logs_fls"},
			OldEnabled: true, NewRoles: []string{"logs_fls", "viewer"}, NewEnabled: true}}}, KindRestrictionCancelled},

		// Roles written in every spelling.
		{"role cluster all", newRole(t, "r", `{"cluster":["all"]}`), KindClusterAll},
		{"role cluster ALL in upper case", newRole(t, "r", `{"cluster":["ALL"]}`), KindClusterAll},
		{"role cluster all with whitespace", newRole(t, "r", `{"cluster":[" all "]}`), KindClusterAll},
		{"role manage_security", newRole(t, "r", `{"cluster":["manage_security"]}`), KindSecurityAdmin},
		{"role Manage_Security mixed case", newRole(t, "r", `{"cluster":["Manage_Security"]}`), KindSecurityAdmin},
		{"role cluster:*", newRole(t, "r", `{"cluster":["cluster:*"]}`), KindSecurityAdmin},
		{"role cluster:admin/xpack/security/*", newRole(t, "r", `{"cluster":["cluster:admin/xpack/security/*"]}`), KindSecurityAdmin},
		{"role cluster:admin/xpack/security/user/put", newRole(t, "r", `{"cluster":["cluster:admin/xpack/security/user/put"]}`), KindSecurityAdmin},
		{"role cluster:admin/xpack/*", newRole(t, "r", `{"cluster":["cluster:admin/xpack/*"]}`), KindSecurityAdmin},
		{"role cluster:admin/xpack/security/role_mapping/put without star", newRole(t, "r", `{"cluster":["cluster:admin/xpack/security/role_mapping/pu"]}`), KindSecurityAdmin},
		{"role manage_saml", newRole(t, "r", `{"cluster":["manage_saml"]}`), KindActAsOthers},
		{"role manage_oidc", newRole(t, "r", `{"cluster":["manage_oidc"]}`), KindActAsOthers},
		{"role manage_token", newRole(t, "r", `{"cluster":["manage_token"]}`), KindActAsOthers},
		{"role grant_api_key", newRole(t, "r", `{"cluster":["grant_api_key"]}`), KindActAsOthers},
		{"role manage_api_key (includes grant)", newRole(t, "r", `{"cluster":["manage_api_key"]}`), KindActAsOthers},
		{"role run_as elastic", newRole(t, "r", `{"run_as":["elastic"]}`), KindRunAs},
		{"role run_as ?*", newRole(t, "r", `{"run_as":["?*"]}`), KindRunAs},
		{"role run_as regex", newRole(t, "r", `{"run_as":["/.*/"]}`), KindRunAs},
		{"role all on *", newRole(t, "r", `{"indices":[{"names":["*"],"privileges":["all"]}]}`), KindIndexEverywhere},
		{"role all on **", newRole(t, "r", `{"indices":[{"names":["**"],"privileges":["all"]}]}`), KindIndexEverywhere},
		{"role all on /.*/", newRole(t, "r", `{"indices":[{"names":["/.*/"],"privileges":["all"]}]}`), KindIndexEverywhere},
		{"role All on ?* upper case privilege", newRole(t, "r", `{"indices":[{"names":["?*"],"privileges":["All"]}]}`), KindIndexEverywhere},
		{"role write on *", newRole(t, "r", `{"indices":[{"names":["*"],"privileges":["write"]}]}`), KindIndexEverywhere},
		{"role manage on *", newRole(t, "r", `{"indices":[{"names":["*"],"privileges":["manage"]}]}`), KindIndexEverywhere},
		{"role indices:* on *", newRole(t, "r", `{"indices":[{"names":["*"],"privileges":["indices:*"]}]}`), KindIndexEverywhere},
		{"role indices:data/write/* on a name list", newRole(t, "r", `{"indices":[{"names":["a*","/[^a].*/"],"privileges":["indices:data/write/*"]}]}`), KindIndexEverywhere},
		{"role read on the security index", newRole(t, "r", `{"indices":[{"names":[".security*"],"privileges":["read"],"allow_restricted_indices":true}]}`), KindSecurityIndices},
		{"role all on * with allow_restricted_indices", newRole(t, "r", `{"indices":[{"names":["*"],"privileges":["all"],"allow_restricted_indices":true}]}`), KindSecurityIndices},
		{"role Kibana all on every space", newRole(t, "r", `{"applications":[{"application":"kibana-.kibana","privileges":["all"],"resources":["*"]}]}`), KindKibanaAll},
		{"role Kibana space_all on space:*", newRole(t, "r", `{"applications":[{"application":"kibana-*","privileges":["space_all"],"resources":["space:*"]}]}`), KindKibanaAll},
		{"role any application *", newRole(t, "r", `{"applications":[{"application":"*","privileges":["*"],"resources":["*"]}]}`), KindKibanaAll},
		{"replacing a DLS role by an unrestricted one", Change{Roles: []RoleChange{{Name: "logs_dls",
			Old: ptr(role(t, `{"indices":[{"names":["logs-*"],"privileges":["read"],"query":"{\"term\":{\"team\":\"a\"}}"}]}`)),
			New: role(t, `{"indices":[{"names":["logs-*"],"privileges":["read"]}]}`)}}}, KindRestrictionCancelled},

		// Role mappings.
		{"mapping roles superuser", newMapping(RoleMapping{Roles: []string{"superuser"}}), KindSuperuser},
		{"mapping to a superuser-like custom role", newMapping(RoleMapping{Roles: []string{"admin"}}), KindSuperuser},
		{"mapping static template producing superuser", newMapping(RoleMapping{RoleTemplates: []RoleTemplate{{Template: map[string]any{"source": "superuser"}}}}), KindSuperuser},
		{"mapping template as JSON text", newMapping(RoleMapping{RoleTemplates: []RoleTemplate{{Template: `{"source":"superuser"}`}}}), KindSuperuser},
		{"mapping json-format template list", newMapping(RoleMapping{RoleTemplates: []RoleTemplate{{Format: "json", Template: map[string]any{"source": `["viewer","superuser"]`}}}}), KindSuperuser},
		{"mapping dynamic template", newMapping(RoleMapping{RoleTemplates: []RoleTemplate{{Template: map[string]any{"source": "{{#tojson}}groups{{/tojson}}"}, Format: "json"}}}), KindAnyRole},
		{"mapping dynamic string template", newMapping(RoleMapping{RoleTemplates: []RoleTemplate{{Template: map[string]any{"source": "{{metadata.role}}"}}}}), KindAnyRole},
		{"mapping widened to everyone keeps superuser", Change{Mappings: []MappingChange{{Name: "m",
			Old: &RoleMapping{Enabled: true, Roles: []string{"superuser"}, Rules: map[string]any{"field": map[string]any{"groups": "admins"}}},
			New: RoleMapping{Enabled: true, Roles: []string{"superuser"}, Rules: map[string]any{"field": map[string]any{"username": "*"}}}}}}, KindSuperuser},
		{"mapping enabled", Change{Mappings: []MappingChange{{Name: "m",
			Old: &RoleMapping{Enabled: false, Roles: []string{"superuser"}, Rules: map[string]any{"field": map[string]any{"groups": "admins"}}},
			New: RoleMapping{Enabled: true, Roles: []string{"superuser"}, Rules: map[string]any{"field": map[string]any{"groups": "admins"}}}}}}, KindSuperuser},

		// API keys.
		{"key with cluster:*", newKey(t, `{"cluster":["cluster:*"]}`), KindSecurityAdmin},
		{"key with all on /.*/", newKey(t, `{"indices":[{"names":["/.*/"],"privileges":["all"]}]}`), KindIndexEverywhere},
		{"key with run_as", newKey(t, `{"run_as":["elastic"]}`), KindRunAs},
		{"key without descriptors from a superuser", Change{APIKeys: []APIKeyChange{{Name: "k", OwnerRoles: []string{"superuser"}}}}, KindSuperuser},

		// Cloud.
		{"cloud organization-admin", cloud(`{"organization":[{"role_id":"organization-admin","organization_id":"o"}]}`), KindOrganizationAdmin},
		{"cloud Organization-Admin spelled differently", cloud(`{"organization":[{"role_id":" Organization-Admin ","organization_id":"o"}]}`), KindOrganizationAdmin},
		{"cloud organization-scoped application_roles", cloud(`{"organization":[{"role_id":"billing-admin","application_roles":["viewer"]}]}`), KindOrganizationAppRoles},
		{"cloud deployment-admin on all deployments", cloud(`{"deployment":[{"role_id":"deployment-admin","organization_id":"o","all":true}]}`), KindAdminEverywhere},
		{"cloud project admin all:true", cloud(`{"project":{"elasticsearch":[{"role_id":"elasticsearch-admin","organization_id":"o","all":true}]}}`), KindAdminEverywhere},
		{"cloud short admin all:true", cloud(`{"project":{"security":[{"role_id":"admin","organization_id":"o","all":true}]}}`), KindAdminEverywhere},
		{"cloud project admin on one project", cloud(`{"project":{"observability":[{"role_id":"observability-admin","organization_id":"o","project_ids":["p1"]}]}}`), KindProjectAdmin},
		{"cloud application_roles superuser", cloud(`{"project":{"elasticsearch":[{"role_id":"elasticsearch-viewer","organization_id":"o","project_ids":["p1"],"application_roles":["superuser"]}]}}`), KindSuperuser},
		{"cloud custom role admin", cloud(`{"project":{"elasticsearch":[{"role_id":"elasticsearch-viewer","organization_id":"o","project_ids":["p1"],"application_roles":["admin"]}]}}`), KindSuperuser},
		{"cloud key stack_access everywhere with superuser", Change{Cloud: []CloudChange{{Kind: "cloud_api_key", Name: "ci",
			New: RoleAssignments{Project: &ProjectRoleAssignments{Elasticsearch: []ResourceRoleAssignment{{RoleID: "elasticsearch-viewer", All: true, ApplicationRoles: []string{"superuser"}}}}}}}}, KindSuperuser},
		{"cloud deployment application role kibana_admin", cloud(`{"deployment":[{"role_id":"deployment-viewer","organization_id":"o","deployment_ids":["d1"],"application_roles":["kibana_admin"]}]}`), KindKibanaAll},
	}
	if len(cases) < 40 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := Evaluate(context.Background(), c.change, newReader(t))
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, g := range d.Escalations() {
				if g.Capability.Kind == c.kind {
					found = true
				}
			}
			if !found {
				t.Errorf("no %s escalation; delta:\n%s", c.kind, d.Describe())
			}
			if !strings.Contains(d.Describe(), "Escalations:") {
				t.Errorf("Describe does not state the escalation:\n%s", d.Describe())
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestNonEscalatingChanges(t *testing.T) {
	cases := []struct {
		name   string
		change Change
	}{
		{"read-only role", newRole(t, "r", `{"cluster":["monitor"],"indices":[{"names":["logs-*"],"privileges":["read","view_index_metadata"]}]}`)},
		{"role reading everything but writing nothing", newRole(t, "r", `{"indices":[{"names":["*"],"privileges":["read"]}]}`)},
		{"role writing metrics-*", newRole(t, "r", `{"indices":[{"names":["metrics-*"],"privileges":["write","create_index"]}]}`)},
		{"role with read_security", newRole(t, "r", `{"cluster":["read_security","manage_own_api_key"]}`)},
		{"role with manage_ilm and monitor", newRole(t, "r", `{"cluster":["manage_ilm","monitor","cluster:monitor/*"]}`)},
		{"role Kibana read everywhere", newRole(t, "r", `{"applications":[{"application":"kibana-.kibana","privileges":["read"],"resources":["*"]}]}`)},
		{"role Kibana all in one space", newRole(t, "r", `{"applications":[{"application":"kibana-.kibana","privileges":["space_all"],"resources":["space:marketing"]}]}`)},
		{"user given viewer", newUser("alice", "viewer")},
		{"user given monitoring_user", newUser("alice", "monitoring_user")},
		{"user given snapshot_user", newUser("alice", "snapshot_user")},
		{"user given a role that does not exist yet", newUser("alice", "future_role")},
		{"user keeps superuser and gains viewer", Change{Users: []UserChange{{Username: "root", Exists: true, OldRoles: []string{"superuser"},
			OldEnabled: true, NewRoles: []string{"superuser", "viewer"}, NewEnabled: true}}}},
		{"disabling a superuser", Change{Users: []UserChange{{Username: "root", Exists: true, OldRoles: []string{"superuser"},
			OldEnabled: true, NewRoles: []string{"superuser"}, NewEnabled: false}}}},
		{"DLS user gains another DLS role", Change{Users: []UserChange{{Username: "alice", Exists: true, OldRoles: []string{"logs_dls"},
			OldEnabled: true, NewRoles: []string{"logs_dls", "logs_fls"}, NewEnabled: true}}}},
		{"key limited to metrics-*", newKey(t, `{"indices":[{"names":["metrics-*"],"privileges":["read","write"]}]}`)},
		{"key limited to metrics-* from a superuser owner", Change{APIKeys: []APIKeyChange{{Name: "k", OwnerRoles: []string{"superuser"},
			NewDescriptors: map[string]Role{"m": role(t, `{"indices":[{"names":["metrics-*"],"privileges":["read"]}]}`)}}}}},
		{"key with manage_security from a viewer owner", Change{APIKeys: []APIKeyChange{{Name: "k", OwnerRoles: []string{"viewer"},
			NewDescriptors: map[string]Role{"m": role(t, `{"cluster":["manage_security"]}`)}}}}},
		{"mapping to viewer", newMapping(RoleMapping{Roles: []string{"viewer"}})},
		{"mapping static template viewer", newMapping(RoleMapping{RoleTemplates: []RoleTemplate{{Template: map[string]any{"source": "viewer"}}}})},
		{"mapping disabled with superuser", Change{Mappings: []MappingChange{{Name: "m", New: RoleMapping{Enabled: false, Roles: []string{"superuser"}}}}}},
		{"cloud viewer on one project", cloud(`{"project":{"elasticsearch":[{"role_id":"elasticsearch-viewer","organization_id":"o","project_ids":["p1"]}]}}`)},
		{"cloud developer all projects", cloud(`{"project":{"elasticsearch":[{"role_id":"elasticsearch-developer","organization_id":"o","all":true,"application_roles":["developer"]}]}}`)},
		{"cloud billing-admin", cloud(`{"organization":[{"role_id":"billing-admin","organization_id":"o"}]}`)},
		{"cloud custom read role", cloud(`{"project":{"elasticsearch":[{"role_id":"elasticsearch-viewer","organization_id":"o","project_ids":["p1"],"application_roles":["logs_reader"]}]}}`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := Evaluate(context.Background(), c.change, newReader(t))
			if err != nil {
				t.Fatal(err)
			}
			if d.Escalates() {
				t.Errorf("flagged as escalation:\n%s", d.Describe())
			}
		})
	}
}

func TestDescribeAndDigest(t *testing.T) {
	ctx := context.Background()
	d, err := Evaluate(ctx, newUser("alice", "superuser"), newReader(t))
	if err != nil {
		t.Fatal(err)
	}
	want := "alice gains superuser: every privilege on this cluster"
	if !strings.Contains(d.Describe(), want) {
		t.Errorf("Describe() = %q, want it to contain %q", d.Describe(), want)
	}
	// The digest is stable across evaluations and role order, and changes
	// when what is granted changes.
	d2, _ := Evaluate(ctx, newUser("alice", "superuser"), newReader(t))
	if d.Digest() != d2.Digest() {
		t.Error("digest differs for the same change")
	}
	a, _ := Evaluate(ctx, newUser("alice", "viewer", "logs_reader"), newReader(t))
	b, _ := Evaluate(ctx, newUser("alice", "logs_reader", "viewer"), newReader(t))
	if a.Digest() != b.Digest() {
		t.Error("digest depends on role order")
	}
	// The same mapping change, once its target role has become
	// superuser-like, has another digest: an old approval no longer fits.
	r := newReader(t)
	m := newMapping(RoleMapping{Roles: []string{"logs_reader"}})
	before, _ := Evaluate(ctx, m, r)
	r.roles["logs_reader"] = r.roles["superuser"]
	after, _ := Evaluate(ctx, m, r)
	if before.Digest() == after.Digest() || before.Escalates() || !after.Escalates() {
		t.Errorf("digest must follow the target role's definition: before %s (%v), after %s (%v)",
			before.Digest(), before.Escalates(), after.Digest(), after.Escalates())
	}
	if len(d.Digest()) != 64 {
		t.Errorf("digest %q is not a sha256 hex", d.Digest())
	}
}

func TestEvaluateErrors(t *testing.T) {
	ctx := context.Background()
	r := newReader(t)
	r.err = errors.New("connection refused")
	if _, err := Evaluate(ctx, newUser("alice", "superuser"), r); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("a reader failure must be an error, got %v", err)
	}
	if _, err := Evaluate(ctx, newRole(t, "r", `{"cluster":["superpower"]}`), newReader(t)); err == nil {
		t.Error("an unknown privilege must be an error, not a silent pass")
	}
	if _, err := Evaluate(ctx, newRole(t, "r", `{"indices":[{"names":["/[/"],"privileges":["read"]}]}`), newReader(t)); err == nil {
		t.Error("an invalid regex must be an error")
	}
	// Roles are read once per evaluation.
	r = newReader(t)
	if _, err := Evaluate(ctx, Change{Users: []UserChange{{Username: "a", NewRoles: []string{"viewer"}, NewEnabled: true},
		{Username: "b", NewRoles: []string{"viewer"}, NewEnabled: true}}}, r); err != nil {
		t.Fatal(err)
	}
	if r.calls != 2 { // old roles (none) for a, then viewer; b hits the cache
		t.Logf("reader calls: %d", r.calls)
	}
}

type projectReader struct {
	byProject map[string]map[string]Role
	asked     []string
}

func (r *projectReader) Roles(_ context.Context, project string, names []string) (map[string]Role, error) {
	r.asked = append(r.asked, project)
	out := map[string]Role{}
	for _, n := range names {
		if d, ok := r.byProject[project][n]; ok {
			out[n] = d
		}
	}
	return out, nil
}

// A Cloud application role is judged by its definition in the project it is
// granted in: "ops" is harmless in p1 and superuser-like in p2, and a grant
// on every project is judged as the reader reports it for AnyProject.
func TestCloudRolesJudgedPerProject(t *testing.T) {
	harmless := role(t, `{"indices":[{"names":["logs-*"],"privileges":["read"]}]}`)
	admin := role(t, `{"cluster":["all"],"indices":[{"names":["*"],"privileges":["all"]}]}`)
	r := &projectReader{byProject: map[string]map[string]Role{"p1": {"ops": harmless}, "p2": {"ops": admin}, AnyProject: {"ops": admin}}}
	ctx := context.Background()
	one := func(ids ...string) Change {
		return Change{Cloud: []CloudChange{{Kind: "cloud_api_key", Name: "ci", New: RoleAssignments{Project: &ProjectRoleAssignments{
			Elasticsearch: []ResourceRoleAssignment{{RoleID: "elasticsearch-viewer", ProjectIDs: ids, ApplicationRoles: []string{"ops"}}}}}}}}
	}
	if d, _ := Evaluate(ctx, one("p1"), r); d.Escalates() {
		t.Errorf("ops in p1 is harmless:\n%s", d.Describe())
	}
	if d, _ := Evaluate(ctx, one("p2"), r); !d.Escalates() || !strings.Contains(d.Describe(), "project p2") {
		t.Errorf("ops in p2 is superuser-like:\n%s", d.Describe())
	}
	all := Change{Cloud: []CloudChange{{Kind: "cloud_member", Name: "bob", New: RoleAssignments{Project: &ProjectRoleAssignments{
		Elasticsearch: []ResourceRoleAssignment{{RoleID: "elasticsearch-viewer", All: true, ApplicationRoles: []string{"ops"}}}}}}}}
	if d, _ := Evaluate(ctx, all, r); !d.Escalates() {
		t.Errorf("ops on every project is superuser-like somewhere:\n%s", d.Describe())
	}
	// Adding p1 next to an existing p2 grant gains only p1.
	add := one("p1", "p2")
	add.Cloud[0].Old = one("p2").Cloud[0].New
	if d, _ := Evaluate(ctx, add, r); d.Escalates() {
		t.Errorf("only p1 is new:\n%s", d.Describe())
	}
	// Elasticsearch changes are judged in Change.Project.
	r.asked = nil
	c := newUser("alice", "ops")
	c.Project = "p2"
	if d, _ := Evaluate(ctx, c, r); !d.Escalates() || r.asked[len(r.asked)-1] != "p2" {
		t.Errorf("asked %v, delta:\n%s", r.asked, d.Describe())
	}
}

// A role read from a newer cluster may use privileges the policy does not
// know: the evaluation still succeeds, and the unknown part is judged as a
// possible escalation rather than ignored.
func TestUnknownPrivilegesOfExistingRoles(t *testing.T) {
	r := newReader(t)
	r.roles["newer"] = role(t, `{"cluster":["manage_something_new"],"indices":[{"names":["logs-*"],"privileges":["read","read_something_new"]}]}`)
	d, err := Evaluate(context.Background(), newUser("alice", "newer"), r)
	if err != nil {
		t.Fatal(err)
	}
	esc := d.Escalations()
	if len(esc) != 1 || esc[0].Capability.Kind != KindUnknownPrivilege ||
		!strings.Contains(esc[0].Capability.Detail, "manage_something_new") || !strings.Contains(esc[0].Capability.Detail, "read_something_new") {
		t.Errorf("escalations %+v", esc)
	}
	p, _ := NewPermission(NamedRole{Name: "newer", Role: r.roles["newer"]})
	if a, _ := p.Index("logs-a", "read", false); !a.Allowed {
		t.Error("the known part of the role still answers")
	}
	if len(p.Unknown()["newer"]) != 2 {
		t.Errorf("unknown: %v", p.Unknown())
	}
}

func TestAPIKeyOwnerDescriptors(t *testing.T) {
	ctx := context.Background()
	owner := map[string]Role{"o": role(t, `{"cluster":["all"],"indices":[{"names":["*"],"privileges":["all"]}]}`)}
	d, err := Evaluate(ctx, Change{APIKeys: []APIKeyChange{{Name: "child", OwnerDescriptors: owner}}}, newReader(t))
	if err != nil || !d.Escalates() {
		t.Errorf("a key inheriting a superuser-like key escalates: %v\n%s", err, d.Describe())
	}
	limited := map[string]Role{"o": role(t, `{"indices":[{"names":["metrics-*"],"privileges":["read"]}]}`)}
	d, _ = Evaluate(ctx, Change{APIKeys: []APIKeyChange{{Name: "child", OwnerDescriptors: limited,
		NewDescriptors: map[string]Role{"x": role(t, `{"cluster":["all"]}`)}}}}, newReader(t))
	if d.Escalates() {
		t.Errorf("a key limited by a metrics reader cannot escalate:\n%s", d.Describe())
	}
	d, _ = Evaluate(ctx, Change{APIKeys: []APIKeyChange{{Name: "child"}}}, newReader(t))
	if d.Escalates() || len(d.Grants) != 1 || d.Grants[0].Capability.Kind != KindInheritsOwner {
		t.Errorf("an unknown owner is reported as inherited access:\n%s", d.Describe())
	}
}

// A key and its owner that reach security administration through different
// spellings still give the key security administration.
func TestAPIKeyEscalationThroughDifferentSpellings(t *testing.T) {
	ctx := context.Background()
	cases := []struct{ key, owner string }{
		{`{"cluster":["cluster:admin/xpack/security/user/put"]}`, `{"cluster":["manage_security"]}`},
		{`{"cluster":["all"],"indices":[{"names":["*"],"privileges":["all"]}]}`, `{"cluster":["manage_security"]}`},
		{`{"cluster":["manage_security"]}`, `{"cluster":["all"]}`},
	}
	for _, c := range cases {
		d, err := Evaluate(ctx, Change{APIKeys: []APIKeyChange{{Name: "k",
			OwnerDescriptors: map[string]Role{"owner": role(t, c.owner)},
			NewDescriptors:   map[string]Role{"key": role(t, c.key)}}}}, newReader(t))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, g := range d.Escalations() {
			found = found || g.Capability.Kind == KindSecurityAdmin
		}
		if !found {
			t.Errorf("key %s limited by %s: no security administration in\n%s", c.key, c.owner, d.Describe())
		}
	}
}

func TestCloudGrantAlreadyCoveredByAll(t *testing.T) {
	all := ResourceRoleAssignment{RoleID: "elasticsearch-admin", All: true}
	one := ResourceRoleAssignment{RoleID: "elasticsearch-admin", ProjectIDs: []string{"p1"}}
	c := Change{Cloud: []CloudChange{{Name: "bob",
		Old: RoleAssignments{Project: &ProjectRoleAssignments{Elasticsearch: []ResourceRoleAssignment{all}}},
		New: RoleAssignments{Project: &ProjectRoleAssignments{Elasticsearch: []ResourceRoleAssignment{all, one}}}}}}
	d, err := Evaluate(context.Background(), c, newReader(t))
	if err != nil || len(d.Grants) != 0 {
		t.Errorf("admin on p1 adds nothing to admin on every project: %v\n%s", err, d.Describe())
	}
}
