package cloudemu

import (
	"fmt"
	"strings"
	"time"
)

// The helpers below build state directly, for tests and for the sandbox
// composition. They take the same lock as the HTTP handlers. Role
// assignments passed to them are validated and normalized like request
// bodies (organization_id defaults to the organization); an invalid set is a
// programming error and panics.

// KeyInfo describes a live Cloud API key.
type KeyInfo struct {
	ID, UserID, OrganizationID string
	Expires                    time.Time // zero: never expires
	RoleAssignments            RoleAssignments
}

// ProjectInfo summarizes a Serverless project. OrganizationID lets the
// Elasticsearch emulators check that a Cloud key belongs to the project's
// organization.
type ProjectInfo struct {
	ID, Name, Type, Alias, Region, ElasticsearchURL, KibanaURL string
	OrganizationID                                             string
}

// AddOrganization creates an empty organization and returns its id. The
// first organization created is the default one of AddMember, AddProject and
// Invite.
func (e *Emulator) AddOrganization(name string) (orgID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.addOrganization(name).id
}

func (e *Emulator) addOrganization(name string) *organization {
	o := &organization{id: newOrganizationID(), name: name, accountID: newHexID(), trustAll: true, createdAt: e.now()}
	for e.orgs[o.id] != nil {
		o.id = newOrganizationID()
	}
	e.orgs[o.id] = o
	e.orgOrder = append(e.orgOrder, o.id)
	return o
}

// defaultOrg returns the first organization, creating one if there is none.
func (e *Emulator) defaultOrg() *organization {
	if len(e.orgOrder) == 0 {
		return e.addOrganization("Organization")
	}
	return e.orgs[e.orgOrder[0]]
}

// DefaultOrganizationID returns the id of the default organization, creating
// it if needed.
func (e *Emulator) DefaultOrganizationID() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.defaultOrg().id
}

func (e *Emulator) mustNormalize(ra RoleAssignments, orgID string) RoleAssignments {
	out, p := normalize(ra, orgID, "", false)
	if p != nil {
		panic(fmt.Sprintf("cloudemu: invalid role assignments: %s: %s", p.field, p.message))
	}
	return out
}

// AddMember adds a member with these role assignments to the default
// organization and returns the user id. If the email is already a member, its
// assignments are replaced and its id returned.
func (e *Emulator) AddMember(email string, ra RoleAssignments) (userID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.addMemberTo(e.defaultOrg(), email, ra)
}

// AddMemberTo is AddMember for a given organization.
func (e *Emulator) AddMemberTo(orgID, email string, ra RoleAssignments) (userID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	org := e.orgs[orgID]
	if org == nil {
		panic("cloudemu: unknown organization " + orgID)
	}
	return e.addMemberTo(org, email, ra)
}

func (e *Emulator) addMemberTo(org *organization, email string, ra RoleAssignments) string {
	norm := e.mustNormalize(ra, org.id)
	if u := e.userByEmail(email); u != nil {
		if u.orgID != org.id {
			panic("cloudemu: " + email + " already belongs to another organization")
		}
		u.ra = norm
		return u.id
	}
	return e.addUser(org, email, norm, e.now()).id
}

// AddMembers adds n synthetic members (member-00001@example.com, ...) to the
// default organization with a rotating set of viewer roles, for benchmarks
// such as a 10,000-member organization.
func (e *Emulator) AddMembers(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	org := e.defaultOrg()
	now := e.now()
	roles := []RoleAssignments{
		{Deployment: []DeploymentRoleAssignment{{RoleID: "deployment-viewer", OrganizationID: org.id, All: true}}},
		{Project: ProjectRoleAssignments{Elasticsearch: []ProjectRoleAssignment{{RoleID: "elasticsearch-viewer", OrganizationID: org.id, All: true}}}},
		{Project: ProjectRoleAssignments{Observability: []ProjectRoleAssignment{{RoleID: "observability-viewer", OrganizationID: org.id, All: true}}}},
		{Organization: []OrganizationRoleAssignment{{RoleID: roleBillingAdmin, OrganizationID: org.id}}},
	}
	for i, k := 0, len(org.members)+1; i < n; k++ {
		email := fmt.Sprintf("member-%05d@example.com", k)
		if e.userByEmail(email) != nil {
			continue
		}
		e.addUser(org, email, roles[i%len(roles)].Clone(), now)
		i++
	}
}

// RoleAssignmentsOf returns a member's current role assignments.
func (e *Emulator) RoleAssignmentsOf(userID string) (RoleAssignments, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.users[userID]
	if u == nil {
		return RoleAssignments{}, false
	}
	return u.ra.Clone(), true
}

// CreateKey creates a Cloud API key owned by a member. ttl 0 means the key
// never expires; an empty ra takes the owner's roles, as the API does. It
// ignores the key cap, so tests can build any state.
func (e *Emulator) CreateKey(ownerUserID, description string, ttl time.Duration, ra RoleAssignments) (id, key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.users[ownerUserID]
	if u == nil {
		panic("cloudemu: unknown user " + ownerUserID)
	}
	if ra.IsEmpty() {
		ra = u.ra.Clone()
	} else {
		ra = e.mustNormalize(ra, u.orgID)
	}
	k, secret := e.newKey(u.orgID, u.id, description, ttl, ra, e.now())
	return k.id, secret
}

// AuthenticateKey resolves a Cloud API key secret, as the Elasticsearch
// emulators need to: a Cloud key authenticates to project Elasticsearch and
// gets the stack roles of RoleAssignments.ApplicationRolesFor. Expired and
// deleted keys are not found.
func (e *Emulator) AuthenticateKey(key string) (KeyInfo, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	k := e.keyByHash[hashSecret(strings.TrimSpace(key))]
	if k == nil || k.expired(e.now()) {
		return KeyInfo{}, false
	}
	return KeyInfo{ID: k.id, UserID: k.userID, OrganizationID: k.orgID, Expires: k.expires, RoleAssignments: k.ra.Clone()}, true
}

// Invite creates a pending invitation in the default organization and
// returns its token. ttl 0 means the 72-hour default.
func (e *Emulator) Invite(email string, ttl time.Duration, ra RoleAssignments) (token string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	org := e.defaultOrg()
	if ttl <= 0 {
		ttl = defaultInvitationTTL
	}
	now := e.now()
	e.dropInvitations(org.id, email)
	inv := &invitation{token: e.uniqueToken(), email: email, orgID: org.id, createdAt: now, expiresAt: now.Add(ttl),
		ra: e.mustNormalize(ra, org.id), hasRA: !ra.IsEmpty()}
	e.invitations[inv.token] = inv
	return inv.token
}

// AddProject creates a Serverless project of a type in the default
// organization, with the predefined roles of its type.
func (e *Emulator) AddProject(projectType, name string) ProjectInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.addProject(e.defaultOrg(), projectType, name)
}

func (e *Emulator) addProject(org *organization, projectType, name string) ProjectInfo {
	if !validProjectType(projectType) {
		panic("cloudemu: unknown project type " + projectType)
	}
	p := &project{id: newProjectID(), typ: projectType, name: name, region: "aws-us-east-1", orgID: org.id,
		createdAt: e.now(), seq: e.nextSeq(), roles: predefinedProjectRoles(projectType)}
	for e.projects[p.id] != nil {
		p.id = newProjectID()
	}
	// An alias is an RFC-1035 label plus a system suffix (reference §5.3).
	p.alias = aliasLabel(name) + "-" + p.id[:6]
	for _, id := range org.members {
		if e.users[id].ra.HasOrganizationRole(org.id, roleOrgAdmin) {
			p.createdBy = id
			break
		}
	}
	e.projects[p.id] = p
	return e.projectInfo(p)
}

func (e *Emulator) projectInfo(p *project) ProjectInfo {
	es, kb := e.endpoints(p)
	return ProjectInfo{ID: p.id, Name: p.name, Type: p.typ, Alias: p.alias, Region: p.region, ElasticsearchURL: es, KibanaURL: kb,
		OrganizationID: p.orgID}
}

func aliasLabel(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" || s[0] < 'a' {
		s = "project-" + s
	}
	return strings.TrimSuffix(s[:min(len(s), 50)], "-")
}

// Project returns a project by id.
func (e *Emulator) Project(projectID string) (ProjectInfo, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.projects[projectID]
	if p == nil {
		return ProjectInfo{}, false
	}
	return e.projectInfo(p), true
}

// AddProjectRole lists a custom role in a project's /roles, as creating the
// role in the project's Elasticsearch would. It reports whether the project
// exists; an existing name gets the new description.
func (e *Emulator) AddProjectRole(projectID, name, description string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.projects[projectID]
	if p == nil {
		return false
	}
	for i := range p.roles {
		if p.roles[i].Name == name {
			p.roles[i].Description = description
			return true
		}
	}
	p.roles = append(p.roles, ProjectRole{Name: name, Description: description})
	return true
}

// RemoveProjectRole drops a role from a project's /roles.
func (e *Emulator) RemoveProjectRole(projectID, name string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.projects[projectID]
	if p == nil {
		return false
	}
	for i := range p.roles {
		if p.roles[i].Name == name {
			p.roles = append(p.roles[:i], p.roles[i+1:]...)
			return true
		}
	}
	return false
}

// ProjectApplicationRoles authenticates a Cloud API key for one Serverless
// project's Elasticsearch or Kibana and returns the stack roles it holds
// there. ok is false for an unknown, expired or deleted key, an unknown
// project, or a project of another organization, whose keys must not reach
// it even with organization-wide application_roles. An authenticated key with
// no roles gets ok=true and none: the real service then answers 403.
func (e *Emulator) ProjectApplicationRoles(key, projectID string) (info KeyInfo, roles []string, ok bool) {
	info, ok = e.AuthenticateKey(key)
	if !ok {
		return KeyInfo{}, nil, false
	}
	e.mu.Lock()
	p := e.projects[projectID]
	e.mu.Unlock()
	if p == nil || p.orgID != info.OrganizationID {
		return KeyInfo{}, nil, false
	}
	return info, info.RoleAssignments.ApplicationRolesFor(p.typ, p.id), true
}

// BackdateInvitation moves an invitation's creation and expiry into the
// past by d, so tests can build invitations pending for a long time or
// expired. It reports whether the token was found.
func (e *Emulator) BackdateInvitation(token string, d time.Duration) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	inv := e.invitations[token]
	if inv == nil {
		return false
	}
	inv.createdAt = inv.createdAt.Add(-d)
	inv.expiresAt = inv.expiresAt.Add(-d)
	return true
}
