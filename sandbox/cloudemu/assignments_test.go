package cloudemu

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
)

func pra(role string, all bool, ids []string, app ...string) ProjectRoleAssignment {
	return ProjectRoleAssignment{RoleID: role, OrganizationID: "o", All: all, ProjectIDs: ids, ApplicationRoles: app}
}

func esOnly(l ...ProjectRoleAssignment) RoleAssignments {
	return RoleAssignments{Project: ProjectRoleAssignments{Elasticsearch: l}}
}

func TestMergeAndSubtract(t *testing.T) {
	for _, tc := range []struct {
		name          string
		cur, op, want RoleAssignments
		remove        bool
	}{
		{"add unions ids", esOnly(pra("elasticsearch-viewer", false, []string{"a", "b"})),
			esOnly(pra("elasticsearch-viewer", false, []string{"c", "a"})),
			esOnly(pra("elasticsearch-viewer", false, []string{"a", "b", "c"})), false},
		{"add all absorbs ids", esOnly(pra("elasticsearch-viewer", false, []string{"a"})),
			esOnly(pra("elasticsearch-viewer", true, nil)),
			esOnly(pra("elasticsearch-viewer", true, nil)), false},
		{"ids added to all stay all", esOnly(pra("elasticsearch-viewer", true, nil)),
			esOnly(pra("elasticsearch-viewer", false, []string{"a"})),
			esOnly(pra("elasticsearch-viewer", true, nil)), false},
		{"short and prefixed forms are one role; stored spelling kept", esOnly(pra("elasticsearch-viewer", false, []string{"a"})),
			esOnly(pra("viewer", false, []string{"b"})),
			esOnly(pra("elasticsearch-viewer", false, []string{"a", "b"})), false},
		{"different roles coexist", esOnly(pra("elasticsearch-viewer", false, []string{"a"})),
			esOnly(pra("elasticsearch-admin", false, []string{"a"})),
			esOnly(pra("elasticsearch-viewer", false, []string{"a"}), pra("elasticsearch-admin", false, []string{"a"})), false},
		{"custom-role grants are not widened by a plain grant", esOnly(pra("elasticsearch-viewer", false, []string{"p1"}, "custom")),
			esOnly(pra("elasticsearch-viewer", false, []string{"p2"})),
			esOnly(pra("elasticsearch-viewer", false, []string{"p1"}, "custom"), pra("elasticsearch-viewer", false, []string{"p2"})), false},
		// reference cloud-api.md §2.5: one assignment per role_id + all + ids.
		{"same role and project with application roles merge into the plain grant", esOnly(pra("elasticsearch-viewer", false, []string{"p1"})),
			esOnly(pra("elasticsearch-viewer", false, []string{"p1"}, "custom")),
			esOnly(pra("elasticsearch-viewer", false, []string{"p1"}, "custom")), false},
		{"other application roles on the same project join", esOnly(pra("elasticsearch-viewer", false, []string{"p1"}, "x")),
			esOnly(pra("viewer", false, []string{"p1"}, "y")),
			esOnly(pra("elasticsearch-viewer", false, []string{"p1"}, "x", "y")), false},
		{"removing one application role keeps the others", esOnly(pra("elasticsearch-viewer", false, []string{"p1"}, "x", "y")),
			esOnly(pra("elasticsearch-viewer", false, []string{"p1"}, "x")),
			esOnly(pra("elasticsearch-viewer", false, []string{"p1"}, "y")), true},
		{"remove subtracts ids", esOnly(pra("elasticsearch-viewer", false, []string{"a", "b"})),
			esOnly(pra("elasticsearch-viewer", false, []string{"a"})),
			esOnly(pra("elasticsearch-viewer", false, []string{"b"})), true},
		{"remove last id drops the grant", esOnly(pra("elasticsearch-viewer", false, []string{"a"})),
			esOnly(pra("elasticsearch-viewer", false, []string{"a"})),
			RoleAssignments{}, true},
		{"remove all drops the grant", esOnly(pra("elasticsearch-viewer", false, []string{"a", "b"})),
			esOnly(pra("elasticsearch-viewer", true, nil)),
			RoleAssignments{}, true},
		{"remove ids from all keeps all", esOnly(pra("elasticsearch-viewer", true, nil)),
			esOnly(pra("elasticsearch-viewer", false, []string{"a"})),
			esOnly(pra("elasticsearch-viewer", true, nil)), true},
		{"remove with application roles matches only them", esOnly(pra("elasticsearch-viewer", false, []string{"a"}, "x"), pra("elasticsearch-viewer", false, []string{"a"})),
			esOnly(pra("elasticsearch-viewer", false, []string{"a"}, "x")),
			esOnly(pra("elasticsearch-viewer", false, []string{"a"})), true},
		{"remove absent is a no-op", esOnly(pra("elasticsearch-viewer", false, []string{"a"})),
			esOnly(pra("elasticsearch-admin", true, nil)),
			esOnly(pra("elasticsearch-viewer", false, []string{"a"})), true},
		{"organization roles merge and remove by role_id",
			RoleAssignments{Organization: []OrganizationRoleAssignment{{RoleID: "billing-admin", OrganizationID: "o"}}},
			RoleAssignments{Organization: []OrganizationRoleAssignment{{RoleID: "billing-admin", OrganizationID: "o"}}},
			RoleAssignments{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got RoleAssignments
			if tc.remove {
				got = tc.cur.Subtract(tc.op)
			} else {
				got = tc.cur.Merge(tc.op)
			}
			if !reflect.DeepEqual(got, tc.want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(tc.want)
				t.Fatalf("got  %s\nwant %s", g, w)
			}
		})
	}
}

func TestApplicationRolesFor(t *testing.T) {
	ra := RoleAssignments{
		Organization: []OrganizationRoleAssignment{{RoleID: "organization-admin", OrganizationID: "o", ApplicationRoles: []string{"admin"}}},
		Project: ProjectRoleAssignments{Elasticsearch: []ProjectRoleAssignment{
			pra("elasticsearch-viewer", false, []string{"p1"}, "reader"),
			pra("elasticsearch-developer", true, nil, "developer"),
		}},
	}
	if got := ra.ApplicationRolesFor("elasticsearch", "p1"); !slices.Equal(got, []string{"admin", "developer", "reader"}) {
		t.Fatalf("p1: %v", got)
	}
	if got := ra.ApplicationRolesFor("elasticsearch", "p2"); !slices.Equal(got, []string{"admin", "developer"}) {
		t.Fatalf("p2: %v", got)
	}
	if got := (RoleAssignments{}).ApplicationRolesFor("security", "p1"); len(got) != 0 {
		t.Fatalf("empty: %v", got)
	}
}

func TestCanonicalRoleID(t *testing.T) {
	for _, tc := range []struct {
		scope, typ, id, want string
	}{
		{"organization", "", "organization-admin", "organization-admin"},
		{"organization", "", "billing-admin", "billing-admin"},
		{"organization", "", "deployment-admin", ""},
		{"deployment", "", "deployment-viewer", "deployment-viewer"},
		{"deployment", "", "viewer", ""},
		{"project", "elasticsearch", "elasticsearch-developer", "elasticsearch-developer"},
		{"project", "elasticsearch", "developer", "elasticsearch-developer"},
		{"project", "observability", "developer", ""},
		{"project", "observability", "observability-editor", "observability-editor"},
		{"project", "elasticsearch", "elasticsearch-editor", ""},
		{"project", "elasticsearch", "observability-viewer", ""},
		{"project", "security", "t1_analyst", "security-t1-analyst"},
		{"project", "security", "security-soc-manager", "security-soc-manager"},
		{"project", "security", "t1-analyst", ""},
		{"project", "observability", "t1_analyst", ""},
		{"project", "workplaceai", "viewer", ""},
	} {
		got, ok := CanonicalRoleID(tc.scope, tc.typ, tc.id)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%s/%s/%s: %q %v, want %q", tc.scope, tc.typ, tc.id, got, ok, tc.want)
		}
	}
}

func (e *env) assign(method, userID string, body any, opts ...reqOpt) response {
	e.t.Helper()
	return e.owner(method, api+"/users/"+userID+"/role_assignments", body, opts...)
}

func TestRoleAssignmentsOverHTTP(t *testing.T) {
	e := newEnv(t, Options{})
	org, alice := e.seed.OrganizationID, e.seed.Members[DemoAliceEmail]
	search, obs := e.seed.Projects[TypeElasticsearch].ID, e.seed.Projects[TypeObservability].ID
	extra := e.emu.AddProject(TypeElasticsearch, "extra").ID
	esOf := func() []ProjectRoleAssignment {
		return e.members()[DemoAliceEmail].RoleAssignments.Project.Elasticsearch
	}

	// Add merges by role_id.
	e.assign("POST", alice, esOnlyOrg(org, pra("elasticsearch-viewer", false, []string{extra}))).want(t, 200, "")
	if got := esOf(); len(got) != 1 || !slices.Equal(got[0].ProjectIDs, sorted(search, extra)) {
		t.Fatalf("after add: %+v", got)
	}
	// Remove subtracts, with a JSON body on DELETE.
	e.assign("DELETE", alice, esOnlyOrg(org, pra("elasticsearch-viewer", false, []string{search}))).want(t, 200, "")
	if got := esOf(); len(got) != 1 || !slices.Equal(got[0].ProjectIDs, []string{extra}) {
		t.Fatalf("after remove: %+v", got)
	}
	// all:true replaces the ids; removing all drops it.
	e.assign("POST", alice, esOnlyOrg(org, pra("elasticsearch-viewer", true, nil))).want(t, 200, "")
	if got := esOf(); len(got) != 1 || !got[0].All || got[0].ProjectIDs != nil {
		t.Fatalf("after all: %+v", got)
	}
	e.assign("DELETE", alice, esOnlyOrg(org, pra("elasticsearch-viewer", true, nil))).want(t, 200, "")
	if got := esOf(); len(got) != 0 {
		t.Fatalf("after remove all: %+v", got)
	}
	// Removing what is not there succeeds.
	e.assign("DELETE", alice, esOnlyOrg(org, pra("elasticsearch-admin", true, nil))).want(t, 200, "")

	// Organization, deployment and custom-role grants in one body.
	body := RoleAssignments{
		Organization: []OrganizationRoleAssignment{{RoleID: "billing-admin", OrganizationID: org}},
		Deployment:   []DeploymentRoleAssignment{{RoleID: "deployment-viewer", OrganizationID: org, DeploymentIDs: []string{"d1", "d2"}}},
		Project: ProjectRoleAssignments{Observability: []ProjectRoleAssignment{
			{RoleID: "observability-viewer", OrganizationID: org, ProjectIDs: []string{obs}, ApplicationRoles: []string{"logs-reader"}}}},
	}
	e.assign("POST", alice, body).want(t, 200, "")
	got := e.members()[DemoAliceEmail].RoleAssignments
	if !got.HasOrganizationRole(org, "billing-admin") || len(got.Deployment) != 1 || len(got.Project.Observability) != 1 ||
		!slices.Equal(got.Project.Observability[0].ApplicationRoles, []string{"logs-reader"}) {
		t.Fatalf("after multi-scope add: %+v", got)
	}
	e.assign("DELETE", alice, body).want(t, 200, "")
	if got := e.members()[DemoAliceEmail].RoleAssignments; !got.IsEmpty() {
		t.Fatalf("after multi-scope remove: %+v", got)
	}
}

func esOnlyOrg(org string, l ...ProjectRoleAssignment) RoleAssignments {
	for i := range l {
		l[i].OrganizationID = org
	}
	return esOnly(l...)
}

func sorted(s ...string) []string { slices.Sort(s); return s }

func TestRoleAssignmentValidation(t *testing.T) {
	e := newEnv(t, Options{})
	org, alice := e.seed.OrganizationID, e.seed.Members[DemoAliceEmail]
	search := e.seed.Projects[TypeElasticsearch].ID
	for _, tc := range []struct {
		name   string
		body   any
		status int
		code   string
		field  string
	}{
		{"all with ids", esOnlyOrg(org, pra("elasticsearch-viewer", true, []string{search})), 400, codeInvalidData, "project.elasticsearch[0].project_ids"},
		{"neither all nor ids", esOnlyOrg(org, pra("elasticsearch-viewer", false, nil)), 400, codeInvalidData, "project.elasticsearch[0].project_ids"},
		{"deployment without ids", RoleAssignments{Deployment: []DeploymentRoleAssignment{{RoleID: "deployment-viewer", OrganizationID: org}}}, 400, codeInvalidData, "deployment[0].deployment_ids"},
		{"unknown role", esOnlyOrg(org, pra("elasticsearch-superuser", true, nil)), 400, codeInvalidRole, "project.elasticsearch[0].role_id"},
		{"role of another type", esOnlyOrg(org, pra("observability-viewer", true, nil)), 400, codeInvalidRole, "project.elasticsearch[0].role_id"},
		{"developer on security", RoleAssignments{Project: ProjectRoleAssignments{Security: []ProjectRoleAssignment{{RoleID: "developer", OrganizationID: org, All: true}}}}, 400, codeInvalidRole, "project.security[0].role_id"},
		{"deployment role at organization scope", RoleAssignments{Organization: []OrganizationRoleAssignment{{RoleID: "deployment-admin", OrganizationID: org}}}, 400, codeInvalidRole, "organization[0].role_id"},
		{"another organization", RoleAssignments{Organization: []OrganizationRoleAssignment{{RoleID: "billing-admin", OrganizationID: "999999999999"}}}, 403, codeUnauthorizedRA, "organization[0].organization_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.assign("POST", alice, tc.body)
			r.want(t, tc.status, tc.code)
			if f := r.fields(t); !slices.Equal(f, []string{tc.field}) {
				t.Fatalf("fields %v, want %s", f, tc.field)
			}
		})
	}
	// An empty id list with all:true is treated as absent (reference §3).
	e.assign("POST", alice, `{"project":{"elasticsearch":[{"role_id":"elasticsearch-admin","organization_id":"`+org+`","all":true,"project_ids":[]}]}}`).want(t, 200, "")
	// Unknown target, missing body, body that is not JSON.
	e.assign("POST", "1234567890123456", esOnlyOrg(org, pra("elasticsearch-viewer", true, nil))).want(t, 400, codeInvalidTarget)
	other := e.emu.AddOrganization("Other")
	stranger := e.emu.AddMemberTo(other, "stranger@example.com", RoleAssignments{})
	e.assign("POST", stranger, esOnlyOrg(org, pra("elasticsearch-viewer", true, nil))).want(t, 400, codeInvalidTarget)
	e.assign("POST", alice, nil, invalidOK).want(t, 400, codeInvalidData)
	e.assign("DELETE", alice, "[1,2", invalidOK).want(t, 400, codeInvalidData)
	// Nothing above changed alice except the valid admin grant.
	es := e.members()[DemoAliceEmail].RoleAssignments.Project.Elasticsearch
	if len(es) != 2 {
		t.Fatalf("alice %+v", es)
	}
}

// Leniency (reference §6.9): organization_id may be omitted and is filled
// in, platform is ignored, unknown fields are ignored, short forms accepted.
func TestRoleAssignmentLeniency(t *testing.T) {
	e := newEnv(t, Options{})
	bob := e.seed.Members[DemoBobEmail]
	// organization_id is required by the contract, so this request is
	// knowingly outside it.
	body := `{"platform":[{"role_id":"platform-admin"}],"future_field":1,
	  "project":{"security":[{"role_id":"t1_analyst","all":true}],"elasticsearch":[{"role_id":"viewer","all":true,"application_roles":["reader"]}]}}`
	e.assign("POST", bob, body, invalidOK).want(t, 200, "")
	ra := e.members()[DemoBobEmail].RoleAssignments
	sec := ra.Project.Security
	if len(ra.Platform) != 0 || len(sec) != 2 || sec[1].RoleID != "t1_analyst" || sec[1].OrganizationID != e.seed.OrganizationID {
		t.Fatalf("bob %+v", ra)
	}
	if es := ra.Project.Elasticsearch; len(es) != 1 || es[0].RoleID != "viewer" {
		t.Fatalf("short form not stored as sent: %+v", es)
	}
}

func TestStrictRoleIDs(t *testing.T) {
	e := newEnv(t, Options{StrictRoleIDs: true})
	org, bob := e.seed.OrganizationID, e.seed.Members[DemoBobEmail]
	e.assign("POST", bob, esOnlyOrg(org, pra("viewer", true, nil))).want(t, 400, codeInvalidRole)
	e.assign("POST", bob, RoleAssignments{Project: ProjectRoleAssignments{Security: []ProjectRoleAssignment{
		{RoleID: "security-t1-analyst", OrganizationID: org, All: true}}}}).want(t, 400, codeInvalidRole)
	e.assign("POST", bob, esOnlyOrg(org, pra("elasticsearch-viewer", true, nil))).want(t, 200, "")
}
