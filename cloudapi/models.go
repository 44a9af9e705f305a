package cloudapi

import "time"

// The models follow the Elastic Cloud API Swagger and the Serverless API
// (reference/cloud-api.md §2–§5). Decoding tolerates unknown fields, since
// newer API versions add them; omitempty keeps requests to what was set.

// RoleAssignments is the role set of a member, an invitation or an API key.
type RoleAssignments struct {
	Organization []OrganizationRoleAssignment `json:"organization,omitempty"`
	Deployment   []DeploymentRoleAssignment   `json:"deployment,omitempty"`
	Project      *ProjectRoleAssignments      `json:"project,omitempty"`
}

// OrganizationRoleAssignment is an organization-scope role.
type OrganizationRoleAssignment struct {
	RoleID         string `json:"role_id"`
	OrganizationID string `json:"organization_id"`
	// ApplicationRoles on an organization entry grant stack roles in every
	// project of the organization, current and future (newer than the 2024
	// Swagger).
	ApplicationRoles []string `json:"application_roles,omitempty"`
}

// DeploymentRoleAssignment is a hosted-deployment role.
type DeploymentRoleAssignment struct {
	RoleID           string   `json:"role_id"`
	OrganizationID   string   `json:"organization_id"`
	All              bool     `json:"all"`
	DeploymentIDs    []string `json:"deployment_ids,omitempty"`
	ApplicationRoles []string `json:"application_roles,omitempty"`
}

// ProjectRoleAssignments groups Serverless roles by project type.
type ProjectRoleAssignments struct {
	Elasticsearch []ProjectRoleAssignment `json:"elasticsearch,omitempty"`
	Observability []ProjectRoleAssignment `json:"observability,omitempty"`
	Security      []ProjectRoleAssignment `json:"security,omitempty"`
}

// ProjectRoleAssignment is a Serverless project role.
type ProjectRoleAssignment struct {
	RoleID           string   `json:"role_id"`
	OrganizationID   string   `json:"organization_id"`
	All              bool     `json:"all"`
	ProjectIDs       []string `json:"project_ids,omitempty"`
	ApplicationRoles []string `json:"application_roles,omitempty"`
}

// ByType returns the assignments of one project type.
func (p *ProjectRoleAssignments) ByType(projectType string) []ProjectRoleAssignment {
	if p == nil {
		return nil
	}
	switch projectType {
	case "elasticsearch":
		return p.Elasticsearch
	case "observability":
		return p.Observability
	case "security":
		return p.Security
	}
	return nil
}

// Add appends an assignment of one project type.
func (p *ProjectRoleAssignments) Add(projectType string, a ProjectRoleAssignment) {
	switch projectType {
	case "elasticsearch":
		p.Elasticsearch = append(p.Elasticsearch, a)
	case "observability":
		p.Observability = append(p.Observability, a)
	case "security":
		p.Security = append(p.Security, a)
	}
}

// AddProject appends a project assignment, creating the project group.
func (ra *RoleAssignments) AddProject(projectType string, a ProjectRoleAssignment) {
	if ra.Project == nil {
		ra.Project = &ProjectRoleAssignments{}
	}
	ra.Project.Add(projectType, a)
}

// IsEmpty reports whether ra grants nothing.
func (ra RoleAssignments) IsEmpty() bool {
	if len(ra.Organization) > 0 || len(ra.Deployment) > 0 {
		return false
	}
	for _, t := range ProjectTypes {
		if len(ra.Project.ByType(t)) > 0 {
			return false
		}
	}
	return true
}

// Organization is one Elastic Cloud organization.
type Organization struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Member is one organization membership.
type Member struct {
	OrganizationID  string          `json:"organization_id"`
	UserID          string          `json:"user_id"`
	Name            string          `json:"name,omitempty"`
	Email           string          `json:"email,omitempty"`
	MemberSince     time.Time       `json:"member_since"`
	RoleAssignments RoleAssignments `json:"role_assignments"`
}

// Invitation is one organization invitation. Token is its secret handle:
// it is needed to cancel the invitation and must never be shown.
type Invitation struct {
	Token           string           `json:"token"`
	Email           string           `json:"email"`
	CreatedAt       time.Time        `json:"created_at"`
	ExpiresAt       time.Time        `json:"expires_at"`
	Expired         bool             `json:"expired"`
	AcceptedAt      *time.Time       `json:"accepted_at,omitempty"`
	Organization    Organization     `json:"organization"`
	RoleAssignments *RoleAssignments `json:"role_assignments,omitempty"`
}

// InvitationRequest is the body that invites people.
type InvitationRequest struct {
	Emails          []string         `json:"emails"`
	ExpiresIn       string           `json:"expires_in,omitempty"`
	RoleAssignments *RoleAssignments `json:"role_assignments,omitempty"`
}

// APIKey is a Cloud API key. Key, the secret, is set only in the answer to
// its creation.
type APIKey struct {
	ID              string           `json:"id"`
	UserID          string           `json:"user_id,omitempty"`
	OrganizationID  string           `json:"organization_id,omitempty"`
	Description     string           `json:"description"`
	Key             string           `json:"key,omitempty"`
	CreationDate    time.Time        `json:"creation_date"`
	ExpirationDate  *time.Time       `json:"expiration_date,omitempty"`
	RoleAssignments *RoleAssignments `json:"role_assignments,omitempty"`
}

// CreateAPIKeyRequest is the body that creates a Cloud API key.
type CreateAPIKeyRequest struct {
	Description     string           `json:"description"`
	Expiration      string           `json:"expiration,omitempty"`
	RoleAssignments *RoleAssignments `json:"role_assignments,omitempty"`
}

// Project is a Serverless project. Endpoints holds the service URLs by name
// ("elasticsearch", "kibana", "apm", "ingest").
type Project struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Alias     string            `json:"alias,omitempty"`
	Type      string            `json:"type"`
	RegionID  string            `json:"region_id"`
	CloudID   string            `json:"cloud_id,omitempty"`
	Endpoints map[string]string `json:"endpoints"`
	Metadata  struct {
		CreatedAt      time.Time `json:"created_at"`
		CreatedBy      string    `json:"created_by,omitempty"`
		OrganizationID string    `json:"organization_id,omitempty"`
	} `json:"metadata"`
}

// ProjectRole is a role defined in a Serverless project.
type ProjectRole struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}
