package tools

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// explainMember explains a Cloud member's stack access in each project they
// have a role in (or in the named project): the stack roles come from the
// role assignments' application_roles, or the predefined role itself.
func explainMember(ctx context.Context, c *toolkit.Call, in ExplainAccessInput) (ExplainAccessOutput, error) {
	out := ExplainAccessOutput{Kind: "cloud_member", Principal: "Cloud member " + in.Member, Targets: []AccessExplanation{}}
	cc, err := cloudClient(c)
	if err != nil {
		return out, err
	}
	members, err := resolveMembers(ctx, cc, []string{in.Member})
	if err != nil {
		return out, err
	}
	m := members[0]
	projects, err := cc.ListAllProjects(ctx)
	if err != nil {
		return out, cloudErr(err, "list the projects")
	}
	for _, p := range projects {
		if in.Project != "" && in.Project != p.ID && in.Project != p.Name {
			continue
		}
		roles, from := memberStackRoles(&m.RoleAssignments, p)
		if len(roles) == 0 {
			if in.Project != "" {
				out.Targets = append(out.Targets, AccessExplanation{Target: projectLabel(p), Roles: []string{}, Method: "Cloud role assignments",
					Warnings: []string{"the member has no role on this project: no Elasticsearch or Kibana access there"}})
			}
			continue
		}
		ex := AccessExplanation{Target: projectLabel(p), Roles: roles, RolesFrom: from, Method: "evaluated from the Cloud role assignments and the project's role definitions"}
		t, pctx, err := esTarget(ctx, c, p.ID)
		if err != nil {
			ex.Warnings = append(ex.Warnings, "the project could not be reached: "+toolkit.Describe(err).Error())
			out.Targets = append(out.Targets, ex)
			continue
		}
		perm, err := rolePermission(pctx, t, roles, &ex)
		if err == nil {
			err = answerRequest(in, perm, &ex)
		}
		if err != nil {
			var te *toolkit.Error
			if errors.As(err, &te) && te.Kind == toolkit.KindInvalidArguments {
				return out, err
			}
			ex.Warnings = append(ex.Warnings, "the project's roles could not be read: "+toolkit.Describe(err).Error())
		}
		out.Targets = append(out.Targets, ex)
	}
	if len(out.Targets) == 0 {
		out.Warnings = append(out.Warnings, "the member has no project role: no Elasticsearch or Kibana access in any project (organization and deployment roles are listed by list_org_members)")
	}
	return out, nil
}

func projectLabel(p cloudapi.Project) string {
	return fmt.Sprintf("%s project %q (%s)", p.Type, p.Name, p.ID)
}

// memberStackRoles is the stack roles a person's Cloud role assignments give
// in one project: application_roles where set (custom roles), otherwise the
// predefined role's stack role (elasticsearch-viewer → viewer); an
// Organization owner is admin everywhere.
func memberStackRoles(ra *cloudapi.RoleAssignments, p cloudapi.Project) (roles, from []string) {
	for _, a := range ra.Organization {
		switch {
		case len(a.ApplicationRoles) > 0:
			roles = append(roles, a.ApplicationRoles...)
			from = append(from, a.RoleID+" on the organization with application_roles "+strings.Join(a.ApplicationRoles, ", "))
		case a.RoleID == "organization-admin":
			roles = append(roles, "admin")
			from = append(from, "organization-admin: admin in every project")
		}
	}
	for _, a := range ra.Project.ByType(p.Type) {
		if !a.All && !slices.Contains(a.ProjectIDs, p.ID) {
			continue
		}
		scope := "this project"
		if a.All {
			scope = "every " + p.Type + " project"
		}
		if len(a.ApplicationRoles) > 0 {
			roles = append(roles, a.ApplicationRoles...)
			from = append(from, fmt.Sprintf("%s on %s with application_roles %s", a.RoleID, scope, strings.Join(a.ApplicationRoles, ", ")))
			continue
		}
		short := strings.TrimPrefix(a.RoleID, p.Type+"-")
		roles = append(roles, short)
		from = append(from, fmt.Sprintf("%s on %s: stack role %s", a.RoleID, scope, short))
	}
	return sortedUnique(roles), from
}
