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

// CloudRolesInput names members and role assignments.
type CloudRolesInput struct {
	Members []string              `json:"members" jsonschema:"member user ids or emails" validate:"required,min=1,max=50,dive,required"`
	Roles   []RoleAssignmentInput `json:"roles" validate:"required,min=1,max=20,dive"`
	// ReplaceCustom is for assign_cloud_roles only.
	ReplaceCustom bool `json:"replace_custom,omitempty" jsonschema:"replace a custom role held on the project"`
}

// CloudRolesOutput reports, per member, what changed.
type CloudRolesOutput struct {
	toolkit.WriteReport
	Members []MemberRoleChange `json:"members"`
}

// MemberRoleChange is the outcome for one member.
type MemberRoleChange struct {
	UserID    string           `json:"user_id"`
	Email     string           `json:"email,omitempty"`
	Changed   []AssignmentView `json:"changed,omitempty" jsonschema:"assignments added or removed"`
	Unchanged []AssignmentView `json:"unchanged,omitempty" jsonschema:"assignments already held (assign) or not held (remove): nothing was sent for them"`
	RolesNow  []AssignmentView `json:"roles_now,omitempty" jsonschema:"the member's assignments after the change, read back from Elastic Cloud"`
}

func assignCloudRolesTool() toolkit.Tool {
	return toolkit.Define(assignCloudRolesSpec, assignCloudRoles)
}

var assignCloudRolesSpec = toolkit.Spec{
	Name:       "assign_cloud_roles",
	Title:      "Assign Cloud roles to members",
	Toolset:    toolkit.ToolsetOrg,
	Tier:       toolkit.Write,
	Idempotent: true,
	Description: "Add organization, deployment or project roles to members; nothing is taken away. Over a custom project role " +
		"set replace_custom. Non-members: invite_org_members. Call list_org_members first.",
}

func assignCloudRoles(ctx context.Context, c *toolkit.Call, in CloudRolesInput) (CloudRolesOutput, error) {
	return changeCloudRoles(ctx, c, in, true)
}

func removeCloudRolesTool() toolkit.Tool {
	return toolkit.Define(removeCloudRolesSpec, removeCloudRoles)
}

var removeCloudRolesSpec = toolkit.Spec{
	Name:       "remove_cloud_roles",
	Title:      "Remove Cloud roles from members",
	Toolset:    toolkit.ToolsetOrg,
	Tier:       toolkit.Destructive,
	Idempotent: true,
	Description: "Take Cloud role assignments away from members, after approval. Custom project roles: " +
		"remove_project_custom_role. Call list_org_members first.",
}

func removeCloudRoles(ctx context.Context, c *toolkit.Call, in CloudRolesInput) (CloudRolesOutput, error) {
	return changeCloudRoles(ctx, c, in, false)
}

type memberPlan struct {
	member  cloudapi.Member
	send    []grant
	changed []grant
	skipped []grant
}

func changeCloudRoles(ctx context.Context, c *toolkit.Call, in CloudRolesInput, add bool) (CloudRolesOutput, error) {
	out := CloudRolesOutput{Members: []MemberRoleChange{}}
	cc, err := cloudClient(c)
	if err != nil {
		return out, err
	}
	org, pi, tr, err := orgAssignments(ctx, cc, in.Roles)
	if err != nil {
		return out, err
	}
	if err := checkDeploymentIDsOnAdd(ctx, cc, tr.ra, add); err != nil {
		return out, err
	}
	members, err := resolveMembers(ctx, cc, in.Members)
	if err != nil {
		return out, err
	}
	if in.ReplaceCustom && !add {
		return out, toolkit.InvalidArgs("replace_custom belongs to assign_cloud_roles")
	}
	var replaced []replacedCustom
	var reasons []string
	if in.ReplaceCustom {
		replaced = planReplaceCustom(members, grants(&tr.ra), org)
		// Taking the custom roles away needs the person's approval too.
		reasons = describeReplaced(replaced, org)
	}
	plans, err := planMemberRoles(ctx, members, grants(&tr.ra), add, pi)
	if err != nil {
		return out, err
	}
	warnRoleOverlaps(plans, add, &out)
	if add {
		checkCustomRoles(ctx, cc, tr.customChecks, out.Warn)
	}
	anything, err := confirmRoleChange(ctx, c, plans, add, tr, org, reasons, &out.WriteReport)
	if err != nil {
		return out, err
	}
	if err := removeReplacedCustom(ctx, cc, replaced, org, anything, &out.WriteReport); err != nil {
		return out, err
	}
	if err := applyRolePlans(ctx, cc, plans, add, org, pi, &out); err != nil {
		return out, err
	}
	if !anything {
		if add {
			out.Warn("Every member already holds these roles; nothing was sent.")
		} else {
			out.Warn("No member holds these roles; nothing was sent.")
		}
		return out, nil
	}
	if !c.DryRun() {
		readBack(ctx, cc, pi, out.Members, &out.WriteReport)
	}
	return out, nil
}

// planMemberRoles decides, per member, which of the wanted grants to send
// and which it already holds (to add) or does not hold (to remove).
func planMemberRoles(ctx context.Context, members []cloudapi.Member, want []grant, add bool, pi *projectIndex) ([]memberPlan, error) {
	var plans []memberPlan
	for _, m := range members {
		p := memberPlan{member: m}
		for _, g := range want {
			if add {
				if holds(&m.RoleAssignments, g) {
					p.skipped = append(p.skipped, g)
					continue
				}
				if err := customConflict(m, g, pi, ctx); err != nil {
					return nil, err
				}
				p.send = append(p.send, g)
				p.changed = append(p.changed, g)
				continue
			}
			held, wholeType := heldForRemoval(&m.RoleAssignments, g)
			switch {
			case held:
				p.send = append(p.send, g)
				p.changed = append(p.changed, g)
			case wholeType:
				return nil, toolkit.InvalidArgs("%s holds %s on all %s projects; it cannot be removed from single projects. Remove it with all: true (and project_type %s), then assign it on the projects that should keep it",
					memberLabel(m), g.role, g.projectType, g.projectType)
			default:
				p.skipped = append(p.skipped, g)
			}
		}
		plans = append(plans, p)
	}
	return plans, nil
}

// warnRoleOverlaps adds the warnings that help the person read the change:
// a project role an added admin role includes, or a custom assignment a
// removal takes away too.
func warnRoleOverlaps(plans []memberPlan, add bool, out *CloudRolesOutput) {
	for _, p := range plans {
		for _, g := range p.changed {
			if add && g.scope == "project" && strings.HasSuffix(g.role, "-admin") {
				for _, cur := range grants(&p.member.RoleAssignments) {
					if cur.scope == "project" && cur.projectType == g.projectType && cur.role != g.role && len(cur.apps) == 0 && overlaps(cur, g) {
						out.Warn("%s still holds %s on the same project(s); admin includes it, and remove_cloud_roles takes it away if it should be replaced.", memberLabel(p.member), cur.role)
					}
				}
			}
			if !add && len(g.apps) == 0 {
				for _, cur := range grants(&p.member.RoleAssignments) {
					if cur.scope == g.scope && cur.projectType == g.projectType && cur.role == g.role && len(cur.apps) > 0 && overlaps(cur, g) {
						out.Warn("%s also holds %s with custom roles %s on the same project(s); Elastic Cloud matches removals by role, so that custom assignment is removed too.",
							memberLabel(p.member), cur.role, strings.Join(cur.apps, ","))
					}
				}
			}
		}
	}
}

// confirmRoleChange records the targets and asks the person to approve a
// removal, or an addition the access policy judges an escalation;
// anything says whether there is anything to send.
// reasons are changes that need the person's approval whatever they grant
// (custom roles replaced).
func confirmRoleChange(ctx context.Context, c *toolkit.Call, plans []memberPlan, add bool, tr *translated, org string, reasons []string, report *toolkit.WriteReport) (anything bool, err error) {
	var targets, labels []string
	var change policy.Change
	for _, p := range plans {
		targets = append(targets, p.member.UserID)
		labels = append(labels, memberLabel(p.member))
		c.Target("member:" + memberLabel(p.member))
		if len(p.send) > 0 {
			anything = true
			held := policyAssignments(&p.member.RoleAssignments)
			sent := fromGrants(p.send, org)
			change.Cloud = append(change.Cloud, policy.CloudChange{Kind: "cloud_member", Name: memberLabel(p.member),
				Old: held, New: withAssignments(held, policyAssignments(&sent))})
		}
	}
	if !anything {
		return false, nil
	}
	target := "members:" + strings.Join(targets, ",")
	if !add {
		conf := fmt.Sprintf("Remove %s from %s?", strings.Join(summarizeAssignments(&tr.ra), "; "), strings.Join(labels, ", "))
		return true, c.Confirm(ctx, toolkit.Confirmation{Target: target, Message: conf})
	}
	delta, note, err := judgeCloud(ctx, c, change)
	if err != nil {
		return true, err
	}
	return true, approve(ctx, c, report, delta, approval{target: target, where: "the Elastic Cloud organization", reasons: reasons, notes: []string{note}})
}

// applyRolePlans sends each member's change in turn and reports it; a
// failure names the changes already made.
func applyRolePlans(ctx context.Context, cc *cloudapi.Client, plans []memberPlan, add bool, org string, pi *projectIndex, out *CloudRolesOutput) error {
	var done []string
	for _, p := range plans {
		ch := MemberRoleChange{UserID: p.member.UserID, Email: p.member.Email}
		sent := fromGrants(p.send, org)
		changed := fromGrants(p.changed, org)
		skipped := fromGrants(p.skipped, org)
		ch.Changed = renderAssignments(ctx, &changed, pi)
		ch.Unchanged = renderAssignments(ctx, &skipped, pi)
		if len(p.send) > 0 {
			var err error
			if add {
				err = cc.AddRoleAssignments(ctx, p.member.UserID, sent)
			} else {
				err = cc.RemoveRoleAssignments(ctx, p.member.UserID, sent)
			}
			if err != nil {
				verb := "add roles to "
				if !add {
					verb = "remove roles from "
				}
				return toolkit.PartialFailure(cloudErr(err, verb+memberLabel(p.member)), done)
			}
			done = append(done, fmt.Sprintf("%s: %s", memberLabel(p.member), strings.Join(summarizeAssignments(&sent), "; ")))
		}
		out.Members = append(out.Members, ch)
	}
	return nil
}

// readBack lists the members again so the result shows the state Elastic
// Cloud reports after the change (the skills' "verify after each change").
func readBack(ctx context.Context, cc *cloudapi.Client, pi *projectIndex, changes []MemberRoleChange, w *toolkit.WriteReport) {
	after, err := cc.ListMembers(ctx)
	if err != nil {
		w.Warn("The change was made, but reading the members back failed (%v); call list_org_members to verify.", cloudErr(err, "list members"))
		return
	}
	mi := memberIndex{after}
	for i := range changes {
		if m, ok := mi.find(changes[i].UserID); ok {
			ra := m.RoleAssignments
			changes[i].RolesNow = renderAssignments(ctx, &ra, pi)
			if changes[i].RolesNow == nil {
				changes[i].RolesNow = []AssignmentView{}
				w.Warn("%s now holds no role at all: they can sign in to the organization but see nothing.", memberLabel(m))
			}
		}
	}
}

// overlaps says whether two grants cover a common resource.
func overlaps(a, b grant) bool {
	if a.all || b.all {
		return true
	}
	for _, id := range a.ids {
		if slices.Contains(b.ids, id) {
			return true
		}
	}
	return false
}

// heldForRemoval says whether removing g changes anything for the member,
// and whether it fails only because the member holds the role on the whole
// type (which a removal of single ids cannot narrow).
func heldForRemoval(ra *cloudapi.RoleAssignments, g grant) (held, wholeType bool) {
	for _, cur := range grants(ra) {
		if cur.scope != g.scope || cur.projectType != g.projectType || cur.role != g.role {
			continue
		}
		if len(g.apps) > 0 && !slices.Equal(cur.apps, g.apps) {
			continue
		}
		switch {
		case g.all || g.scope == "organization":
			return true, false
		case cur.all:
			wholeType = true
		case overlaps(cur, g):
			return true, false
		}
	}
	return false, wholeType
}

// customConflict enforces "never combine a predefined role and a custom role
// for the same project" (workflows.md §5): the union on sign-in would give
// the predefined role's wider access.
func customConflict(m cloudapi.Member, g grant, pi *projectIndex, ctx context.Context) error {
	if g.scope != "project" {
		return nil
	}
	for _, cur := range grants(&m.RoleAssignments) {
		if cur.scope != "project" || cur.projectType != g.projectType || !overlaps(cur, g) {
			continue
		}
		if len(g.apps) == 0 && len(cur.apps) > 0 {
			return toolkit.Refused("call again with replace_custom: true to remove the custom role in the same call (or remove it first with remove_project_custom_role), or keep the custom role and skip this assignment",
				"%s has the custom role(s) %s on %s; adding the predefined role %s there would give them the union of both, widening their access.",
				memberLabel(m), strings.Join(cur.apps, ","), describeGrantProjects(ctx, cur, g, pi), g.role)
		}
		if len(g.apps) > 0 && len(cur.apps) == 0 {
			return toolkit.Refused("use assign_project_custom_role with replace_predefined: true, which removes the predefined role first",
				"%s holds the predefined role %s on %s; adding custom roles there would give them the union of both.",
				memberLabel(m), cur.role, describeGrantProjects(ctx, cur, g, pi))
		}
	}
	return nil
}

func describeGrantProjects(ctx context.Context, cur, g grant, pi *projectIndex) string {
	if cur.all {
		return "all " + cur.projectType + " projects"
	}
	var names []string
	for _, id := range cur.ids {
		if g.all || slices.Contains(g.ids, id) {
			if n := pi.name(ctx, id); n != "" {
				names = append(names, n+" ("+id+")")
			} else {
				names = append(names, id)
			}
		}
	}
	return "project " + strings.Join(names, ", ")
}
