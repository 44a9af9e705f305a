package tools

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// This file holds what the Cloud tools share: the model-friendly form of a
// role assignment and its translation to the Cloud schema, the rendering of
// assignments and project resolution by id or name (the client, error
// mapping and members are in cloud_common.go).

// RoleAssignmentInput is one role assignment in the form a model writes
// naturally. It is translated to the Cloud schema with canonical, prefixed
// role ids and the organization id filled in (cloud-api.md §3-§4).
type RoleAssignmentInput struct {
	Scope string `json:"scope" jsonschema:"deployment: hosted; project: Serverless" validate:"required,oneof=organization deployment project"`
	Role  string `json:"role" jsonschema:"role id, e.g. viewer, editor, admin, organization-admin" validate:"required"`
	// ProjectType is optional when project_ids name projects: it is read from them.
	ProjectType      string   `json:"project_type,omitempty" jsonschema:"project scope; required with all" validate:"omitempty,oneof=elasticsearch observability security"`
	ProjectIDs       []string `json:"project_ids,omitempty" jsonschema:"project ids or names; not with all" validate:"omitempty,max=100,dive,required"`
	DeploymentIDs    []string `json:"deployment_ids,omitempty" jsonschema:"deployment ids (list_deployments)" validate:"omitempty,max=100,dive,required"`
	All              bool     `json:"all,omitempty" jsonschema:"all deployments, or all projects of the type"`
	ApplicationRoles []string `json:"application_roles,omitempty" jsonschema:"custom stack roles instead of the default" validate:"omitempty,max=20,dive,required"`
}

// AssignmentView is one role assignment as the tools show it.
type AssignmentView struct {
	Scope            string       `json:"scope" jsonschema:"organization, deployment or project"`
	Role             string       `json:"role" jsonschema:"the Cloud role id"`
	ProjectType      string       `json:"project_type,omitempty"`
	All              bool         `json:"all,omitempty" jsonschema:"true when the role covers every deployment or every project of the type, including future ones"`
	Projects         []ProjectRef `json:"projects,omitempty"`
	DeploymentIDs    []string     `json:"deployment_ids,omitempty"`
	ApplicationRoles []string     `json:"application_roles,omitempty" jsonschema:"the Elasticsearch/Kibana roles granted inside the projects"`
}

// ProjectRef names a project.
type ProjectRef struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// customRoleName is the rule workflows.md §16 asks for role names in URLs
// and assignments.
var customRoleName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// projectIndex resolves projects by id or name, loading the list once per
// call.
type projectIndex struct {
	client *cloudapi.Client
	loaded bool
	list   []cloudapi.Project
	err    error
}

func (pi *projectIndex) load(ctx context.Context) ([]cloudapi.Project, error) {
	if !pi.loaded {
		pi.list, pi.err = pi.client.ListAllProjects(ctx)
		pi.loaded = pi.err == nil
	}
	return pi.list, pi.err
}

// name returns a project's name, or "" when unknown or unreadable: names
// only decorate ids, so a failure to list projects must not fail a listing.
func (pi *projectIndex) name(ctx context.Context, id string) string {
	list, err := pi.load(ctx)
	if err != nil {
		return ""
	}
	for _, p := range list {
		if p.ID == id {
			return p.Name
		}
	}
	return ""
}

// resolve finds a project by id or exact (case-insensitive) name, within a
// type when projectType is set.
func (pi *projectIndex) resolve(ctx context.Context, ref, projectType string) (cloudapi.Project, error) {
	list, err := pi.load(ctx)
	if err != nil {
		return cloudapi.Project{}, cloudErr(err, "list the Serverless projects")
	}
	ref = strings.TrimSpace(ref)
	var byName []cloudapi.Project
	for _, p := range list {
		if projectType != "" && p.Type != projectType {
			continue
		}
		if p.ID == ref {
			return p, nil
		}
		if strings.EqualFold(p.Name, ref) {
			byName = append(byName, p)
		}
	}
	switch len(byName) {
	case 1:
		return byName[0], nil
	case 0:
		where := "any project type"
		if projectType != "" {
			where = projectType + " projects"
		}
		return cloudapi.Project{}, &toolkit.Error{Kind: toolkit.KindInvalidArguments, Message: fmt.Sprintf("Invalid arguments: no project with id or name %q among %s.", ref, where),
			Next: "call list_projects to see the projects and their ids"}
	}
	ids := make([]string, 0, len(byName))
	for _, p := range byName {
		ids = append(ids, p.ID+" ("+p.Type+")")
	}
	return cloudapi.Project{}, toolkit.InvalidArgs("%d projects are named %q: %s; use the project id", len(byName), ref, strings.Join(ids, ", "))
}

// canonicalRole maps a model-written role to the Cloud role id for a scope
// and project type, or explains which ids are valid.
func canonicalRole(scope, projectType, role string) (string, error) {
	r := strings.ToLower(strings.TrimSpace(role))
	switch scope {
	case "organization":
		if slices.Contains(cloudapi.OrganizationRoleIDs, r) {
			return r, nil
		}
		if r == "owner" || r == "organization-owner" {
			return "organization-admin", nil
		}
		return "", toolkit.InvalidArgs("role %q is not an organization role; use organization-admin (Organization owner) or billing-admin", role)
	case "deployment":
		if slices.Contains(cloudapi.DeploymentRoleIDs, r) {
			return r, nil
		}
		if slices.Contains(cloudapi.DeploymentRoleIDs, "deployment-"+r) {
			return "deployment-" + r, nil
		}
		return "", toolkit.InvalidArgs("role %q is not a deployment role; use admin, editor or viewer", role)
	case "project":
		valid := cloudapi.ProjectRoleIDs[projectType]
		r = strings.ReplaceAll(r, "_", "-")
		for _, cand := range []string{r, projectType + "-" + r} {
			if slices.Contains(valid, cand) {
				return cand, nil
			}
		}
		short := make([]string, 0, len(valid))
		for _, v := range valid {
			short = append(short, strings.TrimPrefix(v, projectType+"-"))
		}
		return "", toolkit.InvalidArgs("role %q does not exist on %s projects; valid roles: %s", role, projectType, strings.Join(short, ", "))
	}
	return "", toolkit.InvalidArgs("scope %q must be organization, deployment or project", scope)
}

// translated is the Cloud form of the input assignments, and what about them
// needs the person's attention. What they grant is the access policy's to
// judge.
type translated struct {
	ra cloudapi.RoleAssignments
	// customChecks are (project, application role) pairs to check exist.
	customChecks []customCheck
}

type customCheck struct {
	project cloudapi.Project
	role    string
}

// orgAssignments finds the organization and translates the requested role
// assignments in it; the project index it resolved projects with is kept
// for the checks and the rendering that follow.
func orgAssignments(ctx context.Context, cc *cloudapi.Client, in []RoleAssignmentInput) (string, *projectIndex, *translated, error) {
	org, err := cc.OrganizationID(ctx)
	if err != nil {
		return "", nil, nil, cloudErr(err, "find the organization")
	}
	pi := &projectIndex{client: cc}
	tr, err := translateAssignments(ctx, in, org, pi)
	if err != nil {
		return "", nil, nil, err
	}
	return org, pi, tr, nil
}

// translateAssignments validates the model-friendly assignments and builds
// the Cloud role_assignments. Projects named by id or name are resolved; a
// project scope without project_type takes the type of its projects (one
// entry per type when they differ).
func translateAssignments(ctx context.Context, in []RoleAssignmentInput, orgID string, pi *projectIndex) (*translated, error) {
	out := &translated{}
	for i, a := range in {
		where := fmt.Sprintf("roles[%d]", i)
		apps, err := cleanNames(a.ApplicationRoles, where+".application_roles")
		if err != nil {
			return nil, err
		}
		switch a.Scope {
		case "organization":
			if a.All || len(a.ProjectIDs) > 0 || len(a.DeploymentIDs) > 0 || a.ProjectType != "" {
				return nil, toolkit.InvalidArgs("%s: an organization role applies to the whole organization; remove all, project_type, project_ids and deployment_ids", where)
			}
			role, err := canonicalRole("organization", "", a.Role)
			if err != nil {
				return nil, prefixErr(err, where)
			}
			out.ra.Organization = append(out.ra.Organization, cloudapi.OrganizationRoleAssignment{RoleID: role, OrganizationID: orgID, ApplicationRoles: apps})
		case "deployment":
			if len(a.ProjectIDs) > 0 || a.ProjectType != "" {
				return nil, toolkit.InvalidArgs("%s: project_type and project_ids belong to scope project, not deployment", where)
			}
			if a.All == (len(a.DeploymentIDs) > 0) {
				return nil, toolkit.InvalidArgs("%s: give either all: true or deployment_ids, not both and not neither", where)
			}
			role, err := canonicalRole("deployment", "", a.Role)
			if err != nil {
				return nil, prefixErr(err, where)
			}
			ids, err := cleanNames(a.DeploymentIDs, where+".deployment_ids")
			if err != nil {
				return nil, err
			}
			out.ra.Deployment = append(out.ra.Deployment, cloudapi.DeploymentRoleAssignment{RoleID: role, OrganizationID: orgID, All: a.All, DeploymentIDs: ids, ApplicationRoles: apps})
		case "project":
			if len(a.DeploymentIDs) > 0 {
				return nil, toolkit.InvalidArgs("%s: deployment_ids belong to scope deployment, not project", where)
			}
			if a.All == (len(a.ProjectIDs) > 0) {
				return nil, toolkit.InvalidArgs("%s: give either all: true (with project_type) or project_ids, not both and not neither", where)
			}
			if a.All {
				if a.ProjectType == "" {
					return nil, toolkit.InvalidArgs("%s: all: true needs project_type (elasticsearch, observability or security)", where)
				}
				role, err := canonicalRole("project", a.ProjectType, a.Role)
				if err != nil {
					return nil, prefixErr(err, where)
				}
				out.ra.AddProject(a.ProjectType, cloudapi.ProjectRoleAssignment{RoleID: role, OrganizationID: orgID, All: true, ApplicationRoles: apps})
				continue
			}
			byType := map[string][]string{}
			var types []string
			for _, ref := range a.ProjectIDs {
				p, err := pi.resolve(ctx, ref, a.ProjectType)
				if err != nil {
					return nil, prefixErr(err, where)
				}
				if _, seen := byType[p.Type]; !seen {
					types = append(types, p.Type)
				}
				if !slices.Contains(byType[p.Type], p.ID) {
					byType[p.Type] = append(byType[p.Type], p.ID)
				}
				for _, app := range apps {
					out.customChecks = append(out.customChecks, customCheck{project: p, role: app})
				}
			}
			for _, t := range types {
				role, err := canonicalRole("project", t, a.Role)
				if err != nil {
					return nil, prefixErr(err, where)
				}
				ids := byType[t]
				sort.Strings(ids)
				out.ra.AddProject(t, cloudapi.ProjectRoleAssignment{RoleID: role, OrganizationID: orgID, ProjectIDs: ids, ApplicationRoles: apps})
			}
		default:
			return nil, toolkit.InvalidArgs("%s.scope must be organization, deployment or project", where)
		}
	}
	return out, nil
}

func prefixErr(err error, where string) error {
	var te *toolkit.Error
	if errors.As(err, &te) && te.Kind == toolkit.KindInvalidArguments && !strings.Contains(te.Message, where) {
		cp := *te
		cp.Message = strings.Replace(cp.Message, "Invalid arguments: ", "Invalid arguments: "+where+": ", 1)
		return &cp
	}
	return err
}

// cleanNames trims, drops duplicates and validates names against the rule
// Elastic role names and ids follow.
func cleanNames(in []string, field string) ([]string, error) {
	var out []string
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" {
			return nil, toolkit.InvalidArgs("%s must not contain empty entries", field)
		}
		if !customRoleName.MatchString(s) {
			return nil, toolkit.InvalidArgs("%s: %q may contain only letters, digits, '_', '.' and '-', and must start with a letter or digit", field, s)
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// checkCustomRoles warns, per project, about application roles that the
// project does not define: such access is silently absent (workflows.md
// §4.4). Predefined stack role names exist everywhere and are not checked.
func checkCustomRoles(ctx context.Context, cc *cloudapi.Client, checks []customCheck, warn func(string, ...any)) {
	cache := map[string][]cloudapi.ProjectRole{}
	for _, ch := range checks {
		if isPredefinedStackRole(ch.project.Type, ch.role) {
			continue
		}
		roles, ok := cache[ch.project.ID]
		if !ok {
			var err error
			roles, err = cc.ProjectRoles(ctx, ch.project.Type, ch.project.ID)
			if err != nil {
				warn("Could not check that role %q exists in project %s (%s): %v", ch.role, ch.project.Name, ch.project.ID, cloudErr(err, "read the project's roles"))
				cache[ch.project.ID] = nil
				continue
			}
			cache[ch.project.ID] = roles
		}
		if roles == nil {
			continue
		}
		found := slices.ContainsFunc(roles, func(r cloudapi.ProjectRole) bool { return r.Name == ch.role })
		if !found {
			warn("Role %q does not exist in project %s (%s): until it is created there (put_role with project %q), this assignment grants no Elasticsearch/Kibana access.",
				ch.role, ch.project.Name, ch.project.ID, ch.project.Name)
		}
	}
}

// isPredefinedStackRole says whether name is a built-in stack role of every
// project of the type (workflows.md §4.3).
func isPredefinedStackRole(projectType, name string) bool {
	for _, v := range cloudapi.ProjectRoleIDs[projectType] {
		short := strings.TrimPrefix(v, projectType+"-")
		if name == short || name == strings.ReplaceAll(short, "-", "_") {
			return true
		}
	}
	return false
}

// renderAssignments shows role assignments compactly, with project names.
func renderAssignments(ctx context.Context, ra *cloudapi.RoleAssignments, pi *projectIndex) []AssignmentView {
	if ra == nil {
		return nil
	}
	var out []AssignmentView
	for _, a := range ra.Organization {
		out = append(out, AssignmentView{Scope: "organization", Role: a.RoleID, ApplicationRoles: a.ApplicationRoles})
	}
	for _, a := range ra.Deployment {
		out = append(out, AssignmentView{Scope: "deployment", Role: a.RoleID, All: a.All, DeploymentIDs: a.DeploymentIDs, ApplicationRoles: a.ApplicationRoles})
	}
	for _, t := range cloudapi.ProjectTypes {
		for _, a := range ra.Project.ByType(t) {
			v := AssignmentView{Scope: "project", Role: a.RoleID, ProjectType: t, All: a.All, ApplicationRoles: a.ApplicationRoles}
			for _, id := range a.ProjectIDs {
				ref := ProjectRef{ID: id}
				if pi != nil {
					ref.Name = pi.name(ctx, id)
				}
				v.Projects = append(v.Projects, ref)
			}
			out = append(out, v)
		}
	}
	return out
}

// summarizeAssignments is a one-line-per-grant summary, for key listings.
func summarizeAssignments(ra *cloudapi.RoleAssignments) []string {
	if ra == nil {
		return nil
	}
	var out []string
	apps := func(a []string) string {
		if len(a) == 0 {
			return ""
		}
		return " with stack roles " + strings.Join(a, ",")
	}
	for _, a := range ra.Organization {
		out = append(out, a.RoleID+" on the organization"+apps(a.ApplicationRoles))
	}
	for _, a := range ra.Deployment {
		on := "deployments " + strings.Join(a.DeploymentIDs, ",")
		if a.All {
			on = "all deployments"
		}
		out = append(out, a.RoleID+" on "+on+apps(a.ApplicationRoles))
	}
	for _, t := range cloudapi.ProjectTypes {
		for _, a := range ra.Project.ByType(t) {
			on := t + " projects " + strings.Join(a.ProjectIDs, ",")
			if a.All {
				on = "all " + t + " projects"
			}
			out = append(out, a.RoleID+" on "+on+apps(a.ApplicationRoles))
		}
	}
	return out
}

// hasStackAccess says whether any grant carries application roles, without
// which a Cloud API key cannot call Elasticsearch or Kibana.
func hasStackAccess(ra *cloudapi.RoleAssignments) bool {
	if ra == nil {
		return false
	}
	for _, a := range ra.Organization {
		if len(a.ApplicationRoles) > 0 {
			return true
		}
	}
	for _, t := range cloudapi.ProjectTypes {
		for _, a := range ra.Project.ByType(t) {
			if len(a.ApplicationRoles) > 0 {
				return true
			}
		}
	}
	return false
}

// grant is the uniform form of one assignment used to compare sets.
type grant struct {
	scope, projectType, role string
	all                      bool
	ids                      []string
	apps                     []string
}

func (g grant) key() string {
	return g.scope + "|" + g.projectType + "|" + g.role + "|" + fmt.Sprint(g.all) + "|" + strings.Join(g.ids, ",") + "|" + strings.Join(g.apps, ",")
}

// grants flattens role assignments, with sorted lists, so two role sets can
// be compared regardless of order.
func grants(ra *cloudapi.RoleAssignments) []grant {
	if ra == nil {
		return nil
	}
	sorted := func(s []string) []string {
		c := slices.Clone(s)
		sort.Strings(c)
		return slices.Compact(c)
	}
	var out []grant
	for _, a := range ra.Organization {
		out = append(out, grant{scope: "organization", role: a.RoleID, all: true, apps: sorted(a.ApplicationRoles)})
	}
	for _, a := range ra.Deployment {
		out = append(out, grant{scope: "deployment", role: a.RoleID, all: a.All, ids: sorted(a.DeploymentIDs), apps: sorted(a.ApplicationRoles)})
	}
	for _, t := range cloudapi.ProjectTypes {
		for _, a := range ra.Project.ByType(t) {
			out = append(out, grant{scope: "project", projectType: t, role: a.RoleID, all: a.All, ids: sorted(a.ProjectIDs), apps: sorted(a.ApplicationRoles)})
		}
	}
	return out
}

// sameAssignments compares two role sets as sets.
func sameAssignments(a, b *cloudapi.RoleAssignments) bool {
	ka, kb := []string{}, []string{}
	for _, g := range grants(a) {
		ka = append(ka, g.key())
	}
	for _, g := range grants(b) {
		kb = append(kb, g.key())
	}
	sort.Strings(ka)
	sort.Strings(kb)
	return slices.Equal(slices.Compact(ka), slices.Compact(kb))
}

// holds reports whether current already grants g: same role and
// application roles, on all or on a superset of g's resources.
func holds(current *cloudapi.RoleAssignments, g grant) bool {
	for _, c := range grants(current) {
		if c.scope != g.scope || c.projectType != g.projectType || c.role != g.role || !slices.Equal(c.apps, g.apps) {
			continue
		}
		if c.all {
			return true
		}
		if g.all {
			continue
		}
		covered := true
		for _, id := range g.ids {
			if !slices.Contains(c.ids, id) {
				covered = false
				break
			}
		}
		if covered {
			return true
		}
	}
	return false
}

// fromGrants rebuilds role assignments from grants.
func fromGrants(gs []grant, orgID string) cloudapi.RoleAssignments {
	var ra cloudapi.RoleAssignments
	for _, g := range gs {
		switch g.scope {
		case "organization":
			ra.Organization = append(ra.Organization, cloudapi.OrganizationRoleAssignment{RoleID: g.role, OrganizationID: orgID, ApplicationRoles: g.apps})
		case "deployment":
			ra.Deployment = append(ra.Deployment, cloudapi.DeploymentRoleAssignment{RoleID: g.role, OrganizationID: orgID, All: g.all, DeploymentIDs: g.ids, ApplicationRoles: g.apps})
		case "project":
			ra.AddProject(g.projectType, cloudapi.ProjectRoleAssignment{RoleID: g.role, OrganizationID: orgID, All: g.all, ProjectIDs: g.ids, ApplicationRoles: g.apps})
		}
	}
	return ra
}
