package tools

import (
	"context"
	"slices"
	"strings"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// ListDeploymentsInput filters deployments.
type ListDeploymentsInput struct {
	Name string `json:"name,omitempty"`
}

// ListDeploymentsOutput lists hosted deployments.
type ListDeploymentsOutput struct {
	Deployments []DeploymentView `json:"deployments"`
}

// DeploymentView is one hosted deployment.
type DeploymentView struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Alias string `json:"alias,omitempty"`
}

func listDeploymentsTool() toolkit.Tool { return toolkit.Define(listDeploymentsSpec, listDeployments) }

var listDeploymentsSpec = toolkit.Spec{
	Name:    "list_deployments",
	Title:   "List hosted deployments",
	Toolset: toolkit.ToolsetOrg,
	Tier:    toolkit.Read,
	Description: "List Elastic Cloud Hosted deployments (id, name). Call first to get the deployment_ids of a deployment-scope " +
		"role.",
}

func listDeployments(ctx context.Context, c *toolkit.Call, in ListDeploymentsInput) (ListDeploymentsOutput, error) {
	out := ListDeploymentsOutput{Deployments: []DeploymentView{}}
	cc, err := cloudClient(c)
	if err != nil {
		return out, err
	}
	ds, err := cc.ListDeployments(ctx)
	if err != nil {
		return out, cloudErr(err, "list the deployments")
	}
	f := strings.ToLower(strings.TrimSpace(in.Name))
	for _, d := range ds {
		if f != "" && !strings.Contains(strings.ToLower(d.Name), f) && !strings.Contains(strings.ToLower(d.Alias), f) {
			continue
		}
		out.Deployments = append(out.Deployments, DeploymentView{ID: d.ID, Name: d.Name, Alias: d.Alias})
	}
	return out, nil
}

// checkDeploymentIDsOnAdd checks the ids of assignments being added; a
// removal may name a deployment that no longer exists.
func checkDeploymentIDsOnAdd(ctx context.Context, cc *cloudapi.Client, ra cloudapi.RoleAssignments, add bool) error {
	if !add {
		return nil
	}
	return checkDeploymentIDs(ctx, cc, ra)
}

// checkDeploymentIDs refuses deployment-scope assignments that name a
// deployment the organization does not have: the Cloud API stores any id,
// and a typo would silently grant nothing (or, later, something else).
func checkDeploymentIDs(ctx context.Context, cc *cloudapi.Client, ra cloudapi.RoleAssignments) error {
	var want []string
	for _, a := range ra.Deployment {
		want = append(want, a.DeploymentIDs...)
	}
	if len(want) == 0 {
		return nil
	}
	ds, err := cc.ListDeployments(ctx)
	if err != nil {
		return cloudErr(err, "check the deployment ids against the organization's deployments")
	}
	known := make([]string, 0, len(ds))
	for _, d := range ds {
		known = append(known, d.ID)
	}
	var unknown []string
	for _, id := range want {
		if !slices.Contains(known, id) {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		return toolkit.InvalidArgs("unknown deployment ids %s; call list_deployments for the ids (a name is not an id)", strings.Join(unknown, ", "))
	}
	return nil
}
