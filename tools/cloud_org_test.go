package tools_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/cloudemu"
	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/fault"
	"github.com/elastic-access-mcp/elastic-access-mcp/server"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
)

func TestCloudListOrgMembers(t *testing.T) {
	h := cloudHarness(t, nil)
	out := h.CallOK(t, "list_org_members", nil)
	if got := emails(out); len(got) != 4 {
		t.Fatalf("members = %v", got)
	}
	alice := h.CallOK(t, "list_org_members", map[string]any{"email": "ALI"})
	if got := emails(alice); len(got) != 1 || got[0] != cloudemu.DemoAliceEmail {
		t.Fatalf("email filter = %v", got)
	}
	s := asJSON(alice)
	mustContain(t, s, `"role":"elasticsearch-viewer"`, `"name":"search-demo"`, seed(h).Projects["elasticsearch"].ID)

	// Project filter: explicit assignments, all-of-type, and owners.
	obs := emails(h.CallOK(t, "list_org_members", map[string]any{"project": "obs-demo"}))
	if strings.Join(obs, ",") != "owner@example.com,bob@example.com" {
		t.Fatalf("project filter = %v", obs)
	}
	sec := emails(h.CallOK(t, "list_org_members", map[string]any{"project": "sec-demo"}))
	if !slices.Contains(sec, cloudemu.DemoBobEmail) {
		t.Fatalf("bob holds security-viewer on all security projects but is not listed: %v", sec)
	}
	devs := emails(h.CallOK(t, "list_org_members", map[string]any{"role": "developer"}))
	if strings.Join(devs, ",") != cloudemu.DemoCarolEmail {
		t.Fatalf("role filter = %v", devs)
	}

	// Paging.
	p1 := h.CallOK(t, "list_org_members", map[string]any{"limit": 3})
	next, _ := p1["next_cursor"].(string)
	if len(emails(p1)) != 3 || next == "" || p1["total"].(float64) != 4 {
		t.Fatalf("page 1 = %v", p1)
	}
	p2 := h.CallOK(t, "list_org_members", map[string]any{"limit": 3, "cursor": next})
	if len(emails(p2)) != 1 || p2["next_cursor"] != nil {
		t.Fatalf("page 2 = %v", p2)
	}
	// Unfiltered pages decode only their own members; they must show the
	// members exactly as the filtered path, which decodes them all.
	all := h.CallOK(t, "list_org_members", map[string]any{"limit": 500})
	filtered := h.CallOK(t, "list_org_members", map[string]any{"limit": 500, "email": "@"})
	if asJSON(all["members"]) != asJSON(filtered["members"]) || all["total"] != filtered["total"] {
		t.Fatalf("unfiltered %s\nfiltered   %s", asJSON(all), asJSON(filtered))
	}
	mustContain(t, h.CallErr(t, "list_org_members", map[string]any{"cursor": "bogus"}), "cursor")
	mustContain(t, h.CallErr(t, "list_org_members", map[string]any{"limit": 0.5}), "limit")
	mustContain(t, h.CallErr(t, "list_org_members", map[string]any{"project": "nope"}), "list_projects")
}

func TestCloudListOrgMembersUpstreamFailure(t *testing.T) {
	h := cloudHarness(t, nil)
	h.Sandbox.Cloud.Faults().Add(fault.Fault{Method: "GET", Path: "/api/v1/organizations/*/members", Kind: fault.Status, Status: 500})
	msg := h.CallErr(t, "list_org_members", nil)
	mustContain(t, msg, "500")
}

func TestCloudListOrgInvitationsHidesTokens(t *testing.T) {
	h := cloudHarness(t, nil)
	res := h.Call(t, "list_org_invitations", nil)
	text := servertest.Text(res) + asJSON(res.StructuredContent)
	mustContain(t, text, cloudemu.DemoDaveEmail, "elasticsearch-developer", "expires_at")
	mustNotContain(t, text, seed(h).PendingInvitationToken, `"token"`)
}

func TestCloudListProjects(t *testing.T) {
	h := cloudHarness(t, nil)
	out := h.CallOK(t, "list_projects", nil)
	ps := asList(out["projects"])
	if len(ps) != 3 {
		t.Fatalf("projects = %v", ps)
	}
	for _, p := range ps {
		pm := p.(map[string]any)
		eps, _ := pm["endpoints"].(map[string]any)
		if pm["id"] == "" || pm["region"] == "" || eps["elasticsearch"] == nil || eps["kibana"] == nil {
			t.Fatalf("project lacks id, region or endpoints: %v", pm)
		}
	}
	one := asList(h.CallOK(t, "list_projects", map[string]any{"name": "OBS"})["projects"])
	if len(one) != 1 || one[0].(map[string]any)["type"] != "observability" {
		t.Fatalf("name filter = %v", one)
	}
	mustContain(t, h.CallErr(t, "list_projects", map[string]any{"type": "vectordb"}), "type")
}

func TestCloudInviteOrgMembers(t *testing.T) {
	h := cloudHarness(t, nil)
	out := h.CallOK(t, "invite_org_members", map[string]any{
		"emails":     []any{"erin@example.com", cloudemu.DemoAliceEmail, cloudemu.DemoDaveEmail},
		"roles":      []any{map[string]any{"scope": "project", "role": "viewer", "project_ids": []any{"search-demo"}}},
		"expires_in": "7d",
	})
	s := asJSON(out)
	invited := asList(out["invited"])
	if len(invited) != 1 || invited[0].(map[string]any)["email"] != "erin@example.com" {
		t.Fatalf("invited = %s", s)
	}
	mustContain(t, s, `"already_members":[{"email":"alice@example.com"`, "assign_cloud_roles", `"already_invited":[{"created_at"`, `"email":"dave@example.com"`)
	mustNotContain(t, s, `"token"`)
	// Upstream: the invitation carries the canonical role id.
	inv := asJSON(h.CallOK(t, "list_org_invitations", map[string]any{"email": "erin"}))
	mustContain(t, inv, `"role":"elasticsearch-viewer"`, seed(h).Projects["elasticsearch"].ID, "erin@example.com")
}

func TestCloudInviteValidationChangesNothing(t *testing.T) {
	h := cloudHarness(t, nil)
	cases := []map[string]any{
		{"emails": []any{"not-an-email"}},
		{"emails": []any{"a@example.com", ""}},
		{"emails": []any{"a@example.com"}, "roles": []any{map[string]any{"scope": "project", "role": "developer", "project_ids": []any{"obs-demo"}}}},
		{"emails": []any{"a@example.com"}, "roles": []any{map[string]any{"scope": "project", "role": "viewer"}}},
		{"emails": []any{"a@example.com"}, "roles": []any{map[string]any{"scope": "deployment", "role": "editor", "all": true, "deployment_ids": []any{"d"}}}},
		{"emails": []any{"a@example.com"}, "expires_in": "soon"},
		{"emails": []any{"a@example.com"}, "surprise": 1},
	}
	for _, args := range cases {
		msg := h.CallErr(t, "invite_org_members", args)
		mustContain(t, msg, "Invalid arguments")
	}
	if inv := asList(h.CallOK(t, "list_org_invitations", nil)["invitations"]); len(inv) != 1 {
		t.Fatalf("a failed validation created invitations: %v", inv)
	}
}

func TestCloudInviteDryRunAndMemberKey(t *testing.T) {
	h := cloudHarness(t, nil)
	out := h.CallOK(t, "invite_org_members", map[string]any{"emails": []any{"erin@example.com"}, "dry_run": true})
	if out["dry_run"] != true || len(asList(out["would_send"])) != 1 {
		t.Fatalf("dry run = %v", out)
	}
	mustContain(t, asJSON(out["would_send"]), `"method":"POST"`, "erin@example.com")
	if inv := asList(h.CallOK(t, "list_org_invitations", nil)["invitations"]); len(inv) != 1 {
		t.Fatalf("a dry run invited someone: %v", inv)
	}

}

func TestCloudWritesWithMemberKeyExplainOwnerRole(t *testing.T) {
	h := cloudHarness(t, nil)
	// A second server on the same sandbox authenticating with alice's key.
	opts := servertest.Options{AllowWrites: true, AllowDestructive: true, Toolsets: []string{"org", "cloud_keys"},
		NoElasticsearch: true, NoKibana: true, CloudAPIKey: seed(h).MemberAPIKey, Elicit: servertest.Accept}
	srv, err := server.New(h.Config(opts))
	if err != nil {
		t.Fatal(err)
	}
	alice := servertest.Connect(t, srv, opts)
	msg := servertest.Text(servertest.CallTool(t, alice, "invite_org_members", map[string]any{"emails": []any{"erin@example.com"}}))
	mustContain(t, msg, "403", "Organization owner", "organization-admin")
	msg = servertest.Text(servertest.CallTool(t, alice, "list_cloud_api_keys", nil))
	mustContain(t, msg, "403", "Organization owner")
	if inv := asList(h.CallOK(t, "list_org_invitations", nil)["invitations"]); len(inv) != 1 {
		t.Fatalf("invitations changed: %v", inv)
	}
}

func TestCloudInviteEscalationNeedsConfirmation(t *testing.T) {
	h := cloudHarness(t, func(o *servertest.Options) { o.Elicit = servertest.Decline })
	msg := h.CallErr(t, "invite_org_members", map[string]any{"emails": []any{"erin@example.com"},
		"roles": []any{map[string]any{"scope": "organization", "role": "organization-admin"}}})
	mustContain(t, msg, "declined")
	if inv := asList(h.CallOK(t, "list_org_invitations", nil)["invitations"]); len(inv) != 1 {
		t.Fatalf("a declined escalation invited someone: %v", inv)
	}
}

func TestCloudCancelOrgInvitations(t *testing.T) {
	h := cloudHarness(t, nil)
	tok := seed(h).PendingInvitationToken
	dry := h.Call(t, "cancel_org_invitations", map[string]any{"emails": []any{"DAVE@example.com"}, "dry_run": true})
	if dry.IsError {
		t.Fatal(servertest.Text(dry))
	}
	mustNotContain(t, servertest.Text(dry)+asJSON(dry.StructuredContent), tok)
	mustContain(t, servertest.Text(dry), "DELETE", "invitation token of dave@example.com")
	if inv := asList(h.CallOK(t, "list_org_invitations", nil)["invitations"]); len(inv) != 1 {
		t.Fatal("a dry run cancelled the invitation")
	}
	res := h.Call(t, "cancel_org_invitations", map[string]any{"emails": []any{cloudemu.DemoDaveEmail, "nobody@example.com"}})
	text := servertest.Text(res)
	if res.IsError {
		t.Fatal(text)
	}
	mustNotContain(t, text, tok)
	mustContain(t, text, "nobody@example.com")
	if inv := asList(h.CallOK(t, "list_org_invitations", nil)["invitations"]); len(inv) != 0 {
		t.Fatalf("invitation still open: %v", inv)
	}
	mustContain(t, h.CallErr(t, "cancel_org_invitations", map[string]any{"emails": []any{cloudemu.DemoDaveEmail}}), "list_org_invitations")
	mustContain(t, h.Audit(), "invitation:dave@example.com")
}

func TestCloudRemoveOrgMembers(t *testing.T) {
	declined := cloudHarness(t, func(o *servertest.Options) { o.Elicit = servertest.Decline })
	mustContain(t, declined.CallErr(t, "remove_org_members", map[string]any{"members": []any{cloudemu.DemoCarolEmail}}), "declined")
	if !isMember(declined, cloudemu.DemoCarolEmail) {
		t.Fatal("a declined removal removed carol")
	}

	h := cloudHarness(t, nil)
	mustContain(t, h.CallErr(t, "remove_org_members", map[string]any{"members": []any{"zed@example.com"}}), "not a member")
	mustContain(t, h.CallErr(t, "remove_org_members", map[string]any{"members": []any{cloudemu.DemoDaveEmail}}), "pending invitation")
	dry := h.CallOK(t, "remove_org_members", map[string]any{"members": []any{cloudemu.DemoCarolEmail}, "dry_run": true})
	if dry["dry_run"] != true || !isMember(h, cloudemu.DemoCarolEmail) {
		t.Fatalf("dry run = %v", dry)
	}
	out := h.CallOK(t, "remove_org_members", map[string]any{"members": []any{cloudemu.DemoCarolEmail, seed(h).Members[cloudemu.DemoBobEmail]}})
	if len(asList(out["removed"])) != 2 || isMember(h, cloudemu.DemoCarolEmail) || isMember(h, cloudemu.DemoBobEmail) {
		t.Fatalf("remove = %v", out)
	}
}

func TestCloudAssignAndRemoveCloudRoles(t *testing.T) {
	h := cloudHarness(t, nil)
	out := h.CallOK(t, "assign_cloud_roles", map[string]any{"members": []any{cloudemu.DemoCarolEmail},
		"roles": []any{map[string]any{"scope": "deployment", "role": "viewer", "all": true},
			map[string]any{"scope": "project", "role": "elasticsearch-developer", "project_ids": []any{"search-demo"}}}})
	s := asJSON(out)
	mustContain(t, s, `"changed":[{"all":true,"role":"deployment-viewer","scope":"deployment"}]`, `"role":"elasticsearch-developer","scope":"project"}],"user_id"`, `"roles_now"`)
	ra := rolesOf(t, h, cloudemu.DemoCarolEmail)
	if len(ra.Deployment) != 2 {
		t.Fatalf("carol's deployments = %+v", ra.Deployment)
	}

	// Validation failure changes nothing.
	mustContain(t, h.CallErr(t, "assign_cloud_roles", map[string]any{"members": []any{cloudemu.DemoCarolEmail},
		"roles": []any{map[string]any{"scope": "organization", "role": "superuser"}}}), "organization-admin")
	// Predefined on top of a custom role is refused.
	msg := h.CallErr(t, "assign_cloud_roles", map[string]any{"members": []any{cloudemu.DemoBobEmail},
		"roles": []any{map[string]any{"scope": "project", "role": "viewer", "project_ids": []any{"obs-demo"}}}})
	mustContain(t, msg, "logs-reader", "remove_project_custom_role")
	if hasProjectRole(rolesOf(t, h, cloudemu.DemoBobEmail), "observability", "observability-viewer", seed(h).Projects["observability"].ID) {
		t.Fatal("the refused predefined role was assigned")
	}

	// Dry run of a removal changes nothing; the real one does.
	rm := map[string]any{"members": []any{cloudemu.DemoCarolEmail}, "roles": []any{map[string]any{"scope": "deployment", "role": "viewer", "all": true}}}
	dry := h.CallOK(t, "remove_cloud_roles", withDry(rm))
	mustContain(t, asJSON(dry["would_send"]), `"method":"DELETE"`, "deployment-viewer")
	if len(rolesOf(t, h, cloudemu.DemoCarolEmail).Deployment) != 2 {
		t.Fatal("a dry run removed a role")
	}
	h.CallOK(t, "remove_cloud_roles", rm)
	if d := rolesOf(t, h, cloudemu.DemoCarolEmail).Deployment; len(d) != 1 || d[0].RoleID != "deployment-editor" {
		t.Fatalf("carol's deployments after removal = %+v", d)
	}
	// Removing a whole-type role from one project cannot be expressed.
	mustContain(t, h.CallErr(t, "remove_cloud_roles", map[string]any{"members": []any{cloudemu.DemoBobEmail},
		"roles": []any{map[string]any{"scope": "project", "role": "viewer", "project_ids": []any{"sec-demo"}}}}), "all: true")
}

func TestCloudAssignOrganizationAdminNeedsConfirmation(t *testing.T) {
	h := cloudHarness(t, func(o *servertest.Options) { o.Elicit = servertest.Decline })
	mustContain(t, h.CallErr(t, "assign_cloud_roles", map[string]any{"members": []any{cloudemu.DemoAliceEmail},
		"roles": []any{map[string]any{"scope": "organization", "role": "organization-admin"}}}), "declined")
	if len(rolesOf(t, h, cloudemu.DemoAliceEmail).Organization) != 0 {
		t.Fatal("alice became owner without approval")
	}
	// Upstream failure on the write is reported as such.
	ok := cloudHarness(t, nil)
	ok.Sandbox.Cloud.Faults().Add(fault.Fault{Method: "POST", Path: "/api/v1/users/*/role_assignments", Kind: fault.Status, Status: 503})
	mustContain(t, ok.CallErr(t, "assign_cloud_roles", map[string]any{"members": []any{cloudemu.DemoAliceEmail},
		"roles": []any{map[string]any{"scope": "organization", "role": "billing-admin"}}}), "503")
}

func TestCloudProjectCustomRole(t *testing.T) {
	h := cloudHarness(t, nil)
	search := seed(h).Projects["elasticsearch"].ID
	args := map[string]any{"member": cloudemu.DemoAliceEmail, "project": "search-demo", "custom_role": "dashboard-viewer"}
	// Alice holds the predefined viewer role there: refused.
	mustContain(t, h.CallErr(t, "assign_project_custom_role", args), "replace_predefined", "elasticsearch-viewer")
	mustContain(t, h.CallErr(t, "assign_project_custom_role", map[string]any{"member": cloudemu.DemoAliceEmail, "project": "search-demo", "custom_role": "bad name"}), "custom_role")
	args["replace_predefined"] = true
	dry := h.CallOK(t, "assign_project_custom_role", withDry(args))
	if n := len(asList(dry["would_send"])); n != 2 {
		t.Fatalf("dry run plans %d requests, want remove then add: %v", n, dry)
	}
	if !hasProjectRole(rolesOf(t, h, cloudemu.DemoAliceEmail), "elasticsearch", "elasticsearch-viewer", search) {
		t.Fatal("a dry run changed alice's roles")
	}
	out := h.CallOK(t, "assign_project_custom_role", args)
	ra := rolesOf(t, h, cloudemu.DemoAliceEmail)
	if !hasProjectRole(ra, "elasticsearch", "elasticsearch-viewer", search, "dashboard-viewer") || hasProjectRole(ra, "elasticsearch", "elasticsearch-viewer", search) {
		t.Fatalf("alice's roles = %+v (out %v)", ra.Project, out)
	}
	// A custom role the project does not define: warned, not refused.
	warn := h.CallOK(t, "assign_project_custom_role", map[string]any{"member": cloudemu.DemoCarolEmail, "project": "obs-demo", "custom_role": "no-such-role"})
	mustContain(t, asJSON(warn["warnings"]), "does not exist in project obs-demo")

	// Removal.
	mustContain(t, h.CallErr(t, "remove_project_custom_role", map[string]any{"member": cloudemu.DemoCarolEmail, "project": "search-demo", "custom_role": "dashboard-viewer"}), "does not have")
	h.CallOK(t, "remove_project_custom_role", map[string]any{"member": cloudemu.DemoAliceEmail, "project": search, "custom_role": "dashboard-viewer"})
	if hasProjectRole(rolesOf(t, h, cloudemu.DemoAliceEmail), "elasticsearch", "elasticsearch-viewer", search, "dashboard-viewer") {
		t.Fatal("the custom role is still assigned")
	}
}

func withDry(args map[string]any) map[string]any {
	c := map[string]any{"dry_run": true}
	for k, v := range args {
		c[k] = v
	}
	return c
}
