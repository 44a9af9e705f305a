package cloudemu

import (
	"fmt"
	"slices"
	"strings"
)

// This file holds the role-assignment algebra shared by members, invitations
// and keys: validation, and the merge (add) and subtract (remove) rules that
// reference §2.5 infers from Terraform's update logic.

type problemKind int

const (
	problemShape   problemKind = iota // malformed entry: missing role_id, all/ids rule
	problemRole                       // unknown role_id for its scope
	problemForeign                    // organization_id of another organization
)

type raProblem struct {
	kind    problemKind
	field   string
	message string
}

// normalize validates in for organization orgID and returns a clean copy:
// organization_id defaulted to orgID (the reference allows the server to fill
// it in), id and application_roles lists trimmed, de-duplicated and sorted
// (array order is unspecified), platform entries dropped (ESS ignores them),
// and an empty id list treated as absent. prefix names the JSON path of the
// assignments in the request, for the error's "fields".
func normalize(in RoleAssignments, orgID, prefix string, strict bool) (RoleAssignments, *raProblem) {
	var out RoleAssignments
	for i, a := range in.Organization {
		field := fmt.Sprintf("%sorganization[%d]", prefix, i)
		g, p := normalizeGrant(grant{roleID: a.RoleID, orgID: a.OrganizationID, all: true, appRoles: a.ApplicationRoles},
			ScopeOrganization, "", orgID, field, strict)
		if p != nil {
			return RoleAssignments{}, p
		}
		out.Organization = append(out.Organization, orgFromGrant(g))
	}
	for i, a := range in.Deployment {
		field := fmt.Sprintf("%sdeployment[%d]", prefix, i)
		g, p := normalizeGrant(grant{roleID: a.RoleID, orgID: a.OrganizationID, all: a.All, ids: a.DeploymentIDs, appRoles: a.ApplicationRoles},
			ScopeDeployment, "", orgID, field, strict)
		if p != nil {
			return RoleAssignments{}, p
		}
		out.Deployment = append(out.Deployment, deploymentFromGrant(g))
	}
	for _, t := range ProjectTypes {
		var list []ProjectRoleAssignment
		for i, a := range in.Project.ByType(t) {
			field := fmt.Sprintf("%sproject.%s[%d]", prefix, t, i)
			g, p := normalizeGrant(grant{roleID: a.RoleID, orgID: a.OrganizationID, all: a.All, ids: a.ProjectIDs, appRoles: a.ApplicationRoles},
				ScopeProject, t, orgID, field, strict)
			if p != nil {
				return RoleAssignments{}, p
			}
			list = append(list, projectFromGrant(g))
		}
		out.Project.set(t, list)
	}
	return out, nil
}

// grant is the uniform internal form of one assignment. Organization-scope
// grants are modelled as all=true, which makes removal of them total.
type grant struct {
	roleID, orgID string
	all           bool
	ids           []string
	appRoles      []string
}

func normalizeGrant(g grant, scope, projectType, orgID, field string, strict bool) (grant, *raProblem) {
	g.roleID = strings.TrimSpace(g.roleID)
	if g.roleID == "" {
		return g, &raProblem{problemShape, field + ".role_id", "role_id is required"}
	}
	if _, ok := canonicalRoleID(scope, projectType, g.roleID, strict); !ok {
		where := scope
		if projectType != "" {
			where = "project." + projectType
		}
		return g, &raProblem{problemRole, field + ".role_id", fmt.Sprintf(
			"The role_id [%s] is not a valid %s role; valid role ids: %s", g.roleID, where, validRoleList(scope, projectType, strict))}
	}
	if g.orgID == "" {
		g.orgID = orgID
	} else if g.orgID != orgID {
		return g, &raProblem{problemForeign, field + ".organization_id", fmt.Sprintf(
			"The organization_id [%s] is not the organization [%s] of the target", g.orgID, orgID)}
	}
	ids, okIDs := cleanList(g.ids)
	if !okIDs {
		return g, &raProblem{problemShape, field, "resource ids must not be empty strings"}
	}
	g.ids = ids
	if scope != ScopeOrganization {
		idField := "project_ids"
		if scope == ScopeDeployment {
			idField = "deployment_ids"
		}
		switch {
		case g.all && len(g.ids) > 0:
			return g, &raProblem{problemShape, field + "." + idField, idField + " must be absent when all is true"}
		case !g.all && len(g.ids) == 0:
			return g, &raProblem{problemShape, field + "." + idField, idField + " must be present when all is false"}
		}
	}
	roles, okRoles := cleanList(g.appRoles)
	if !okRoles {
		return g, &raProblem{problemShape, field + ".application_roles", "application_roles must not contain empty names"}
	}
	g.appRoles = roles
	return g, nil
}

// cleanList trims, de-duplicates and sorts; ok is false if an element is
// blank.
func cleanList(in []string) (out []string, ok bool) {
	if len(in) == 0 {
		return nil, true
	}
	out = make([]string, 0, len(in))
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" {
			return nil, false
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return slices.Compact(out), true
}

func orgFromGrant(g grant) OrganizationRoleAssignment {
	return OrganizationRoleAssignment{RoleID: g.roleID, OrganizationID: g.orgID, ApplicationRoles: g.appRoles}
}

func deploymentFromGrant(g grant) DeploymentRoleAssignment {
	return DeploymentRoleAssignment{RoleID: g.roleID, OrganizationID: g.orgID, All: g.all, DeploymentIDs: g.ids, ApplicationRoles: g.appRoles}
}

func projectFromGrant(g grant) ProjectRoleAssignment {
	return ProjectRoleAssignment{RoleID: g.roleID, OrganizationID: g.orgID, All: g.all, ProjectIDs: g.ids, ApplicationRoles: g.appRoles}
}

func orgGrants(l []OrganizationRoleAssignment) []grant {
	out := make([]grant, 0, len(l))
	for _, a := range l {
		out = append(out, grant{roleID: a.RoleID, orgID: a.OrganizationID, all: true, appRoles: a.ApplicationRoles})
	}
	return out
}

func deploymentGrants(l []DeploymentRoleAssignment) []grant {
	out := make([]grant, 0, len(l))
	for _, a := range l {
		out = append(out, grant{roleID: a.RoleID, orgID: a.OrganizationID, all: a.All, ids: a.DeploymentIDs, appRoles: a.ApplicationRoles})
	}
	return out
}

func projectGrants(l []ProjectRoleAssignment) []grant {
	out := make([]grant, 0, len(l))
	for _, a := range l {
		out = append(out, grant{roleID: a.RoleID, orgID: a.OrganizationID, all: a.All, ids: a.ProjectIDs, appRoles: a.ApplicationRoles})
	}
	return out
}

// sameSlot says whether two grants are the same assignment for merging:
// same role (short and prefixed forms are one role), same organization and
// the same application_roles. Application roles are part of the identity so
// that adding "viewer on P2" to "viewer with custom role X on P1" does not
// silently hand X to P2 as well; with equal application roles, grants merge
// by role_id as reference §2.5 describes.
func sameSlot(a, b grant, scope, projectType string) bool {
	ca, _ := canonicalRoleID(scope, projectType, a.roleID, false)
	cb, _ := canonicalRoleID(scope, projectType, b.roleID, false)
	return ca == cb && a.orgID == b.orgID && slices.Equal(a.appRoles, b.appRoles)
}

// sameTarget says whether two grants give the same role on the same
// resources (same role, organization, all flag and ids), whatever their
// application_roles.
func sameTarget(a, b grant, scope, projectType string) bool {
	ca, _ := canonicalRoleID(scope, projectType, a.roleID, false)
	cb, _ := canonicalRoleID(scope, projectType, b.roleID, false)
	if ca != cb || a.orgID != b.orgID || a.all != b.all {
		return false
	}
	x, y := slices.Clone(a.ids), slices.Clone(b.ids)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

// mergeGrants adds: ids are unioned into the matching grant, all=true
// absorbs ids, anything new is appended. The stored role_id spelling is kept.
//
// A grant for the same role on the same resources as an existing one but
// with other application_roles is merged into it, its application_roles
// joining the existing ones, instead of becoming a second entry. In the
// Cloud API reference's role-assignment semantics (as in Terraform's
// update.go) keys a deployment or project assignment by role_id + all +
// sorted ids, without application_roles: the server holds one assignment per
// key, so two elasticsearch-viewer entries for one project (what
// workflows.md §5's assign-custom-role produced here for a member who already
// had the viewer role there) cannot exist. Adding "viewer with X on P1" to
// "viewer on P1" therefore gives one "viewer with X on P1" entry; grants on
// other projects stay separate so X is never handed to them.
func mergeGrants(cur, add []grant, scope, projectType string) []grant {
	out := cloneGrants(cur)
	for _, a := range add {
		i := slices.IndexFunc(out, func(c grant) bool { return sameSlot(c, a, scope, projectType) })
		if i < 0 {
			if j := slices.IndexFunc(out, func(c grant) bool { return sameTarget(c, a, scope, projectType) }); j >= 0 {
				roles := append(slices.Clone(out[j].appRoles), a.appRoles...)
				slices.Sort(roles)
				out[j].appRoles = slices.Compact(roles)
				continue
			}
			out = append(out, cloneGrant(a))
			continue
		}
		if out[i].all || a.all {
			out[i].all, out[i].ids = true, nil
			continue
		}
		ids := append(slices.Clone(out[i].ids), a.ids...)
		slices.Sort(ids)
		out[i].ids = slices.Compact(ids)
	}
	return out
}

// subtractGrants removes: all=true (and every organization-scope removal)
// drops the matching grant; ids are subtracted and a grant left with none is
// dropped. A removal without application_roles matches the role whatever its
// application roles. Removing ids from an all=true grant leaves it as is: the
// model cannot express "all but", and the real behaviour is unknown.
// Removing something absent is a no-op, as reference §2.5 suggests.
func subtractGrants(cur, rm []grant, scope, projectType string) []grant {
	out := cloneGrants(cur)
	for _, r := range rm {
		kept := out[:0:0]
		for _, c := range out {
			cr, _ := canonicalRoleID(scope, projectType, r.roleID, false)
			cc, _ := canonicalRoleID(scope, projectType, c.roleID, false)
			matches := cr == cc && r.orgID == c.orgID && (len(r.appRoles) == 0 || slices.Equal(r.appRoles, c.appRoles))
			// The reverse of mergeGrants joining application_roles: removing
			// some of a grant's application roles on its resources keeps the
			// grant with the others.
			if !matches && len(r.appRoles) > 0 && sameTarget(c, r, scope, projectType) && containsAll(c.appRoles, r.appRoles) {
				c.appRoles = slices.DeleteFunc(slices.Clone(c.appRoles), func(x string) bool { return slices.Contains(r.appRoles, x) })
				kept = append(kept, c)
				continue
			}
			switch {
			case !matches:
				kept = append(kept, c)
			case r.all:
				// dropped
			case c.all:
				kept = append(kept, c)
			default:
				c.ids = slices.DeleteFunc(slices.Clone(c.ids), func(id string) bool { return slices.Contains(r.ids, id) })
				if len(c.ids) > 0 {
					kept = append(kept, c)
				}
			}
		}
		out = kept
	}
	return out
}

func containsAll(set, sub []string) bool {
	for _, s := range sub {
		if !slices.Contains(set, s) {
			return false
		}
	}
	return true
}

func cloneGrant(g grant) grant {
	g.ids = slices.Clone(g.ids)
	g.appRoles = slices.Clone(g.appRoles)
	return g
}

func cloneGrants(l []grant) []grant {
	out := make([]grant, 0, len(l))
	for _, g := range l {
		out = append(out, cloneGrant(g))
	}
	return out
}

type grantOp func(cur, other []grant, scope, projectType string) []grant

func combine(cur, other RoleAssignments, op grantOp) RoleAssignments {
	var out RoleAssignments
	for _, g := range op(orgGrants(cur.Organization), orgGrants(other.Organization), ScopeOrganization, "") {
		out.Organization = append(out.Organization, orgFromGrant(g))
	}
	for _, g := range op(deploymentGrants(cur.Deployment), deploymentGrants(other.Deployment), ScopeDeployment, "") {
		out.Deployment = append(out.Deployment, deploymentFromGrant(g))
	}
	for _, t := range ProjectTypes {
		var list []ProjectRoleAssignment
		for _, g := range op(projectGrants(cur.Project.ByType(t)), projectGrants(other.Project.ByType(t)), ScopeProject, t) {
			list = append(list, projectFromGrant(g))
		}
		out.Project.set(t, list)
	}
	return out
}

// Merge returns ra with add merged in (the POST role_assignments rule).
func (ra RoleAssignments) Merge(add RoleAssignments) RoleAssignments {
	return combine(ra, add, mergeGrants)
}

// Subtract returns ra with rm removed (the DELETE role_assignments rule).
func (ra RoleAssignments) Subtract(rm RoleAssignments) RoleAssignments {
	return combine(ra, rm, subtractGrants)
}

// Clone returns a deep copy, so replies never share slices with state.
func (ra RoleAssignments) Clone() RoleAssignments {
	out := RoleAssignments{
		Platform:     slices.Clone(ra.Platform),
		Organization: slices.Clone(ra.Organization),
		Deployment:   slices.Clone(ra.Deployment),
	}
	for i := range out.Organization {
		out.Organization[i].ApplicationRoles = slices.Clone(out.Organization[i].ApplicationRoles)
	}
	for i := range out.Deployment {
		out.Deployment[i].DeploymentIDs = slices.Clone(out.Deployment[i].DeploymentIDs)
		out.Deployment[i].ApplicationRoles = slices.Clone(out.Deployment[i].ApplicationRoles)
	}
	for _, t := range ProjectTypes {
		l := slices.Clone(ra.Project.ByType(t))
		for i := range l {
			l[i].ProjectIDs = slices.Clone(l[i].ProjectIDs)
			l[i].ApplicationRoles = slices.Clone(l[i].ApplicationRoles)
		}
		out.Project.set(t, l)
	}
	return out
}

// IsEmpty reports whether ra grants nothing.
func (ra RoleAssignments) IsEmpty() bool {
	return len(ra.Organization) == 0 && len(ra.Deployment) == 0 && len(ra.Project.Elasticsearch) == 0 &&
		len(ra.Project.Observability) == 0 && len(ra.Project.Security) == 0
}

// ApplicationRolesFor returns the stack (Elasticsearch/Kibana) roles these
// assignments grant on one project: organization-scope application_roles
// (all projects, current and future) plus those of matching project entries.
// A Cloud API key with none gets no data-plane access (reference §3); the
// Elasticsearch emulators use this to authorize Cloud keys.
func (ra RoleAssignments) ApplicationRolesFor(projectType, projectID string) []string {
	var out []string
	for _, a := range ra.Organization {
		out = append(out, a.ApplicationRoles...)
	}
	for _, a := range ra.Project.ByType(projectType) {
		if a.All || slices.Contains(a.ProjectIDs, projectID) {
			out = append(out, a.ApplicationRoles...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// HasOrganizationRole reports whether ra holds roleID on organization orgID.
func (ra RoleAssignments) HasOrganizationRole(orgID, roleID string) bool {
	for _, a := range ra.Organization {
		if a.RoleID == roleID && a.OrganizationID == orgID {
			return true
		}
	}
	return false
}
