package cloudemu

import "strings"

// Project types of the Serverless API.
const (
	TypeElasticsearch = "elasticsearch"
	TypeObservability = "observability"
	TypeSecurity      = "security"
)

// ProjectTypes lists the Serverless project types in a stable order.
var ProjectTypes = []string{TypeElasticsearch, TypeObservability, TypeSecurity}

// Role scopes, as the top-level keys of RoleAssignments.
const (
	ScopeOrganization = "organization"
	ScopeDeployment   = "deployment"
	ScopeProject      = "project"
)

const (
	roleOrgAdmin     = "organization-admin"
	roleBillingAdmin = "billing-admin"
)

var deploymentRoles = []string{"deployment-admin", "deployment-editor", "deployment-viewer"}

// baseProjectRoles are the predefined roles per type (reference §4, docs
// user-roles.md): developer only on Elasticsearch, editor only on
// Observability and Security.
var baseProjectRoles = map[string][]string{
	TypeElasticsearch: {"admin", "developer", "viewer"},
	TypeObservability: {"admin", "editor", "viewer"},
	TypeSecurity:      {"admin", "editor", "viewer"},
}

// extendedSecurityRoles come only from Terraform's "security-" prefixing
// (UNCERTAIN in reference §4); their short forms use underscores.
var extendedSecurityRoles = []string{
	"t1-analyst", "t2-analyst", "t3-analyst", "threat-intel-analyst", "rule-author",
	"soc-manager", "endpoint-operations-analyst", "platform-engineer", "detections-admin",
	"endpoint-policy-manager",
}

// CanonicalRoleID maps a role_id to its prefixed, canonical form for a scope
// ("organization", "deployment", "project") and, for projects, a type. It
// accepts the short project forms ("viewer", "t1_analyst") and the extended
// Security roles; ok is false for anything else, including a role of the
// wrong project type ("developer" on observability).
func CanonicalRoleID(scope, projectType, roleID string) (canonical string, ok bool) {
	return canonicalRoleID(scope, projectType, roleID, false)
}

func canonicalRoleID(scope, projectType, roleID string, strict bool) (string, bool) {
	switch scope {
	case ScopeOrganization:
		if roleID == roleOrgAdmin || roleID == roleBillingAdmin {
			return roleID, true
		}
	case ScopeDeployment:
		for _, r := range deploymentRoles {
			if roleID == r {
				return roleID, true
			}
		}
	case ScopeProject:
		base, known := baseProjectRoles[projectType]
		if !known {
			return "", false
		}
		prefix := projectType + "-"
		for _, r := range base {
			if roleID == prefix+r || (!strict && roleID == r) {
				return prefix + r, true
			}
		}
		if projectType == TypeSecurity && !strict {
			for _, r := range extendedSecurityRoles {
				if roleID == prefix+r || roleID == strings.ReplaceAll(r, "-", "_") {
					return prefix + r, true
				}
			}
		}
	}
	return "", false
}

// validRoleList names the accepted ids of a scope for error messages.
func validRoleList(scope, projectType string, strict bool) string {
	switch scope {
	case ScopeOrganization:
		return roleOrgAdmin + ", " + roleBillingAdmin
	case ScopeDeployment:
		return strings.Join(deploymentRoles, ", ")
	}
	var out []string
	for _, r := range baseProjectRoles[projectType] {
		out = append(out, projectType+"-"+r)
	}
	if !strict {
		out = append(out, "or the short forms "+strings.Join(baseProjectRoles[projectType], ", "))
	}
	return strings.Join(out, ", ")
}
