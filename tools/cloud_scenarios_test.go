package tools_test

import (
	"strings"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/cloudemu"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
)

// The Cloud acceptance scenarios of workflows.md §17.1, each driven the way
// an agent would: read first, then the write, then check the upstream state.

// "Add alice@example.com to my search project with read-only access."
func TestScenario_AliceReadOnlyOnSearchProject(t *testing.T) {
	h := cloudHarness(t, nil)
	search := seed(h).Projects["elasticsearch"].ID

	t.Run("new to the organization: invited with viewer on the project", func(t *testing.T) {
		h.CallOK(t, "remove_org_members", map[string]any{"members": []any{cloudemu.DemoAliceEmail}})
		out := h.CallOK(t, "invite_org_members", map[string]any{"emails": []any{cloudemu.DemoAliceEmail},
			"roles": []any{map[string]any{"scope": "project", "role": "viewer", "project_ids": []any{"search-demo"}}}})
		if len(asList(out["invited"])) != 1 {
			t.Fatalf("invite = %v", out)
		}
		inv := asJSON(h.CallOK(t, "list_org_invitations", map[string]any{"email": "alice"}))
		mustContain(t, inv, `"projects":[{"id":"`+search+`","name":"search-demo"}],"role":"elasticsearch-viewer","scope":"project"`)
		mustNotContain(t, inv, `"all":true`)
	})

	t.Run("already a member: decompose, a role assignment instead of an invitation", func(t *testing.T) {
		h := cloudHarness(t, nil)
		search := seed(h).Projects["elasticsearch"].ID
		out := h.CallOK(t, "invite_org_members", map[string]any{"emails": []any{cloudemu.DemoAliceEmail},
			"roles": []any{map[string]any{"scope": "project", "role": "developer", "project_ids": []any{"search-demo"}}}})
		if len(asList(out["invited"])) != 0 || len(asList(out["already_members"])) != 1 {
			t.Fatalf("invite = %v", out)
		}
		mustContain(t, asJSON(out["warnings"]), "assign_cloud_roles")
		h.CallOK(t, "assign_cloud_roles", map[string]any{"members": []any{cloudemu.DemoAliceEmail},
			"roles": []any{map[string]any{"scope": "project", "role": "developer", "project_ids": []any{"search-demo"}}}})
		if !hasProjectRole(rolesOf(t, h, cloudemu.DemoAliceEmail), "elasticsearch", "elasticsearch-developer", search) {
			t.Fatalf("alice = %+v", rolesOf(t, h, cloudemu.DemoAliceEmail))
		}
	})
}

// "Create an API key for our CI pipeline that expires in 30 days with editor
// access to all deployments."
func TestScenario_CIKeyDeploymentEditorFor30Days(t *testing.T) {
	h := cloudHarness(t, nil)
	res := h.Call(t, "create_cloud_api_key", map[string]any{"description": "ci-pipeline", "expiration": "30d",
		"roles": []any{map[string]any{"scope": "deployment", "role": "editor", "all": true}}})
	text := servertest.Text(res)
	if res.IsError {
		t.Fatal(text)
	}
	mustNotContain(t, text, "essu_")
	out := h.CallOK(t, "list_cloud_api_keys", map[string]any{"description": "ci-pipeline"})
	k := asList(out["keys"])[0].(map[string]any)
	mustContain(t, asJSON(k["scope"]), "deployment-editor on all deployments")
	if d := k["days_to_expiry"].(float64); d < 29 || d > 30 || k["stack_access"] != false {
		t.Fatalf("key = %v", k)
	}
	files := h.SecretFiles(t)
	if len(files) != 1 || !strings.HasPrefix(servertest.ReadSecret(t, files[0]).Secret, "essu_") {
		t.Fatalf("secret files = %v", files)
	}
}

// "Create an API key for our CI pipeline that can index data into our search
// projects."
func TestScenario_CIKeyIndexesIntoSearchProjects(t *testing.T) {
	h := cloudHarness(t, nil)
	out := h.CallOK(t, "create_cloud_api_key", map[string]any{"description": "ci-indexer", "expiration": "7d",
		"roles":        []any{map[string]any{"scope": "project", "project_type": "elasticsearch", "role": "developer", "all": true}},
		"stack_access": []any{"developer"}})
	if out["cloud_key"].(map[string]any)["stack_access"] != true {
		t.Fatalf("create = %v", out)
	}
	doc := servertest.ReadSecret(t, h.SecretFiles(t)[0])
	info, ok := h.Sandbox.Cloud.AuthenticateKey(doc.Secret)
	if !ok {
		t.Fatal("the new key does not authenticate")
	}
	if !hasProjectRole(info.RoleAssignments, "elasticsearch", "elasticsearch-developer", "", "developer") {
		t.Fatalf("key roles = %+v", info.RoleAssignments)
	}
	if got := info.RoleAssignments.ApplicationRolesFor("elasticsearch", seed(h).Projects["elasticsearch"].ID); strings.Join(got, ",") != "developer" {
		t.Fatalf("stack roles on the search project = %v", got)
	}
}

// A platform-automation key across all projects: organization owner with
// stack access admin, 7 days, only after explicit confirmation.
func TestScenario_PlatformAutomationKeyNeedsConfirmation(t *testing.T) {
	args := map[string]any{"description": "platform-automation", "expiration": "7d",
		"roles": []any{map[string]any{"scope": "organization", "role": "organization-admin"}}, "stack_access": []any{"admin"}}
	declined := cloudHarness(t, func(o *servertest.Options) { o.Elicit = servertest.Decline })
	mustContain(t, declined.CallErr(t, "create_cloud_api_key", args), "declined")
	if len(declined.SecretFiles(t)) != 0 {
		t.Fatal("a declined key was created")
	}
	noElicit := cloudHarness(t, func(o *servertest.Options) { o.Elicit = nil })
	mustContain(t, noElicit.CallErr(t, "create_cloud_api_key", args), "approval")

	h := cloudHarness(t, nil)
	out := h.CallOK(t, "create_cloud_api_key", args)
	mustContain(t, asJSON(out["cloud_key"]), "organization-admin on the organization with stack roles admin")
}

// "Add bob@example.com to my search project with read-only dashboard
// access": the custom role (already defined in the demo projects) is given
// with the viewer role id plus application_roles, never with a predefined
// role on the same project.
func TestScenario_DashboardOnlyCustomRoleForBob(t *testing.T) {
	h := cloudHarness(t, nil)
	search := seed(h).Projects["elasticsearch"].ID
	// Step 2 of the onboarding: invite with no roles. Bob is already a member,
	// so he is reported instead.
	inv := h.CallOK(t, "invite_org_members", map[string]any{"emails": []any{cloudemu.DemoBobEmail}})
	if len(asList(inv["already_members"])) != 1 {
		t.Fatalf("invite = %v", inv)
	}
	// Step 3: the custom role, checked against the project's roles.
	out := h.CallOK(t, "assign_project_custom_role", map[string]any{"member": cloudemu.DemoBobEmail, "project": "search-demo", "custom_role": "dashboard-viewer"})
	if out["warnings"] != nil && strings.Contains(asJSON(out["warnings"]), "does not exist") {
		t.Fatalf("the existing custom role was reported missing: %v", out)
	}
	mustContain(t, asJSON(out["assigned"]), `"application_roles":["dashboard-viewer"]`, `"role":"elasticsearch-viewer"`)
	ra := rolesOf(t, h, cloudemu.DemoBobEmail)
	if !hasProjectRole(ra, "elasticsearch", "elasticsearch-viewer", search, "dashboard-viewer") {
		t.Fatalf("bob = %+v", ra.Project)
	}
	if got := ra.ApplicationRolesFor("elasticsearch", search); strings.Join(got, ",") != "dashboard-viewer" {
		t.Fatalf("bob's stack roles on the project = %v, want only the custom role", got)
	}
	// Stacking a predefined role on top is refused.
	mustContain(t, h.CallErr(t, "assign_cloud_roles", map[string]any{"members": []any{cloudemu.DemoBobEmail},
		"roles": []any{map[string]any{"scope": "project", "role": "viewer", "project_ids": []any{search}}}}), "union")
}

// "Promote Bob to admin on our observability project." Bob holds a custom
// role there, so the server first says so; once it is removed, the promotion
// is a plain role assignment.
func TestScenario_PromoteBobToAdminOnObservabilityProject(t *testing.T) {
	h := cloudHarness(t, nil)
	obs := seed(h).Projects["observability"].ID
	promote := map[string]any{"members": []any{cloudemu.DemoBobEmail},
		"roles": []any{map[string]any{"scope": "project", "role": "admin", "project_ids": []any{"obs-demo"}}}}
	mustContain(t, h.CallErr(t, "assign_cloud_roles", promote), "logs-reader", "remove_project_custom_role")
	h.CallOK(t, "remove_project_custom_role", map[string]any{"member": cloudemu.DemoBobEmail, "project": "obs-demo", "custom_role": "logs-reader"})
	out := h.CallOK(t, "assign_cloud_roles", promote)
	mustContain(t, asJSON(out), `"changed":[{"project_type":"observability","projects":[{"id":"`+obs+`","name":"obs-demo"}],"role":"observability-admin","scope":"project"}]`)
	if !hasProjectRole(rolesOf(t, h, cloudemu.DemoBobEmail), "observability", "observability-admin", obs) {
		t.Fatalf("bob = %+v", rolesOf(t, h, cloudemu.DemoBobEmail).Project)
	}
}

// "Show me who has access to my organization."
func TestScenario_WhoHasAccess(t *testing.T) {
	h := cloudHarness(t, nil)
	out := h.CallOK(t, "list_org_members", nil)
	s := asJSON(out)
	mustContain(t, s, cloudemu.DemoOwnerEmail, `"role":"organization-admin"`,
		cloudemu.DemoBobEmail, `"role":"billing-admin"`, `{"all":true,"project_type":"security","role":"security-viewer","scope":"project"}`,
		`"application_roles":["logs-reader"]`, cloudemu.DemoCarolEmail, `"role":"deployment-editor"`, `"name":"obs-demo"`)
	mustNotContain(t, s, cloudemu.DemoDaveEmail) // invited, not a member
}
