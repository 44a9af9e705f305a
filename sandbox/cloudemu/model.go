package cloudemu

import "time"

// The types below mirror the Swagger definitions of the Elastic Cloud API
// (contracts/cloud-api.swagger.json) field for field, so that they can be used
// both to decode requests and to encode responses. Fields that are newer than
// the 2024 contract but documented in reference/cloud-api.md (organization
// application_roles, next_page on key lists) are included too.

// RoleAssignments is the role set carried by members, invitations and API keys.
type RoleAssignments struct {
	// Platform is ECE-only; the emulator accepts and ignores it, as ESS does not
	// use it (reference §3).
	Platform     []PlatformRoleAssignment     `json:"platform,omitempty"`
	Organization []OrganizationRoleAssignment `json:"organization,omitempty"`
	Deployment   []DeploymentRoleAssignment   `json:"deployment,omitempty"`
	Project      ProjectRoleAssignments       `json:"project,omitzero"`
}

// PlatformRoleAssignment is a platform-scope assignment (ECE only).
type PlatformRoleAssignment struct {
	RoleID string `json:"role_id"`
}

// OrganizationRoleAssignment is an organization-scope assignment.
type OrganizationRoleAssignment struct {
	RoleID         string `json:"role_id"`
	OrganizationID string `json:"organization_id"`
	// ApplicationRoles is not in the 2024 contract; newer documents use it on
	// API keys to grant stack roles across every project of the organization.
	ApplicationRoles []string `json:"application_roles,omitempty"`
}

// DeploymentRoleAssignment is a deployment-scope (hosted) assignment.
type DeploymentRoleAssignment struct {
	RoleID           string   `json:"role_id"`
	OrganizationID   string   `json:"organization_id"`
	All              bool     `json:"all"`
	DeploymentIDs    []string `json:"deployment_ids,omitempty"`
	ApplicationRoles []string `json:"application_roles,omitempty"`
}

// ProjectRoleAssignments groups the Serverless assignments by project type.
type ProjectRoleAssignments struct {
	Elasticsearch []ProjectRoleAssignment `json:"elasticsearch,omitempty"`
	Observability []ProjectRoleAssignment `json:"observability,omitempty"`
	Security      []ProjectRoleAssignment `json:"security,omitempty"`
}

// ProjectRoleAssignment is a Serverless project-scope assignment.
type ProjectRoleAssignment struct {
	RoleID           string   `json:"role_id"`
	OrganizationID   string   `json:"organization_id"`
	All              bool     `json:"all"`
	ProjectIDs       []string `json:"project_ids,omitempty"`
	ApplicationRoles []string `json:"application_roles,omitempty"`
}

// ByType returns the assignments for one project type ("elasticsearch",
// "observability", "security"); nil for any other type.
func (p ProjectRoleAssignments) ByType(projectType string) []ProjectRoleAssignment {
	switch projectType {
	case TypeElasticsearch:
		return p.Elasticsearch
	case TypeObservability:
		return p.Observability
	case TypeSecurity:
		return p.Security
	}
	return nil
}

func (p *ProjectRoleAssignments) set(projectType string, v []ProjectRoleAssignment) {
	switch projectType {
	case TypeElasticsearch:
		p.Elasticsearch = v
	case TypeObservability:
		p.Observability = v
	case TypeSecurity:
		p.Security = v
	}
}

// Organization is the Swagger "Organization".
type Organization struct {
	ID                               string   `json:"id"`
	Name                             string   `json:"name"`
	DefaultDiskUsageAlertsEnabled    bool     `json:"default_disk_usage_alerts_enabled"`
	NotificationsAllowedEmailDomains []string `json:"notifications_allowed_email_domains,omitempty"`
}

// OrganizationList is the reply of GET /organizations.
type OrganizationList struct {
	Organizations []Organization `json:"organizations"`
	NextPage      string         `json:"next_page,omitempty"`
}

// OrganizationMembership is one member of an organization.
type OrganizationMembership struct {
	OrganizationID  string          `json:"organization_id"`
	UserID          string          `json:"user_id"`
	Name            string          `json:"name,omitempty"`
	Email           string          `json:"email,omitempty"`
	MemberSince     time.Time       `json:"member_since"`
	RoleAssignments RoleAssignments `json:"role_assignments"`
}

// OrganizationMemberships is the reply of the members list.
type OrganizationMemberships struct {
	Members []OrganizationMembership `json:"members"`
}

// OrganizationInvitationRequest is the body of POST .../invitations.
type OrganizationInvitationRequest struct {
	Emails          []string         `json:"emails"`
	ExpiresIn       string           `json:"expires_in,omitempty"`
	RoleAssignments *RoleAssignments `json:"role_assignments,omitempty"`
}

// OrganizationInvitation is one invitation.
type OrganizationInvitation struct {
	Token           string           `json:"token"`
	Email           string           `json:"email"`
	CreatedAt       time.Time        `json:"created_at"`
	ExpiresAt       time.Time        `json:"expires_at"`
	Expired         bool             `json:"expired"`
	AcceptedAt      *time.Time       `json:"accepted_at,omitempty"`
	Organization    Organization     `json:"organization"`
	RoleAssignments *RoleAssignments `json:"role_assignments,omitempty"`
}

// OrganizationInvitations is the reply of invitation create and list.
type OrganizationInvitations struct {
	Invitations []OrganizationInvitation `json:"invitations"`
}

// CreateAPIKeyRequest is the body of POST /users/auth/keys.
type CreateAPIKeyRequest struct {
	Description     string           `json:"description"`
	Expiration      string           `json:"expiration,omitempty"`
	RoleAssignments *RoleAssignments `json:"role_assignments,omitempty"`
}

// APIKeyResponse is the Swagger "ApiKeyResponse". Key is set only in the
// reply to the creating request.
type APIKeyResponse struct {
	ID              string           `json:"id"`
	UserID          string           `json:"user_id,omitempty"`
	OrganizationID  string           `json:"organization_id,omitempty"`
	Description     string           `json:"description"`
	Key             string           `json:"key,omitempty"`
	CreationDate    time.Time        `json:"creation_date"`
	ExpirationDate  *time.Time       `json:"expiration_date,omitempty"`
	RoleAssignments *RoleAssignments `json:"role_assignments,omitempty"`
}

// APIKeysResponse is the reply of GET /users/auth/keys. NextPage is the
// cursor newer API versions return (reference §2.6).
type APIKeysResponse struct {
	Keys     []APIKeyResponse `json:"keys"`
	NextPage string           `json:"next_page,omitempty"`
}

// DeleteAPIKeysRequest is the body of the bulk DELETE /users/auth/keys.
type DeleteAPIKeysRequest struct {
	Keys []string `json:"keys"`
}

// AccountResponse is the reply of GET /account.
type AccountResponse struct {
	ID    string               `json:"id"`
	Trust AccountTrustSettings `json:"trust"`
}

// AccountTrustSettings is part of AccountResponse.
type AccountTrustSettings struct {
	TrustAll bool `json:"trust_all"`
}

// AccountUpdateRequest is the body of PUT and PATCH /account.
type AccountUpdateRequest struct {
	Trust *AccountTrustSettings `json:"trust,omitempty"`
}
