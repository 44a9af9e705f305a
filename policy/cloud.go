package policy

import (
	"fmt"
	"sort"
	"strings"
)

// RoleAssignments is the Cloud RoleAssignments object shared by members,
// invitations and Cloud API keys.
type RoleAssignments struct {
	Organization []OrganizationRoleAssignment `json:"organization,omitempty"`
	Deployment   []ResourceRoleAssignment     `json:"deployment,omitempty"`
	Project      *ProjectRoleAssignments      `json:"project,omitempty"`
}

// OrganizationRoleAssignment is an organization-scoped role; application
// roles here reach every project of the organization, current and future.
type OrganizationRoleAssignment struct {
	RoleID           string   `json:"role_id"`
	OrganizationID   string   `json:"organization_id,omitempty"`
	ApplicationRoles []string `json:"application_roles,omitempty"`
}

// ResourceRoleAssignment is a deployment or project role assignment.
type ResourceRoleAssignment struct {
	RoleID           string   `json:"role_id"`
	OrganizationID   string   `json:"organization_id,omitempty"`
	All              bool     `json:"all,omitempty"`
	DeploymentIDs    []string `json:"deployment_ids,omitempty"`
	ProjectIDs       []string `json:"project_ids,omitempty"`
	ApplicationRoles []string `json:"application_roles,omitempty"`
}

// ProjectRoleAssignments groups project roles by project type.
type ProjectRoleAssignments struct {
	Elasticsearch []ResourceRoleAssignment `json:"elasticsearch,omitempty"`
	Observability []ResourceRoleAssignment `json:"observability,omitempty"`
	Security      []ResourceRoleAssignment `json:"security,omitempty"`
}

// CloudChange gives a Cloud principal new role assignments. Old holds the
// assignments it has now (empty for a new member, invitation or key); New
// holds every assignment it will have (for an add, Old plus the added ones).
type CloudChange struct {
	// Kind: cloud_member, cloud_invitation or cloud_api_key.
	Kind string          `json:"kind"`
	Name string          `json:"name"`
	Old  RoleAssignments `json:"old"`
	New  RoleAssignments `json:"new"`
}

// cloudAtom is one role on one target: the unit compared between old and new.
type cloudAtom struct {
	scope   string // organization, deployment, project
	ptype   string // project type
	roleID  string
	target  string // a deployment or project id, AnyProject for all:true, "" for the organization
	appRole string // "" for the role itself
}

func (a cloudAtom) String() string {
	where := "the organization"
	switch {
	case a.scope == "organization" && a.appRole != "":
		where = "every project of the organization"
	case a.scope == "organization":
	case a.target == AnyProject:
		where = "every " + a.noun() + ", current and future"
	default:
		where = a.noun() + " " + a.target
	}
	if a.appRole != "" {
		return fmt.Sprintf("stack role %s in %s (with %s)", a.appRole, where, a.roleID)
	}
	return fmt.Sprintf("%s in %s", a.roleID, where)
}

func (a cloudAtom) noun() string {
	if a.scope == "deployment" {
		return "deployment"
	}
	if a.ptype != "" {
		return a.ptype + " project"
	}
	return "project"
}

func atoms(r RoleAssignments) []cloudAtom {
	var out []cloudAtom
	norm := func(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
	for _, o := range r.Organization {
		out = append(out, cloudAtom{scope: "organization", roleID: norm(o.RoleID)})
		for _, ar := range o.ApplicationRoles {
			out = append(out, cloudAtom{scope: "organization", roleID: norm(o.RoleID), target: AnyProject, appRole: ar})
		}
	}
	res := func(scope, ptype string, list []ResourceRoleAssignment) {
		for _, a := range list {
			ids := append(append([]string(nil), a.DeploymentIDs...), a.ProjectIDs...)
			if a.All {
				ids = []string{AnyProject}
			}
			for _, id := range ids {
				out = append(out, cloudAtom{scope: scope, ptype: ptype, roleID: norm(a.RoleID), target: id})
				for _, ar := range a.ApplicationRoles {
					out = append(out, cloudAtom{scope: scope, ptype: ptype, roleID: norm(a.RoleID), target: id, appRole: ar})
				}
			}
		}
	}
	res("deployment", "", r.Deployment)
	if p := r.Project; p != nil {
		res("project", "elasticsearch", p.Elasticsearch)
		res("project", "observability", p.Observability)
		res("project", "security", p.Security)
	}
	return out
}

// isAdminRole: deployment-admin, <type>-admin and the short form admin. The
// billing role is an organization role without access to projects.
func isAdminRole(id string) bool {
	return id == "admin" || (strings.HasSuffix(id, "-admin") && id != "billing-admin" && id != "organization-admin")
}

func (ev *evaluator) cloud(d *Delta, cc CloudChange) error {
	kind := cc.Kind
	if kind == "" {
		kind = "cloud_member"
	}
	who := Principal{Kind: kind, Name: cc.Name}
	had := map[cloudAtom]bool{}
	for _, a := range atoms(cc.Old) {
		had[a] = true
	}
	var added []cloudAtom
	for _, a := range atoms(cc.New) {
		every := a
		every.target = AnyProject
		// A grant on every project already covers each single one.
		if !had[a] && !(a.scope != "organization" && had[every]) {
			added = append(added, a)
		}
	}
	sort.Slice(added, func(i, j int) bool { return added[i].String() < added[j].String() })
	grant := func(route string, c Capability) {
		d.add(Grant{Plane: "cloud", Principal: who, Route: route, Capability: c})
	}
	for _, a := range added {
		switch {
		case a.appRole != "":
			if err := ev.cloudAppRole(d, who, a); err != nil {
				return err
			}
		case a.scope == "organization" && a.roleID == "organization-admin":
			grant("organization role", Capability{Kind: KindOrganizationAdmin, Escalation: true,
				Detail: "Organization owner: manages every member, API key, project and deployment of the organization"})
		case isAdminRole(a.roleID) && a.target == AnyProject:
			grant(a.String(), Capability{Kind: KindAdminEverywhere, Escalation: true,
				Detail: fmt.Sprintf("%s on every %s, current and future (superuser-level access in each)", a.roleID, a.noun())})
		case isAdminRole(a.roleID):
			grant(a.String(), Capability{Kind: KindProjectAdmin, Escalation: true,
				Detail: fmt.Sprintf("%s on %s %s (superuser-level access there)", a.roleID, a.noun(), a.target)})
		default:
			grant(a.String(), Capability{Kind: KindCloudRole, Detail: a.String()})
		}
	}
	return nil
}

// cloudAppRole judges a stack role handed out through application_roles by
// its definition in the project (or, for every project, as the reader
// reports it for AnyProject).
func (ev *evaluator) cloudAppRole(d *Delta, who Principal, a cloudAtom) error {
	route := a.String()
	if a.scope == "organization" {
		d.add(Grant{Plane: "cloud", Principal: who, Route: route, Capability: Capability{Kind: KindOrganizationAppRoles,
			Escalation: true, Detail: fmt.Sprintf("stack role %s in every project of the organization, current and future", a.appRole)}})
	}
	p, undefined, err := ev.permissionOf(a.target, []string{a.appRole})
	if err != nil {
		return err
	}
	for _, c := range p.capabilities() {
		d.add(Grant{Plane: "cloud", Principal: who, Route: route, Capability: c})
	}
	kind := KindRole
	if len(undefined) > 0 {
		kind = KindUnknownRole
	}
	d.add(Grant{Plane: "cloud", Principal: who, Route: route, Capability: Capability{Kind: kind, Detail: a.appRole}})
	return nil
}
