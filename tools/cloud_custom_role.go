package tools

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/policy"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// ProjectCustomRoleInput names a member, a project and a custom role.
type ProjectCustomRoleInput struct {
	Member      string `json:"member" jsonschema:"member user id or email" validate:"required"`
	Project     string `json:"project" jsonschema:"Serverless project" validate:"required"`
	ProjectType string `json:"project_type,omitempty" jsonschema:"only when a name is ambiguous" validate:"omitempty,oneof=elasticsearch observability security"`
	CustomRole  string `json:"custom_role" jsonschema:"custom role defined in the project" validate:"required,max=507"`
}

// AssignProjectCustomRoleInput adds the replace option.
type AssignProjectCustomRoleInput struct {
	ProjectCustomRoleInput
	ReplacePredefined bool `json:"replace_predefined,omitempty" jsonschema:"replace a predefined role held on the project"`
}

// ProjectCustomRoleOutput reports the change.
type ProjectCustomRoleOutput struct {
	toolkit.WriteReport
	UserID   string           `json:"user_id"`
	Email    string           `json:"email,omitempty"`
	Project  ProjectRef       `json:"project"`
	Type     string           `json:"project_type"`
	Removed  []AssignmentView `json:"removed,omitempty" jsonschema:"predefined roles removed first (replace_predefined)"`
	Assigned *AssignmentView  `json:"assigned,omitempty"`
	RolesNow []AssignmentView `json:"roles_now,omitempty" jsonschema:"the member's assignments after the change"`
}

func assignProjectCustomRoleTool() toolkit.Tool {
	return toolkit.Define(assignProjectCustomRoleSpec, assignProjectCustomRole)
}

var assignProjectCustomRoleSpec = toolkit.Spec{
	Name:       "assign_project_custom_role",
	Title:      "Give a member a custom role on a project",
	Toolset:    toolkit.ToolsetOrg,
	Tier:       toolkit.Write,
	Idempotent: true,
	Description: "Give a member a custom stack role on one Serverless project (viewer plus application_roles). Over a predefined " +
		"role set replace_predefined. Create the role first with put_role (project argument).",
}

func assignProjectCustomRole(ctx context.Context, c *toolkit.Call, in AssignProjectCustomRoleInput) (ProjectCustomRoleOutput, error) {
	var out ProjectCustomRoleOutput
	st, err := prepareCustomRole(ctx, c, in.ProjectCustomRoleInput, &out)
	if err != nil {
		return out, err
	}
	cc, m, p, orgID := st.cc, st.member, st.project, st.org
	target := grant{scope: "project", projectType: p.Type, role: p.Type + "-viewer", ids: []string{p.ID}, apps: []string{in.CustomRole}}
	// Predefined roles on this project, and other custom roles held here
	// through the same viewer role id.
	var predefined []grant
	for _, cur := range grants(&m.RoleAssignments) {
		if cur.scope != "project" || cur.projectType != p.Type || !overlaps(cur, target) || len(cur.apps) > 0 {
			continue
		}
		if cur.all {
			return out, toolkit.Refused(fmt.Sprintf("remove it with remove_cloud_roles (scope project, project_type %s, all: true), assign predefined roles on the other projects that should keep them, then call this again", p.Type),
				"%s holds %s on all %s projects, which includes %s; a custom role here would be unioned with it, and it cannot be removed for this project alone.",
				memberLabel(m), cur.role, p.Type, p.Name)
		}
		predefined = append(predefined, grant{scope: "project", projectType: p.Type, role: cur.role, ids: []string{p.ID}})
	}
	if holds(&m.RoleAssignments, target) && len(predefined) == 0 {
		out.Warn("%s already has custom role %s on %s; nothing was sent.", memberLabel(m), in.CustomRole, p.Name)
		return out, nil
	}
	if len(predefined) > 0 && !in.ReplacePredefined {
		var names []string
		for _, g := range predefined {
			names = append(names, g.role)
		}
		return out, toolkit.Refused("call again with replace_predefined: true to remove the predefined role in the same call, or keep the predefined role",
			"%s holds the predefined role %s on project %s; adding the custom role %s would give them the union of both, so the custom role would not restrict anything.",
			memberLabel(m), strings.Join(names, ", "), p.Name, in.CustomRole)
	}
	checkCustomRoles(ctx, cc, []customCheck{{project: p, role: in.CustomRole}}, out.Warn)
	add := fromGrants([]grant{target}, orgID)
	// The custom role is judged by its definition in the project: a name
	// such as superuser or admin is a predefined role there.
	held := policyAssignments(&m.RoleAssignments)
	delta, note, err := judgeCloud(ctx, c, policy.Change{Cloud: []policy.CloudChange{{Kind: "cloud_member", Name: memberLabel(m),
		Old: held, New: withAssignments(held, policyAssignments(&add))}}})
	if err != nil {
		return out, err
	}
	ask := approval{target: "member:" + m.UserID + "|project:" + p.ID, where: "project " + p.Name, notes: []string{note}}
	var removed cloudapi.RoleAssignments
	if len(predefined) > 0 {
		removed = fromGrants(predefined, orgID)
		out.Removed = renderAssignments(ctx, &removed, st.pi)
		ask.reasons = append(ask.reasons, fmt.Sprintf("replace %s's %s with the custom role %s", memberLabel(m), strings.Join(summarizeAssignments(&removed), "; "), in.CustomRole))
	}
	if err := approve(ctx, c, &out.WriteReport, delta, ask); err != nil {
		return out, err
	}
	if len(predefined) > 0 {
		if err := cc.RemoveRoleAssignments(ctx, m.UserID, removed); err != nil {
			return out, cloudErr(err, "remove the predefined role")
		}
	}
	if err := cc.AddRoleAssignments(ctx, m.UserID, add); err != nil {
		var done []string
		if len(predefined) > 0 {
			done = []string{fmt.Sprintf("removed %s from %s on %s: the member has no role on that project now", predefinedNames(predefined), memberLabel(m), p.Name)}
		}
		return out, toolkit.PartialFailure(cloudErr(err, "assign the custom role"), done)
	}
	v := renderAssignments(ctx, &add, st.pi)[0]
	out.Assigned = &v
	if !c.DryRun() {
		readBackOne(ctx, cc, st.pi, m.UserID, &out)
	}
	return out, nil
}

func removeProjectCustomRoleTool() toolkit.Tool {
	return toolkit.Define(removeProjectCustomRoleSpec, removeProjectCustomRole)
}

var removeProjectCustomRoleSpec = toolkit.Spec{
	Name:       "remove_project_custom_role",
	Title:      "Remove a member's custom role on a project",
	Toolset:    toolkit.ToolsetOrg,
	Tier:       toolkit.Destructive,
	Idempotent: true,
	Description: "Take a custom role on one Serverless project away from a member, after approval; the role itself stays " +
		"(delete_roles).",
}

func removeProjectCustomRole(ctx context.Context, c *toolkit.Call, in ProjectCustomRoleInput) (ProjectCustomRoleOutput, error) {
	var out ProjectCustomRoleOutput
	st, err := prepareCustomRole(ctx, c, in, &out)
	if err != nil {
		return out, err
	}
	cc, m, p := st.cc, st.member, st.project
	// Find the held assignment carrying the custom role on this project.
	var found *grant
	for _, cur := range grants(&m.RoleAssignments) {
		if cur.scope == "project" && cur.projectType == p.Type && slices.Contains(cur.apps, in.CustomRole) && (cur.all || slices.Contains(cur.ids, p.ID)) {
			g := cur
			found = &g
			break
		}
	}
	if found == nil {
		return out, &toolkit.Error{Kind: toolkit.KindInvalidArguments,
			Message: fmt.Sprintf("Invalid arguments: %s does not have the custom role %s on project %s.", memberLabel(m), in.CustomRole, p.Name),
			Next:    "call list_org_members with this member's email to see their assignments"}
	}
	rm := grant{scope: "project", projectType: p.Type, role: found.role, all: found.all, ids: []string{p.ID}, apps: found.apps}
	if found.all {
		rm.ids = nil
		out.Warn("The custom role was assigned on all %s projects; removing it removes it from all of them.", p.Type)
	}
	if len(found.apps) > 1 {
		out.Warn("The assignment also carries %s; Elastic Cloud removes the assignment as a whole, so those go too. Re-assign them with assign_project_custom_role if needed.",
			strings.Join(slices.DeleteFunc(slices.Clone(found.apps), func(s string) bool { return s == in.CustomRole }), ", "))
	}
	body := fromGrants([]grant{rm}, st.org)
	views := renderAssignments(ctx, &body, st.pi)
	out.Removed = views
	if err := c.Confirm(ctx, toolkit.Confirmation{Target: "member:" + m.UserID + "|project:" + p.ID,
		Message: fmt.Sprintf("Remove the custom role %s on project %s from %s? They lose that access to the project.", in.CustomRole, p.Name, memberLabel(m))}); err != nil {
		return out, err
	}
	if err := cc.RemoveRoleAssignments(ctx, m.UserID, body); err != nil {
		return out, cloudErr(err, "remove the custom role assignment")
	}
	if !c.DryRun() {
		readBackOne(ctx, cc, st.pi, m.UserID, &out)
	}
	return out, nil
}

type customRoleState struct {
	cc      *cloudapi.Client
	org     string
	pi      *projectIndex
	member  cloudapi.Member
	project cloudapi.Project
}

func prepareCustomRole(ctx context.Context, c *toolkit.Call, in ProjectCustomRoleInput, out *ProjectCustomRoleOutput) (*customRoleState, error) {
	if !customRoleName.MatchString(in.CustomRole) {
		return nil, toolkit.InvalidArgs("custom_role %q may contain only letters, digits, '_', '.' and '-', and must start with a letter or digit", in.CustomRole)
	}
	cc, err := cloudClient(c)
	if err != nil {
		return nil, err
	}
	org, err := cc.OrganizationID(ctx)
	if err != nil {
		return nil, cloudErr(err, "find the organization")
	}
	pi := &projectIndex{client: cc}
	p, err := pi.resolve(ctx, in.Project, in.ProjectType)
	if err != nil {
		return nil, err
	}
	ms, err := resolveMembers(ctx, cc, []string{in.Member})
	if err != nil {
		return nil, err
	}
	m := ms[0]
	out.UserID, out.Email = m.UserID, m.Email
	out.Project = ProjectRef{ID: p.ID, Name: p.Name}
	out.Type = p.Type
	c.Target("member:"+memberLabel(m), "project:"+p.ID)
	return &customRoleState{cc: cc, org: org, pi: pi, member: m, project: p}, nil
}

func predefinedNames(gs []grant) string {
	var n []string
	for _, g := range gs {
		n = append(n, g.role)
	}
	return strings.Join(n, ", ")
}

func readBackOne(ctx context.Context, cc *cloudapi.Client, pi *projectIndex, userID string, out *ProjectCustomRoleOutput) {
	ch := []MemberRoleChange{{UserID: userID}}
	readBack(ctx, cc, pi, ch, &out.WriteReport)
	out.RolesNow = ch[0].RolesNow
}
