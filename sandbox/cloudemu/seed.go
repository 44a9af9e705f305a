package cloudemu

import "time"

// SeedInfo describes what SeedDemo created. Every id, token and key is
// generated at run time.
type SeedInfo struct {
	OrganizationID, OrganizationName string
	OwnerUserID, OwnerEmail          string
	// OwnerAPIKey holds organization-admin with application_roles ["admin"]
	// at organization scope, so it can also administer every project's
	// Elasticsearch through the stack emulators.
	OwnerAPIKey, OwnerAPIKeyID string
	// MemberAPIKey belongs to alice@example.com: no organization role (403 on
	// Cloud writes and key management), elasticsearch-viewer on the search
	// project with application_roles ["viewer"].
	MemberAPIKey, MemberAPIKeyID string
	Projects                     map[string]ProjectInfo // by type
	Members                      map[string]string      // email -> user id, the owner included
	PendingInvitationEmail       string
	// PendingInvitationToken is the token of the pending invitation.
	PendingInvitationToken string
	// DeploymentID is the hosted deployment of carol's assignment (the
	// emulator lists deployments but does not run them).
	DeploymentID string
}

// Demo seed facts, exported so tests and documentation can refer to them.
const (
	DemoOrganizationName = "Demo Organization"
	DemoOwnerEmail       = "owner@example.com"
	DemoAliceEmail       = "alice@example.com"
	DemoBobEmail         = "bob@example.com"
	DemoCarolEmail       = "carol@example.com"
	DemoDaveEmail        = "dave@example.com"
)

// DemoCustomRoles are the custom roles every demo project lists in /roles,
// next to its predefined ones.
var DemoCustomRoles = []ProjectRole{
	{Name: "dashboard-viewer", Description: "Read-only access to dashboards"},
	{Name: "logs-reader", Description: "Read access to logs-* indices"},
}

// SeedDemo creates the demo organization:
//   - owner@example.com: organization-admin;
//   - alice@example.com: elasticsearch-viewer on search-demo;
//   - bob@example.com: billing-admin, observability-viewer on obs-demo with
//     application_roles ["logs-reader"] (the custom-role rule), and
//     security-viewer on every Security project;
//   - carol@example.com: deployment-editor on one deployment, and
//     elasticsearch-developer on search-demo;
//   - a pending invitation for dave@example.com (elasticsearch-developer on
//     search-demo, 7 days);
//   - projects search-demo (elasticsearch), obs-demo (observability) and
//     sec-demo (security), each listing the predefined roles of its type
//     plus DemoCustomRoles;
//   - an owner key and a member key (alice's), valid for 90 days.
func (e *Emulator) SeedDemo() SeedInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	org := e.addOrganization(DemoOrganizationName)
	info := SeedInfo{
		OrganizationID:         org.id,
		OrganizationName:       org.name,
		OwnerEmail:             DemoOwnerEmail,
		Projects:               map[string]ProjectInfo{},
		Members:                map[string]string{},
		PendingInvitationEmail: DemoDaveEmail,
		DeploymentID:           e.addDeploymentLocked("demo-hosted").ID,
	}
	o := org.id

	owner := e.addMemberTo(org, DemoOwnerEmail, RoleAssignments{
		Organization: []OrganizationRoleAssignment{{RoleID: roleOrgAdmin, OrganizationID: o}},
	})
	info.OwnerUserID = owner
	info.Members[DemoOwnerEmail] = owner

	names := map[string]string{TypeElasticsearch: "search-demo", TypeObservability: "obs-demo", TypeSecurity: "sec-demo"}
	for _, typ := range ProjectTypes {
		p := e.addProject(org, typ, names[typ])
		e.projects[p.ID].roles = append(e.projects[p.ID].roles, DemoCustomRoles...)
		info.Projects[typ] = p
	}
	search, obs := info.Projects[TypeElasticsearch].ID, info.Projects[TypeObservability].ID

	info.Members[DemoAliceEmail] = e.addMemberTo(org, DemoAliceEmail, RoleAssignments{
		Project: ProjectRoleAssignments{Elasticsearch: []ProjectRoleAssignment{
			{RoleID: "elasticsearch-viewer", OrganizationID: o, ProjectIDs: []string{search}}}},
	})
	info.Members[DemoBobEmail] = e.addMemberTo(org, DemoBobEmail, RoleAssignments{
		Organization: []OrganizationRoleAssignment{{RoleID: roleBillingAdmin, OrganizationID: o}},
		Project: ProjectRoleAssignments{
			Observability: []ProjectRoleAssignment{{RoleID: "observability-viewer", OrganizationID: o,
				ProjectIDs: []string{obs}, ApplicationRoles: []string{"logs-reader"}}},
			Security: []ProjectRoleAssignment{{RoleID: "security-viewer", OrganizationID: o, All: true}},
		},
	})
	info.Members[DemoCarolEmail] = e.addMemberTo(org, DemoCarolEmail, RoleAssignments{
		Deployment: []DeploymentRoleAssignment{{RoleID: "deployment-editor", OrganizationID: o, DeploymentIDs: []string{info.DeploymentID}}},
		Project: ProjectRoleAssignments{Elasticsearch: []ProjectRoleAssignment{
			{RoleID: "elasticsearch-developer", OrganizationID: o, ProjectIDs: []string{search}}}},
	})

	now := e.now()
	inv := &invitation{token: e.uniqueToken(), email: DemoDaveEmail, orgID: o, createdAt: now, expiresAt: now.Add(7 * 24 * time.Hour), hasRA: true,
		ra: e.mustNormalize(RoleAssignments{Project: ProjectRoleAssignments{Elasticsearch: []ProjectRoleAssignment{
			{RoleID: "elasticsearch-developer", OrganizationID: o, ProjectIDs: []string{search}}}}}, o)}
	e.invitations[inv.token] = inv
	info.PendingInvitationToken = inv.token

	const keyTTL = 90 * 24 * time.Hour
	ownerKey, ownerSecret := e.newKey(o, owner, "demo owner key", keyTTL, e.mustNormalize(RoleAssignments{
		Organization: []OrganizationRoleAssignment{{RoleID: roleOrgAdmin, OrganizationID: o, ApplicationRoles: []string{"admin"}}},
	}, o), now)
	info.OwnerAPIKeyID, info.OwnerAPIKey = ownerKey.id, ownerSecret

	memberKey, memberSecret := e.newKey(o, info.Members[DemoAliceEmail], "demo member key", keyTTL, e.mustNormalize(RoleAssignments{
		Project: ProjectRoleAssignments{Elasticsearch: []ProjectRoleAssignment{
			{RoleID: "elasticsearch-viewer", OrganizationID: o, ProjectIDs: []string{search}, ApplicationRoles: []string{"viewer"}}}},
	}, o), now)
	info.MemberAPIKeyID, info.MemberAPIKey = memberKey.id, memberSecret
	return info
}
