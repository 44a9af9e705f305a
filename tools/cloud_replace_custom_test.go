package tools_test

import (
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/cloudemu"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
)

// A member with a custom role on a project gets a predefined role there in
// one call with replace_custom: the custom role goes first, after approval,
// and the member never holds the union.
func TestAssignPredefinedRoleReplacingCustom(t *testing.T) {
	a := &approvals{}
	h := cloudHarness(t, func(o *servertest.Options) { o.Elicit = a.elicit })
	search := seed(h).Projects["elasticsearch"].ID
	h.CallOK(t, "assign_project_custom_role", map[string]any{"member": cloudemu.DemoBobEmail, "project": "search-demo", "custom_role": "dashboard-viewer"})
	assign := map[string]any{"members": []any{cloudemu.DemoBobEmail},
		"roles": []any{map[string]any{"scope": "project", "role": "viewer", "project_ids": []any{search}}}}

	mustContain(t, h.CallErr(t, "assign_cloud_roles", assign), "replace_custom")
	assign["replace_custom"] = true
	mustContain(t, h.CallErr(t, "remove_cloud_roles", assign), "replace_custom belongs to assign_cloud_roles")

	// Dry run: both requests shown, nothing changed.
	dry := map[string]any{"dry_run": true}
	for k, v := range assign {
		dry[k] = v
	}
	out := h.CallOK(t, "assign_cloud_roles", dry)
	if n := len(asList(out["would_send"])); n != 2 {
		t.Fatalf("dry run plans %d requests, want the removal and the assignment: %s", n, dump(out))
	}
	if !hasProjectRole(rolesOf(t, h, cloudemu.DemoBobEmail), "elasticsearch", "elasticsearch-viewer", search, "dashboard-viewer") {
		t.Fatal("the dry run changed bob's roles")
	}

	// Declined: nothing changes.
	a.decline = true
	h.CallErr(t, "assign_cloud_roles", assign)
	a.decline = false
	if !hasProjectRole(rolesOf(t, h, cloudemu.DemoBobEmail), "elasticsearch", "elasticsearch-viewer", search, "dashboard-viewer") {
		t.Fatal("a declined replacement changed bob's roles")
	}

	h.CallOK(t, "assign_cloud_roles", assign)
	mustContain(t, a.last(), "dashboard-viewer", "replaced by the predefined role")
	ra := rolesOf(t, h, cloudemu.DemoBobEmail)
	if got := ra.ApplicationRolesFor("elasticsearch", search); len(got) != 0 {
		t.Errorf("bob still holds custom roles on the project: %v", got)
	}
	if !hasProjectRole(ra, "elasticsearch", "elasticsearch-viewer", search) {
		t.Errorf("bob lacks the predefined viewer role: %+v", ra.Project)
	}
}
