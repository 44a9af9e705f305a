package cloudapi

import "slices"

// The Cloud role catalog: the project types and the predefined role ids by
// scope, in their canonical prefixed form (cloud-api.md §4). It is the one
// list the tools, their argument validation and the docs read.

// ProjectTypes are the Serverless project types the API serves, in
// documentation order.
var ProjectTypes = []string{"elasticsearch", "observability", "security"}

var (
	// OrganizationRoleIDs are the organization-scope roles.
	OrganizationRoleIDs = []string{"organization-admin", "billing-admin"}
	// DeploymentRoleIDs are the Elastic Cloud Hosted deployment roles.
	DeploymentRoleIDs = []string{"deployment-admin", "deployment-editor", "deployment-viewer"}
	// ProjectRoleIDs are the Serverless project roles by project type.
	ProjectRoleIDs = map[string][]string{
		"elasticsearch": {"elasticsearch-admin", "elasticsearch-developer", "elasticsearch-viewer"},
		"observability": {"observability-admin", "observability-editor", "observability-viewer"},
		"security": {"security-admin", "security-editor", "security-viewer",
			"security-t1-analyst", "security-t2-analyst", "security-t3-analyst", "security-threat-intel-analyst",
			"security-rule-author", "security-soc-manager", "security-endpoint-operations-analyst",
			"security-platform-engineer", "security-detections-admin", "security-endpoint-policy-manager"},
	}
)

// RoleIDs lists every canonical Cloud role id: organization, deployment,
// then project roles by type.
func RoleIDs() []string {
	out := slices.Clone(OrganizationRoleIDs)
	out = append(out, DeploymentRoleIDs...)
	for _, t := range ProjectTypes {
		out = append(out, ProjectRoleIDs[t]...)
	}
	return out
}

// IsRoleID reports whether id is a canonical Cloud role id.
func IsRoleID(id string) bool { return slices.Contains(RoleIDs(), id) }
