package tools_test

import (
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/fault"
)

func TestListDeployments(t *testing.T) {
	h := cloudHarness(t, nil)
	extra := h.Sandbox.Cloud.AddDeployment("billing-prod")
	out := h.CallOK(t, "list_deployments", nil)
	var ids []string
	for _, d := range asList(out["deployments"]) {
		ids = append(ids, asMap(d)["id"].(string))
	}
	mustContain(t, dump(ids), seed(h).DeploymentID, extra.ID)

	out = h.CallOK(t, "list_deployments", map[string]any{"name": "BILLING"})
	if got := asList(out["deployments"]); len(got) != 1 || asMap(got[0])["id"] != extra.ID {
		t.Errorf("name filter: %v", got)
	}
	h.CallErr(t, "list_deployments", map[string]any{"name": 3})

	h.Sandbox.Cloud.Faults().Add(fault.Fault{Method: "GET", Path: "/api/v1/deployments", Kind: fault.Status, Status: 500, Times: 10})
	h.CallErr(t, "list_deployments", nil)
}

// A deployment-scope assignment naming a deployment the organization does
// not have is refused before anything is sent; a real one goes through.
func TestAssigningAnUnknownDeploymentIsRefused(t *testing.T) {
	h := cloudHarness(t, nil)
	assign := func(id string) map[string]any {
		return map[string]any{"members": []any{"bob@example.com"}, "roles": []any{map[string]any{
			"scope": "deployment", "role": "viewer", "deployment_ids": []any{id}}}}
	}
	before := rolesOf(t, h, "bob@example.com")
	msg := h.CallErr(t, "assign_cloud_roles", assign("0123456789abcdef0123456789abcdef"))
	mustContain(t, msg, "unknown deployment ids", "list_deployments")
	if after := rolesOf(t, h, "bob@example.com"); len(after.Deployment) != len(before.Deployment) {
		t.Errorf("an unknown deployment was assigned: %+v", after.Deployment)
	}
	h.CallOK(t, "assign_cloud_roles", assign(seed(h).DeploymentID))
	if after := rolesOf(t, h, "bob@example.com"); len(after.Deployment) != len(before.Deployment)+1 {
		t.Errorf("the known deployment was not assigned: %+v", after.Deployment)
	}
	// Removing names deployments as they are stored, even gone ones.
	h.CallOK(t, "remove_cloud_roles", assign(seed(h).DeploymentID))
}
